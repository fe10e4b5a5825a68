"""The theatre and recovery worklist: what needs doing today and this week."""

import datetime as dt
from dataclasses import dataclass

from coxa.accounts.domain import Capability
from coxa.accounts.models import User
from coxa.accounts.selectors import require
from coxa.core import audit, clock
from coxa.pathways.domain import EpisodeState
from coxa.pathways.models import Episode
from coxa.surgery import selectors
from coxa.surgery.models import Booking, OperationNote, PhysioReview, RecoveryPlan

UNSIGNED_AFTER = dt.timedelta(hours=24)  # service policy: notes are signed within a day
WEEK = 7
# Service policy: a review up to this many days before its due day counts as that review.
REVIEW_WINDOW_DAYS = 3
CONFLICT_DAYS = 28  # contradicting reviews shown for four weeks (service policy)


@dataclass(frozen=True)
class Row:
    episode: Episode
    on: dt.date | None
    what: str
    overdue: bool = False
    alert: str = ""  # what needs attention, when not lateness


def lists(actor: User, *, today: dt.date, via: audit.Via = audit.Via.WEB) -> dict[str, list[Row]]:
    """Named lists, each in date order."""
    require(actor, Capability.VIEW_PATIENTS)
    week = today + dt.timedelta(days=WEEK - 1)
    bookings = (
        Booking.objects.filter(
            operation_on__range=(today, week), episode__state=EpisodeState.SCHEDULED
        )
        .select_related("episode__patient", "surgeon")
        .order_by("operation_on", "theatre_list", "id")
    )
    booked = [
        Row(
            b.episode,
            b.operation_on,
            f"{b.surgeon.get_full_name() or b.surgeon.username}"
            + (f", {b.theatre_list}" if b.theatre_list else ""),
        )
        for b in bookings
    ]
    stale = clock.now() - UNSIGNED_AFTER
    unsigned = [
        Row(n.episode, n.operated_on, f"written by {n.written_by.username}", overdue=True)
        for n in OperationNote.objects.filter(signed_at__isnull=True, written_at__lt=stale)
        .select_related("episode__patient", "written_by")
        .order_by("operated_on")
    ]
    not_ready = [
        Row(
            b.episode,
            b.operation_on,
            getattr(getattr(b.episode, "readiness", None), "moved_back_reason", "")
            or f"booked, now {b.episode.state_label.lower()}",
            alert="not scheduled" if b.episode.state == EpisodeState.READY else "not ready",
        )
        for b in Booking.objects.filter(
            operation_on__gte=today,
            episode__state__in=(
                EpisodeState.LISTED,
                EpisodeState.OPTIMISING,
                EpisodeState.READY,
            ),
        )
        .select_related("episode__patient", "episode__readiness")
        .order_by("operation_on", "id")
    ]
    late = [
        Row(
            b.episode,
            b.operation_on,
            "; ".join(f"{s['medication']} should have stopped {s['stop_on']}" for s in b.late_stops)
            + f" (agreed: {b.late_stops_reason})",
            alert="late stop",
        )
        for b in Booking.objects.filter(
            operation_on__gte=today, episode__state=EpisodeState.SCHEDULED
        )
        .exclude(late_stops=[])
        .select_related("episode__patient")
        .order_by("operation_on", "id")
    ]
    conflicts = [
        Row(r.episode, r.reviewed_on, r.plan_conflict, alert="contradicts the plan")
        for r in PhysioReview.objects.filter(
            reviewed_on__gte=today - dt.timedelta(days=CONFLICT_DAYS)
        )
        .exclude(plan_conflict="")
        .select_related("episode__patient")
        .order_by("-reviewed_on")
    ]
    awaiting = [
        Row(n.episode, n.operated_on, "operated, not yet discharged")
        for n in OperationNote.objects.filter(
            signed_at__isnull=False,
            episode__state=EpisodeState.OPERATED,
            episode__discharge__isnull=True,
        )
        .select_related("episode__patient")
        .order_by("operated_on")
    ]
    physio: list[Row] = []
    follow_ups: list[Row] = []
    plans = RecoveryPlan.objects.filter(
        episode__state__in=(EpisodeState.OPERATED, EpisodeState.RECOVERING, EpisodeState.FOLLOW_UP)
    ).select_related("episode__patient")
    reviews: dict[int, list[dt.date]] = {}
    for episode_id, day in PhysioReview.objects.filter(
        episode__in=[p.episode_id for p in plans]
    ).values_list("episode_id", "reviewed_on"):
        reviews.setdefault(episode_id, []).append(day)
    for stored in plans:
        plan = selectors.signed_plan(stored)
        for appointment in plan.appointments:
            if appointment.due_on > week:
                continue
            if appointment.kind == "physiotherapy-review":
                window = appointment.due_on - dt.timedelta(days=REVIEW_WINDOW_DAYS)
                if any(day >= window for day in reviews.get(stored.episode_id, [])):
                    continue
                physio.append(
                    Row(
                        stored.episode,
                        appointment.due_on,
                        appointment.title,
                        appointment.due_on < today,
                    )
                )
            elif appointment.due_on >= today:
                # Attendance at follow-ups is recorded by later work, so only what is coming.
                follow_ups.append(Row(stored.episode, appointment.due_on, appointment.title))
    named = {
        "Operations today": [r for r in booked if r.on == today],
        "Operations this week": booked,
        "Booked, but no longer scheduled (not ready, or postponed)": not_ready,
        "Booked after a medicine's stop date had passed": late,
        "Operation notes unsigned after 24 hours": unsigned,
        "Awaiting discharge": awaiting,
        "Physiotherapy reviews due this week or overdue": sorted(
            physio, key=lambda r: r.on or today
        ),
        "Wound checks and follow-ups this week": sorted(follow_ups, key=lambda r: r.on or today),
        "Physiotherapy reviews that contradict the plan (last 4 weeks)": conflicts,
    }
    shown = {str(r.episode.public_id) for rows in named.values() for r in rows}
    audit.record(
        actor=actor,
        action="worklist.theatre.list",
        object_type="episode",
        summary=f"Read the theatre and recovery worklist ({len(shown)} hips)",
        via=via,
        details={"shown": sorted(shown)},
    )
    return named
