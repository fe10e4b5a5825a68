"""The follow-up worklist: hips with follow-up due, overdue, or lost, or a fall in score.

Due is a questionnaire or a clinic review of the hip's schedule (ADR 0018, ADR 0022). A hip
with a fall in score flagged and no clinic review since is listed whatever else is due
(hazard H65).

Reads only the stored programmes (``services/schedule.refresh`` keeps them current, and the
nightly sweep moves them on), through indexes: a page costs the same queries however many
hips. Paging, the capped count and the audit record are every worklist's (core/worklists.py).
"""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q, QuerySet

from coxa.accounts.domain import Capability
from coxa.accounts.models import User
from coxa.accounts.selectors import require
from coxa.catalogue.loader import get_catalogue
from coxa.catalogue.schema_followup import BASELINE, REPEAT_PREFIX
from coxa.core import audit, clock
from coxa.core.errors import ErrorCode, InvalidInput
from coxa.core.pagination import PageRequest
from coxa.core.worklists import Split, WorklistPage, page_of, record_read
from coxa.outcomes.domain.schedule import FOLLOWED, Status
from coxa.outcomes.models import FollowUpProgramme, ProgrammeStatus
from coxa.outcomes.selectors import programme_due
from coxa.pathways.models import Episode

STATUSES = {
    "due": "Due",
    "overdue": "Overdue",
    "lost": "Lost to follow-up",
    "fall": "Fall in score",
}
DUE_KINDS = {"questionnaires": "Questionnaires", "clinic-review": "A clinic review"}


@dataclass(frozen=True)
class FollowUpQuery:
    status: str = ""  # due | overdue | lost | fall (a fall in score); blank: any
    procedure: str = ""
    due: str = ""  # questionnaires | clinic-review; blank: either

    def check(self) -> None:
        procedures = tuple(get_catalogue().procedures)
        for field, value, allowed, code in (
            ("status", self.status, tuple(STATUSES), ErrorCode.INVALID_VALUE),
            ("procedure", self.procedure, procedures, ErrorCode.UNKNOWN_PROCEDURE),
            ("due", self.due, tuple(DUE_KINDS), ErrorCode.INVALID_VALUE),
        ):
            if value and value not in allowed:
                raise InvalidInput(code, f"{field} must be one of: {', '.join(allowed)}", field)


@dataclass(frozen=True)
class Row:
    """One hip on the list: its programme (with the episode and patient), and what is due."""

    programme: FollowUpProgramme
    status: Status | None  # None: listed only for a fall in score (nothing due yet)
    what: tuple[str, ...]  # the questionnaires' names, then "Clinic review"

    @property
    def fall_on(self) -> dt.date | None:
        """The day of a fall in score flagged with no clinic review since (None: none)."""
        return self.programme.fall_on

    @property
    def episode(self) -> Episode:
        return self.programme.episode

    @property
    def schedule(self) -> str:
        return f"{self.episode.procedure}@{self.programme.schedule_version}"


# The list holds these statuses; a page is read status by status along the index on
# (status, sort_on, id) and merged (core/worklists.page_of's split), never sorted whole.
BY_STATUS: Split = ("status", (ProgrammeStatus.ACTIVE.value, ProgrammeStatus.FINISHED.value))


def worklist(*, actor: User, query: FollowUpQuery) -> QuerySet[FollowUpProgramme]:
    """The programmes on the list, by due day (a lost hip whose schedule ended: its lost day)."""
    require(actor, Capability.VIEW_PATIENTS)
    query.check()
    today = clock.today()
    # Not ended, that is active or finished (a constraint holds the statuses): said as an
    # exclusion, since SQLite's planner will not walk the index for one status (the split's
    # part) when an IN on the same column is beside it.
    rows = FollowUpProgramme.objects.exclude(status=ProgrammeStatus.ENDED).filter(
        episode__state__in=[s.value for s in FOLLOWED]
    )
    fall = Q(fall_on__isnull=False)
    # Every listed row has its sort day (schedule._store, refresh): saying so lets SQLite's
    # walk of the index start after the rows without one (NULLs sort first there).
    rows = rows.filter(Q(shows_from__lte=today) | fall, sort_on__isnull=False)
    lost = Q(lost_on__lte=today)
    overdue = Q(overdue_from__lte=today)
    if query.status == "fall":
        rows = rows.filter(fall)
    elif query.status == "lost":
        rows = rows.filter(lost)
    elif query.status == "overdue":
        rows = rows.filter(overdue).exclude(lost)
    elif query.status == "due":
        rows = rows.filter(shows_from__lte=today).exclude(overdue).exclude(lost)
    if query.procedure:
        rows = rows.filter(episode__procedure=query.procedure)
    if query.due == "questionnaires":
        rows = rows.filter(next_has_questionnaires=True)
    elif query.due == "clinic-review":  # a fall in score needs one too, whatever is next
        rows = rows.filter(Q(next_clinic_review=True) | fall)
    return rows.select_related("episode__patient").order_by("sort_on", "id")


def _row(programme: FollowUpProgramme, today: dt.date) -> Row:
    instruments = get_catalogue().instruments
    names = [
        instruments[code].title if code in instruments else code
        for code in programme.next_questionnaires
    ]
    if programme.next_clinic_review:
        names.append("Clinic review")
    status = programme.status_on(today)
    if status in (None, Status.UPCOMING):  # listed for its fall in score: nothing due yet
        return Row(programme, None, ())
    return Row(programme, status, tuple(names))


def list_follow_up_worklist(
    *, actor: User, query: FollowUpQuery, page: PageRequest, via: audit.Via
) -> WorklistPage[Row]:
    """One page of the follow-up worklist, counted up to COUNT_CAP + 1; audited."""
    today = clock.today()
    listed = page_of(
        worklist(actor=actor, query=query),
        page,
        lambda p: _row(p, today),
        split=BY_STATUS,
        by_version=True,
    )
    record_read(
        actor=actor,
        worklist="follow-up",
        summary=f"Follow-up worklist ({listed.count} hips)",
        via=via,
        shown=[row.episode.public_id for row in listed.rows],
        filters=vars(query),
    )
    return listed


def point_title(procedure: str, code: str) -> str:
    """A schedule point in words ("Six weeks", "Year 2"); "" for none; the code if unknown."""
    found = get_catalogue().procedures.get(procedure)
    schedule = found.follow_up if found is not None else None
    if not code or schedule is None:
        return code
    if code == BASELINE:
        return schedule.baseline.title
    if code.startswith(REPEAT_PREFIX) and code.removeprefix(REPEAT_PREFIX).isdigit():
        return f"Year {code.removeprefix(REPEAT_PREFIX)}"
    return next((p.title for p in schedule.points if p.code == code), code)


@dataclass(frozen=True)
class Due:
    """What the hip's programme has next, in words, for the staff's and the patient's pages."""

    title: str  # the point's title ("Six weeks")
    questionnaires: tuple[tuple[str, str], ...]  # (code, title) still to answer
    clinic_review: bool
    due_on: dt.date
    opens_on: dt.date | None
    closes_on: dt.date | None
    status: Status
    open_now: bool  # the window holds today: what is left may be answered now

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(code for code, _ in self.questionnaires)

    @property
    def names(self) -> str:
        return ", ".join(title for _, title in self.questionnaires)


def due_of(episode: Episode) -> Due | None:
    """What is due next for the hip, from its stored programme; None when nothing is."""
    programme = programme_due(episode)
    if programme is None or programme.next_due_on is None:
        return None
    today = clock.today()
    status = programme.status_on(today)
    if status is None:
        return None
    instruments = get_catalogue().instruments
    opens, closes = programme.window_opens_on, programme.window_closes_on
    return Due(
        title=programme.next_title,
        questionnaires=tuple(
            (code, instruments[code].title if code in instruments else code)
            for code in programme.next_questionnaires
        ),
        clinic_review=programme.next_clinic_review,
        due_on=programme.next_due_on,
        opens_on=opens,
        closes_on=closes,
        status=status,
        open_now=(opens is None or opens <= today) and (closes is None or today <= closes),
    )
