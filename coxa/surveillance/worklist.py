"""The surveillance worklist: hips due, overdue, flagged, awaiting a repeat, or lost (issue 15).

Reads only the stored enrolments (``services/programme.refresh`` keeps them current; the
nightly sweep moves them on and ends those revised or whose patient died) through indexes,
so a page costs the same queries however many hips (ADR 0018). An episode converted or
whose patient died leaves the list at once, before any sweep: the list reads the episode's
state beside the stored columns. Signed resurfacing hips not yet enrolled are counted
separately (``pending_enrolment``) so that none waits unseen for the sweep.
"""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q, QuerySet

from coxa.accounts.domain import Capability
from coxa.accounts.models import User
from coxa.accounts.selectors import require
from coxa.core import audit, clock
from coxa.core.errors import ErrorCode, InvalidInput
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
        worklist(actor=actor, query=query), page, lambda e: Row(e, statuses_of(e, today))
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
