"""Scheduling: a ready hip gets its operation date, surgeon and theatre list.

Re-dating before the operation moves every date that hangs on it (medicine stops and
restarts, the projected recovery plan and its appointments) and reports each one that moved.
"""

import datetime as dt
from dataclasses import dataclass

from django.db import transaction

from coxa.accounts.domain import Capability, Role
from coxa.accounts.models import User
from coxa.accounts.selectors import require
from coxa.assessment.services import readiness
from coxa.core import audit, clock
from coxa.core.errors import InvalidInput, Problem
from coxa.pathways import services as pathways
from coxa.pathways.domain import EpisodeState
from coxa.pathways.models import Episode
from coxa.surgery import selectors
from coxa.surgery.domain.plan import Plan, moved
from coxa.surgery.domain.schedule import schedule_problems
from coxa.surgery.models import Booking


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


def _stops(episode: Episode) -> dict[str, tuple[str | None, str | None]]:
    panel = readiness.evaluate_episode(episode)[2]
    return {s["medication"]: (s["stop_on"], s["restart_on"]) for s in panel["medication_stops"]}


def _what_moved(
    stops_before: dict[str, tuple[str | None, str | None]],
    stops_after: dict[str, tuple[str | None, str | None]],
    plan_before: Plan | None,
    plan_after: Plan | None,
) -> list[Moved]:
    changes = []
    for medicine, (stop, restart) in stops_before.items():
        new_stop, new_restart = stops_after.get(medicine, (None, None))
        for label, old, new in (("stop", stop, new_stop), ("restart", restart, new_restart)):
            if old != new:
                changes.append(
                    Moved(
                        f"{medicine}: {label}",
                        dt.date.fromisoformat(old) if old else None,
                        dt.date.fromisoformat(new) if new else None,
                    )
                )
    if plan_before is not None and plan_after is not None:
        changes += [Moved(what, old, new) for what, old, new in moved(plan_before, plan_after)]
    return changes


@transaction.atomic
def schedule(
    *,
    episode: Episode,
    operation_on: dt.date,
    surgeon: User,
    theatre_list: str,
    by: User,
    via: audit.Via,
    reason: str = "",
) -> Scheduled:
    """Book (or re-date) the operation; the episode moves from ready to scheduled."""
    require(by, Capability.SCHEDULE_OPERATIONS)
    locked = Episode.objects.select_for_update().select_related("patient").get(pk=episode.pk)
    problems = schedule_problems(
        state=locked.state,
        operation_on=operation_on,
        listed_on=selectors.listed_on(locked),
        today=clock.today(),
    )
    if surgeon.role != Role.SURGEON or not surgeon.is_active:
        problems.append(
            Problem("not-a-surgeon", f"{surgeon.username} is not an active surgeon", "surgeon")
        )
    booking = selectors.booking_of(locked)
    redating = booking is not None and booking.operation_on != operation_on
    if redating and not reason.strip():
        problems.append(
            Problem("reason-required", "say why the operation date is moving", "reason")
        )
    if problems:
        raise InvalidInput.of(problems)
    stops_before = _stops(locked)
    projected = selectors.plan_of(locked)
    plan_before = projected[0] if projected else None
    locked = readiness.plan_operation(
        episode=locked, operation_on=operation_on, by=by, via=via, reason=reason
    )
    if locked.state == EpisodeState.READY:
        locked = pathways.move_episode(
            episode=locked, to=EpisodeState.SCHEDULED, reason="", by=by, via=via
        ).episode
    elif locked.state != EpisodeState.SCHEDULED:  # the readiness check moved it back
        raise InvalidInput(
            "not-ready",
            f"the hip is no longer ready for surgery ({locked.state}); see its readiness",
            "operation_date",
        )
    now = clock.now()
    if booking is None:
        booking = Booking(episode=locked)
    booking.operation_on = operation_on
    booking.surgeon = surgeon
    booking.theatre_list = theatre_list.strip()
    booking.booked_by = by
    booking.booked_at = now
    booking.save()
    projected = selectors.plan_of(locked)
    changes = _what_moved(
        stops_before, _stops(locked), plan_before, projected[0] if projected else None
    )
    audit.record(
        actor=by,
        action="operation.schedule",
        object_type="episode",
        object_id=locked.public_id,
        patient_id=locked.patient.public_id,
        summary=f"{locked.side.title()} hip operation on {operation_on} with "
        f"{surgeon.get_full_name() or surgeon.username}"
        + (f", list {booking.theatre_list}" if booking.theatre_list else ""),
        reason=reason.strip(),
        via=via,
        details={"moved": [[c.what, str(c.before), str(c.after)] for c in changes]},
    )
    return Scheduled(locked, booking, tuple(changes))
