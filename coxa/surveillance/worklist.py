"""The surveillance worklist: hips due, overdue, flagged, awaiting a repeat, or lost (issue 15).

Reads only the stored enrolments (``services/programme.refresh`` keeps them current; the
nightly sweep moves them on and ends those revised or whose patient died) through indexes,
so a page costs the same queries however many hips (ADR 0018). An episode converted or
whose patient died leaves the list at once, before any sweep: the list reads the episode's
state beside the stored columns. Signed resurfacing hips not yet enrolled are counted
separately (``pending_enrolment``) so that none waits unseen for the sweep.

The invitation letters for the hips a list shows are printed in the background, as one PDF
(``surveillance.tasks.print_invitations``): ``letter_hips`` is the list as it stands when the
task runs, and ``access_print_run`` / ``take_print_run`` give the person who asked, and no
one else, its progress and its file, recording what they read and take away (H89).
"""

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet

from coxa.accounts.domain import Capability
from coxa.accounts.models import User
from coxa.accounts.selectors import require
from coxa.core import audit, background, clock
from coxa.core.errors import ErrorCode, InvalidInput, NotFound
from coxa.core.models import BackgroundJob, JobFile
from coxa.core.pagination import PageRequest
from coxa.core.worklists import WorklistPage, page_of, record_read
from coxa.pathways.domain import EpisodeState
from coxa.pathways.models import Episode
from coxa.surveillance.domain.schedule import Next
from coxa.surveillance.models import Enrolment, EnrolmentStatus
from coxa.surveillance.selectors import signed_not_enrolled

STATUSES = {
    "due": "Due",
    "overdue": "Overdue",
    "flagged": "Flagged",
    "repeat": "Awaiting a repeat",
    "lost": "Lost to follow-up",
}
ENDED_STATES = (EpisodeState.CONVERTED.value, EpisodeState.DIED.value)


@dataclass(frozen=True)
class SurveillanceQuery:
    status: str = ""  # due | overdue | flagged | repeat | lost; blank: any

    def check(self) -> None:
        if self.status and self.status not in STATUSES:
            raise InvalidInput(
                ErrorCode.INVALID_VALUE,
                f"status must be one of: {', '.join(STATUSES)}",
                "status",
            )


@dataclass(frozen=True)
class Row:
    enrolment: Enrolment
    statuses: tuple[str, ...]  # codes of STATUSES, most pressing first

    @property
    def episode(self) -> Episode:
        return self.enrolment.episode

    @property
    def labels(self) -> tuple[str, ...]:
        return tuple(STATUSES[s] for s in self.statuses)

    @property
    def next_label(self) -> str:
        kind = self.enrolment.next_kind
        return Next(kind).label if kind else ""

    @property
    def rule(self) -> str:
        return f"{self.enrolment.rule_code}@{self.enrolment.rule_version}"


def statuses_of(enrolment: Enrolment, today: dt.date) -> tuple[str, ...]:
    found = []
    if enrolment.lost_on is not None and enrolment.lost_on <= today:
        found.append("lost")
    if enrolment.flagged_on is not None:
        found.append("flagged")
    due = enrolment.next_due_on
    if due is not None and due < today and "lost" not in found:
        found.append("overdue")
    elif enrolment.shows_from is not None and enrolment.shows_from <= today and "lost" not in found:
        found.append("due")
    if enrolment.repeat_due_on is not None:
        found.append("repeat")
    return tuple(found)


def worklist(*, actor: User, query: SurveillanceQuery) -> QuerySet[Enrolment]:
    """The enrolments on the list, most pressing day first."""
    require(actor, Capability.VIEW_PATIENTS)
    query.check()
    today = clock.today()
    rows = Enrolment.objects.filter(status=EnrolmentStatus.ACTIVE).exclude(
        episode__state__in=ENDED_STATES
    )
    flagged = Q(flagged_on__isnull=False)
    repeat = Q(repeat_due_on__isnull=False)
    lost = Q(lost_on__lte=today)
    overdue = Q(next_due_on__lt=today)
    # Each filter reads in the order of its own day, through its own index: the oldest
    # concern, the earliest repeat, the longest lost, the nearest due day; no filter: the
    # most pressing day of each hip (sort_on).
    order: tuple[str, ...] = ("sort_on", "id")
    if query.status == "flagged":
        rows, order = rows.filter(flagged), ("flagged_on", "id")
    elif query.status == "repeat":
        rows, order = rows.filter(repeat), ("repeat_due_on", "id")
    elif query.status == "lost":
        rows, order = rows.filter(lost), ("lost_on", "id")
    elif query.status == "overdue":
        rows, order = rows.filter(overdue).exclude(lost), ("next_due_on", "id")
    elif query.status == "due":
        rows = rows.filter(shows_from__lte=today, next_due_on__gte=today)
        order = ("next_due_on", "id")
    else:
        rows = rows.filter(Q(shows_from__lte=today) | flagged | repeat)
    return rows.select_related("episode__patient").order_by(*order)


def list_surveillance_worklist(
    *, actor: User, query: SurveillanceQuery, page: PageRequest, via: audit.Via
) -> WorklistPage[Row]:
    """One page of the surveillance worklist, counted up to the cap; audited."""
    today = clock.today()
    listed = page_of(
        worklist(actor=actor, query=query),
        page,
        lambda e: Row(e, statuses_of(e, today)),
        by_version=True,
    )
    record_read(
        actor=actor,
        worklist="surveillance",
        summary=f"Surveillance worklist ({listed.count} hips)",
        via=via,
        shown=[row.episode.public_id for row in listed.rows],
        filters=vars(query),
    )
    return listed


def pending_enrolment(*, actor: User) -> int:
    """How many hips were signed and wait for the sweep to enrol them."""
    require(actor, Capability.VIEW_PATIENTS)
    return signed_not_enrolled().count()


# ---------------------------------------------------------------- the letters for a list
LETTERS_KIND = "surveillance.letters"
# At most this many letters in one print run. Each letter's layout is kept until the PDF is
# written: 500 letters (1,000 pages, a 2.2 MB PDF) took about 50 s and 0.4 GB of a worker's
# memory on a development machine; 1,000 took 100 s and 0.75 GB, the last minute with no step
# to report. A longer list is printed a status at a time.
LETTERS_MAX = 500


def _checked(count: int) -> int:
    """Refuse a list with no hip, or with more than one print run takes (naming the field)."""
    if count > LETTERS_MAX:
        raise InvalidInput(
            ErrorCode.INVALID_VALUE,
            f"status: this list holds more than {LETTERS_MAX} hips, and at most {LETTERS_MAX} "
            "letters are printed at once; choose a shorter list under Show (due, or overdue)",
            "status",
        )
    if count == 0:
        raise InvalidInput(
            ErrorCode.INVALID_VALUE,
            "status: no hip is on this list now, so there is no letter to print",
            "status",
        )
    return count


def letter_count(*, actor: User, query: SurveillanceQuery) -> int:
    """How many hips the list holds now, for the letters; refused when none or too many."""
    rows = worklist(actor=actor, query=query).order_by().select_related(None)
    return _checked(rows[: LETTERS_MAX + 1].count())


def letter_hips(*, actor: User, query: SurveillanceQuery) -> list[uuid.UUID]:
    """The hips on the list as it stands now, in its order (the letters' order)."""
    rows = worklist(actor=actor, query=query).values_list("episode__public_id", flat=True)
    found = list(rows[: LETTERS_MAX + 1])
    _checked(len(found))
    return found


@dataclass(frozen=True)
class Skipped:
    """A hip on the list that got no letter, and why."""

    episode_id: str
    name: str  # the patient's name as the list shows it
    side: str
    why: str


@dataclass(frozen=True)
class PrintRun:
    """A print run of letters, as the person who asked it sees it."""

    job: BackgroundJob
    kept: JobFile | None  # None: not made yet, failed, or deleted past its time

    @property
    def details(self) -> dict[str, Any]:
        return self.kept.details if self.kept is not None else {}

    @property
    def letters(self) -> list[str]:
        """The hips with a letter in the file (their episodes' ids), in order."""
        return list(self.details.get("letters", []))

    @property
    def pages(self) -> int:
        return int(self.details.get("pages", 0))

    @property
    def skipped(self) -> list[Skipped]:
        return [Skipped(**s) for s in self.details.get("skipped", [])]

    @property
    def ready(self) -> bool:
        return self.job.status == BackgroundJob.Status.DONE and self.kept is not None


def _own_run(actor: User, job_id: uuid.UUID) -> BackgroundJob:
    """The print run, if ``actor`` asked for it; anyone else is told there is none."""
    require(actor, Capability.VIEW_PATIENTS)
    job = BackgroundJob.objects.filter(
        public_id=job_id, kind=LETTERS_KIND, requested_by=actor
    ).first()
    if job is None:
        raise NotFound(ErrorCode.NOT_FOUND, "no print run of yours with this id")
    return job


def access_print_run(*, actor: User, job_id: uuid.UUID, via: audit.Via) -> PrintRun:
    """The print run's progress, then what it made; the hips it names are recorded as read."""
    job = _own_run(actor, job_id)
    run = PrintRun(
        job, background.file_of(job) if job.status == BackgroundJob.Status.DONE else None
    )
    if run.kept is not None and run.skipped:
        audit.record(
            actor=actor,
            action="surveillance.letters.view",
            object_type="print-run",
            object_id=job.public_id,
            summary=f"Invitation letters: {len(run.skipped)} hips left out, viewed",
            via=via,
            details={"shown": [s.episode_id for s in run.skipped]},
        )
    return run


def take_print_run(*, actor: User, job_id: uuid.UUID, via: audit.Via) -> JobFile | None:
    """The print run's PDF, recorded as a copy taken away of every hip in it (None: none)."""
    job = _own_run(actor, job_id)
    if job.status != BackgroundJob.Status.DONE:
        return None
    kept = background.file_of(job, with_data=True)
    if kept is None or not kept.size:
        return None
    letters = PrintRun(job, kept).letters
    audit.record(
        actor=actor,
        action="surveillance.letters.copy",
        object_type="print-run",
        object_id=job.public_id,
        summary=f"Metal-on-metal surveillance copied: {len(letters)} invitation letters (PDF)",
        via=via,
        details={"shown": letters},
    )
    return kept
