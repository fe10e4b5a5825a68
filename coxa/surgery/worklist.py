"""The theatre and recovery worklist: what needs doing today and this week.

Nine lists, each read from stored, indexed rows: bookings, operation notes, physiotherapy
reviews, and the signed plans' appointments as stored by the services that make and change
them (``PlanAppointment``), never regenerated here. Each list is paged and counted up to the
cap; one audit record per read names every hip shown (``core/worklists.py``, ADR 0018).
"""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import F, Q, QuerySet

from coxa.accounts.domain import Capability
from coxa.accounts.models import User
from coxa.accounts.selectors import require
from coxa.core import audit, versions
from coxa.core.errors import ErrorCode, InvalidInput
from coxa.core.pagination import PageRequest
from coxa.core.worklists import WorklistPage, cut_off, page_of, record_read
from coxa.pathways.domain import EpisodeState
from coxa.pathways.models import Episode
from coxa.surgery.domain.recovery import PHYSIOTHERAPY_REVIEW
from coxa.surgery.models import Booking, OperationNote, PhysioReview, PlanAppointment

UNSIGNED_AFTER = dt.timedelta(hours=24)  # service policy: notes are signed within a day
WEEK = 7
CONFLICT_DAYS = 28  # contradicting reviews shown for four weeks (service policy)
# Hips whose recovery plan is followed: a closed episode's appointments are not listed.
FOLLOWED = (EpisodeState.OPERATED, EpisodeState.RECOVERING, EpisodeState.FOLLOW_UP)

# Rows of each list on the page of every list (a list's own page shows a whole page): the
# first, most pressing ones of each, so that a day's nine lists read on one screen.
OVERVIEW_ROWS = 10
LISTS = {
    "today": "Operations today",
    "week": "Operations this week",
    "not-ready": "Booked, but no longer scheduled (not ready, or postponed)",
    "late-stop": "Booked after a medicine's stop date had passed",
    "unsigned": "Operation notes unsigned after 24 hours",
    "awaiting-discharge": "Awaiting discharge",
    "physiotherapy": "Physiotherapy reviews due this week or overdue",
    "follow-ups": "Wound checks and follow-ups this week",
    "conflicts": "Physiotherapy reviews that contradict the plan (last 4 weeks)",
}


@dataclass(frozen=True)
class Row:
    episode: Episode
    on: dt.date | None
    what: str
    overdue: bool = False
    alert: str = ""  # what needs attention, when not lateness


@dataclass(frozen=True)
class Listed:
    """One list of the worklist, as shown: its code, its title and one page of its rows."""

    code: str
    title: str
    page: WorklistPage[Row]


# A day's list in the order it runs: the list, then its start times (unset ones last).
LIST_ORDER = ("operation_on", "theatre_list", F("starts_at").asc(nulls_last=True), "id")
# A booked hip moved back before its day (not ready, or postponed): no longer scheduled.
MOVED_BACK = (EpisodeState.LISTED, EpisodeState.OPTIMISING, EpisodeState.READY)
# A booked hip not yet operated on: scheduled, or moved back.
BOOKED = (*MOVED_BACK, EpisodeState.SCHEDULED)


def _booked(b: Booking) -> Row:
    surgeon = b.surgeon.get_full_name() or b.surgeon.username
    starts = f", from {b.starts_at:%H:%M}" if b.starts_at else ""
    return Row(
        b.episode,
        b.operation_on,
        surgeon + (f", {b.theatre_list}" if b.theatre_list else "") + starts,
    )


def _not_ready(b: Booking) -> Row:
    return Row(
        b.episode,
        b.operation_on,
        getattr(getattr(b.episode, "readiness", None), "moved_back_reason", "")
        or f"booked, now {b.episode.state_label.lower()}",
        alert="not scheduled" if b.episode.state == EpisodeState.READY else "not ready",
    )


def _late(b: Booking) -> Row:
    stops = "; ".join(f"{s['medication']} should have stopped {s['stop_on']}" for s in b.late_stops)
    return Row(
        b.episode, b.operation_on, f"{stops} (agreed: {b.late_stops_reason})", alert="late stop"
    )


# Lists read by part (core.worklists.page_of's split): the column and the values it holds.
SPLIT = {"not-ready": ("episode__state", [s.value for s in MOVED_BACK])}
# What a row shows of its hip and patient (and of the surgeon, for a booking), read with it:
# only these columns, a page of rows made with no more than it shows.
HIP = (
    "episode__public_id",
    "episode__side",
    "episode__procedure",
    "episode__state",
    "episode__patient__given_name",
    "episode__patient__family_name",
    "episode__patient__hospital_number",
)
SURGEON = ("surgeon__username", "surgeon__first_name", "surgeon__last_name")


def _queries(today: dt.date) -> dict[str, tuple[QuerySet[Any], Callable[[Any], Row]]]:
    """Each list's rows, ordered, and how one becomes a Row; nothing is read yet."""
    week = today + dt.timedelta(days=WEEK - 1)
    bookings = (
        Booking.objects.select_related("episode__patient", "surgeon")
        .only("operation_on", "theatre_list", "starts_at", *SURGEON, *HIP)
        .order_by(*LIST_ORDER)
    )
    scheduled = bookings.filter(episode__state=EpisodeState.SCHEDULED)
    appointments = (
        PlanAppointment.objects.filter(episode__state__in=FOLLOWED)
        .select_related("episode__patient")
        .only("due_on", "title", *HIP)
        .order_by("due_on", "plan_id", "key")
    )
    return {
        "today": (scheduled.filter(operation_on=today), _booked),
        "week": (scheduled.filter(operation_on__range=(today, week)), _booked),
        # By the booking's day as the episode keeps it: found through the episodes' index
        # of booked hips by state and day, not by walking every future booking; read state
        # by state (SPLIT: PostgreSQL's planner cannot tell that booked hips are nearly all
        # scheduled, and would walk every episode).
        "not-ready": (
            Booking.objects.filter(episode__booked_on__gte=today, episode__state__in=MOVED_BACK)
            .select_related("episode__patient", "episode__readiness")
            .only("operation_on", "episode__readiness__moved_back_reason", *HIP)
            .order_by("episode__booked_on", "episode__id"),
            _not_ready,
        ),
        "late-stop": (
            Booking.objects.filter(operation_on__gte=today, episode__state=EpisodeState.SCHEDULED)
            .exclude(late_stops=[])
            .select_related("episode__patient")
            .only("operation_on", "late_stops", "late_stops_reason", *HIP)
            .order_by("operation_on", "id"),
            _late,
        ),
        "unsigned": (
            OperationNote.objects.filter(
                signed_at__isnull=True, written_at__lt=cut_off(UNSIGNED_AFTER)
            )
            .select_related("episode__patient", "written_by")
            .only("operated_on", "written_by__username", *HIP)
            .order_by("operated_on", "id"),
            lambda n: Row(n.episode, n.operated_on, f"written by {n.written_by.username}", True),
        ),
        "awaiting-discharge": (
            OperationNote.objects.filter(
                signed_at__isnull=False,
                episode__state=EpisodeState.OPERATED,
                episode__discharge__isnull=True,
            )
            .select_related("episode__patient")
            .only("operated_on", *HIP)
            .order_by("operated_on", "id"),
            lambda n: Row(n.episode, n.operated_on, "operated, not yet discharged"),
        ),
        # Due this week or overdue, until a review is held (domain.recovery.review_held).
        "physiotherapy": (
            appointments.filter(
                kind=PHYSIOTHERAPY_REVIEW, reviewed_on__isnull=True, due_on__lte=week
            ),
            lambda a: Row(a.episode, a.due_on, a.title, a.due_on < today),
        ),
        # Attendance at follow-ups is recorded by later work, so only what is coming.
        "follow-ups": (
            appointments.filter(due_on__range=(today, week)).exclude(kind=PHYSIOTHERAPY_REVIEW),
            lambda a: Row(a.episode, a.due_on, a.title),
        ),
        "conflicts": (
            PhysioReview.objects.filter(reviewed_on__gte=today - dt.timedelta(days=CONFLICT_DAYS))
            .exclude(plan_conflict="")
            .select_related("episode__patient")
            .only("reviewed_on", "plan_conflict", *HIP)
            .order_by("-reviewed_on", "id"),
            lambda r: Row(r.episode, r.reviewed_on, r.plan_conflict, alert="contradicts the plan"),
        ),
    }


def _overview(code: str, size: int) -> PageRequest:
    """How much of a list the page of every list shows.

    Today's operations in full (up to a page), the first OVERVIEW_ROWS of each other list,
    its link leading to the whole list.
    """
    return PageRequest(number=1, size=size if code == "today" else min(size, OVERVIEW_ROWS))


def list_theatre_worklist(
    *, actor: User, today: dt.date, page: PageRequest, only: str = "", via: audit.Via
) -> list[Listed]:
    """Every list's first rows (``_overview``), or one list (``only``) at ``page``; audited."""
    require(actor, Capability.VIEW_PATIENTS)
    if only and only not in LISTS:
        raise InvalidInput(
            ErrorCode.UNKNOWN_LIST, f"list must be one of: {', '.join(LISTS)}", "list"
        )
    with versions.held():  # one read of the data's version for every list's count
        found = [
            Listed(
                code,
                LISTS[code],
                page_of(
                    rows,
                    page if only else _overview(code, page.size),
                    shape,
                    split=SPLIT.get(code),
                    by_version=True,
                ),
            )
            for code, (rows, shape) in _queries(today).items()
            if code == only or not only
        ]
    shown = [r.episode.public_id for listed in found for r in listed.page.rows]
    record_read(
        actor=actor,
        worklist="theatre",
        summary=f"Read the theatre and recovery worklist ({len(set(shown))} hips)",
        via=via,
        shown=shown,
        filters={"list": only, "page": page.number if only else 0},
    )
    return found


def rows_of(code: str, *, actor: User, today: dt.date) -> QuerySet[Any]:
    """One list's rows (by its code in LISTS), ordered and unread.

    For a page that shows parts of several apps' lists and records one read of them all
    (the workspace's home).
    """
    require(actor, Capability.VIEW_PATIENTS)
    return _queries(today)[code][0]


def theatre_lists(
    *, actor: User, first: dt.date, last: dt.date, surgeon: User | None = None
) -> QuerySet[Booking]:
    """Operations booked from ``first`` to ``last`` (one surgeon's, when named).

    As the lists run: by day, list and start time. A booked hip moved back (not ready)
    stays listed; so does a hip still scheduled for a day before ``first`` (its day passed
    with no signed note: it needs the team, never to drop off the list).
    """
    require(actor, Capability.VIEW_PATIENTS)
    # Found through the episodes' index of booked hips by state and day (few), not by
    # walking every booking of the past: the booking's day, as its episode keeps it.
    passed = Q(
        episode__in=Episode.objects.filter(
            state=EpisodeState.SCHEDULED.value, booked_on__lt=first
        ).values("id")
    )
    rows = Booking.objects.filter(
        Q(operation_on__range=(first, last), episode__state__in=[s.value for s in BOOKED]) | passed
    )
    if surgeon is not None:
        rows = rows.filter(surgeon=surgeon)
    return rows.select_related("episode__patient", "surgeon").order_by(*LIST_ORDER)


def unsigned_notes(*, actor: User, surgeon: User | None = None) -> QuerySet[OperationNote]:
    """Operation notes written and not yet signed, oldest operation first.

    One surgeon's (as the operating surgeon or the writer) when named. The "unsigned" list
    above holds only those older than a day.
    """
    require(actor, Capability.VIEW_PATIENTS)
    rows = OperationNote.objects.filter(signed_at__isnull=True)
    if surgeon is not None:
        rows = rows.filter(Q(surgeon=surgeon) | Q(written_by=surgeon))
    return rows.select_related("episode__patient").order_by("operated_on", "id")
