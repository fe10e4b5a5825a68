"""Scheduling: a ready, consented hip gets its operation date, surgeon and theatre list.

Booking and re-dating need the patient's current consent to this procedure on this side
(``services/consent.py``): none, or one withdrawn, refuses it.

Booking runs the readiness gate for the operation day itself: a result that expires before
that day, an unacknowledged caution or an undecided medicine refuses the booking, each
reason named. A medicine stop date that has already passed (booked too late for the stop)
refuses it too, until someone acknowledges the late stops with a reason; the booking keeps
them and the theatre worklist shows them.

Re-dating before the operation moves every date that hangs on it (medicine stops and
restarts, the projected recovery plan and its appointments) and reports each one that moved.
"""

import datetime as dt
from dataclasses import dataclass

from coxa.accounts.domain import Capability, Role, can
from coxa.accounts.models import User
from coxa.accounts.selectors import require
from coxa.assessment.services import readiness
from coxa.core import audit, clock
from coxa.core.errors import ErrorCode, InvalidInput, Problem
from coxa.core.text import REASON_MAX, meaningful, storable
from coxa.core.words import short_date
from coxa.decisions.domain.medicines import late_stops
from coxa.pathways import services as pathways
from coxa.pathways.domain import EpisodeState, Step
from coxa.pathways.models import Episode
from coxa.surgery import selectors
from coxa.surgery.domain.consent import booking_consent_problems
from coxa.surgery.domain.plan import Plan, moved
from coxa.surgery.domain.schedule import schedule_problems
from coxa.surgery.models import Booking

THEATRE_LIST_MAX = 100  # Booking.theatre_list


@dataclass(frozen=True)
class Moved:
    what: str
    before: dt.date | None
    after: dt.date | None


@dataclass(frozen=True)
class Scheduled:
    episode: Episode
    booking: Booking
    moved: tuple[Moved, ...]


Stops = dict[str, tuple[dt.date | None, dt.date | None]]  # medicine: stop and restart days


def _stops(evaluation: readiness.Evaluation | None) -> Stops:
    if evaluation is None:
        return {}
    return {s.medication: (s.stop_on, s.restart_on) for s in evaluation.panel.medication_stops}


def _gate_problems(
    evaluation: readiness.Evaluation, *, late_reason: str, by: User
) -> tuple[list[Problem], list[dict[str, str]]]:
    """Why the hip cannot be booked for this day; and the late stops, when acknowledged.

    Late stops are a clinical decision: a surgeon or anaesthetist agrees them.
    """
    problems = [Problem(p.code.error, p.text, "operation_date") for p in evaluation.gate.problems]
    late = late_stops(evaluation.decision.medicine_stops, clock.today())
    listed = [{"medication": s.medication, "stop_on": str(s.stop_on)} for s in late]
    if late and meaningful(late_reason) and not can(by.role, Capability.DECIDE_MEDICINES):
        problems.append(
            Problem(
                ErrorCode.LATE_STOPS,
                "a surgeon or anaesthetist must agree late medicine stops",
                "late_stops_reason",
            )
        )
    if late and not meaningful(late_reason):
        named = "; ".join(f"{s.medication} should have stopped on {s.stop_on}" for s in late)
        problems.append(
            Problem(
                ErrorCode.LATE_STOPS,
                f"This date is too soon for the medicine stops: {named}. Choose a later "
                "date, or acknowledge the late stops and say what was agreed with the patient.",
                "late_stops_reason",
            )
        )
    return problems, listed


def _consent_problems(episode: Episode) -> list[Problem]:
    """Booking needs the patient's current consent to this procedure on this side."""
    live = selectors.live_consent(episode)
    withdrawn = live is not None and live.is_withdrawn
    return booking_consent_problems(
        None if withdrawn else selectors.consent_facts(live),
        procedure=episode.procedure,
        side=episode.side,
        withdrawn=withdrawn,
    )


def _what_moved(
    stops_before: Stops,
    stops_after: Stops,
    plan_before: Plan | None,
    plan_after: Plan | None,
) -> list[Moved]:
    changes = []
    for medicine, (stop, restart) in stops_before.items():
        new_stop, new_restart = stops_after.get(medicine, (None, None))
        for label, old, new in (("stop", stop, new_stop), ("restart", restart, new_restart)):
            if old != new:
                changes.append(Moved(f"{medicine}: {label}", old, new))
    if plan_before is not None and plan_after is not None:
        changes += [Moved(what, old, new) for what, old, new in moved(plan_before, plan_after)]
    return changes


@audit.atomic()
def schedule(
    *,
    episode: Episode,
    operation_on: dt.date,
    surgeon: User,
    theatre_list: str,
    by: User,
    via: audit.Via,
    reason: str = "",
    late_stops_reason: str = "",
    starts_at: dt.time | None = None,
) -> Scheduled:
    """Book (or re-date) the operation; the episode moves from ready to scheduled.

    ``starts_at`` is the planned start on the theatre list (optional; None: not set).

    Refused unless the readiness gate holds for ``operation_on`` and the hip has a current
    consent for its procedure and side; stop dates already past need ``late_stops_reason``
    (what was agreed with the patient).
    """
    require(by, Capability.SCHEDULE_OPERATIONS)
    storable(theatre_list, field="theatre_list", max_length=THEATRE_LIST_MAX)
    storable(reason, field="reason", max_length=REASON_MAX)
    storable(late_stops_reason, field="late_stops_reason", max_length=REASON_MAX)
    locked = Episode.objects.select_for_update().select_related("patient").get(pk=episode.pk)
    problems = schedule_problems(
        state=locked.state,
        operation_on=operation_on,
        listed_on=selectors.listed_on(locked),
        today=clock.today(),
    ) + _consent_problems(locked)
    if surgeon.role != Role.SURGEON or not surgeon.is_active:
        problems.append(
            Problem(
                ErrorCode.NOT_A_SURGEON, f"{surgeon.username} is not an active surgeon", "surgeon"
            )
        )
    booking = selectors.booking_of(locked)
    redating = booking is not None and booking.operation_on != operation_on
    if redating and not meaningful(reason):
        problems.append(
            Problem(
                ErrorCode.REASON_REQUIRED,
                "say why the operation date is moving (in words)",
                "reason",
            )
        )
    if problems:
        raise InvalidInput.of(problems)
    evaluation = readiness.evaluate_episode(locked, operation_on=operation_on)
    gate_problems, late = _gate_problems(evaluation, late_reason=late_stops_reason, by=by)
    if gate_problems:
        raise InvalidInput.of(gate_problems)
    stops_before = _stops(readiness.evaluate_episode(locked) if locked.operation_on else None)
    projected = selectors.plan_of(locked)
    plan_before = projected[0] if projected else None
    locked = pathways.set_operation_date(
        episode=locked,
        operation_on=operation_on,
        by=by,
        via=via,
        reason=reason,
        step=Step.BOOKING,
    )
    if locked.state == EpisodeState.READY:
        locked = pathways.move_episode(
            episode=locked,
            to=EpisodeState.SCHEDULED,
            reason=f"Booked for {operation_on:%d %b %Y}.",
            by=by,
            via=via,
            step=Step.BOOKING,
        ).episode
    readiness.refresh(locked, by=by, via=via, evaluation=evaluation)
    now = clock.now()
    booking = booking or Booking(episode=locked)
    booking.operation_on = operation_on
    booking.surgeon = surgeon
    booking.theatre_list = theatre_list.strip()
    booking.starts_at = starts_at
    booking.booked_by = by
    booking.booked_at = now
    booking.late_stops = late
    booking.late_stops_reason = late_stops_reason.strip() if late else ""
    booking.save()
    projected = selectors.plan_of(locked)
    changes = _what_moved(
        stops_before, _stops(evaluation), plan_before, projected[0] if projected else None
    )
    audit.record(
        actor=by,
        action="operation.schedule",
        object_type="episode",
        object_id=locked.public_id,
        patient_id=locked.patient.public_id,
        summary=f"{locked.side.title()} hip operation on {short_date(operation_on)} with "
        f"{surgeon.get_full_name() or surgeon.username}"
        + (f", list {booking.theatre_list}" if booking.theatre_list else "")
        + (f", starting {starts_at:%H:%M}" if starts_at else ""),
        reason=reason.strip(),
        via=via,
        details={
            "moved": [[c.what, str(c.before), str(c.after)] for c in changes],
            **(
                {"late_stops": late, "late_stops_reason": late_stops_reason.strip()} if late else {}
            ),
        },
    )
    return Scheduled(locked, booking, tuple(changes))
