"""The write path for episodes: opening one for a hip, and moving it between states."""

import datetime as dt
from dataclasses import dataclass

from django.db import IntegrityError, transaction

from coxa.accounts.domain import Capability
from coxa.accounts.models import User
from coxa.accounts.selectors import require
from coxa.catalogue.registry import (
    catalogue_hash,
    catalogue_version,
    get_procedure,
    procedure_codes,
)
from coxa.core import audit, clock
from coxa.core.errors import Conflict, ErrorCode, Forbidden, InvalidInput, Problem
from coxa.core.inputs import EARLIEST_EVENT
from coxa.core.text import REASON_MAX, meaningful, storable
from coxa.core.words import short_date
from coxa.pathways.domain import (
    AFTER_OPERATION,
    CLOSED_STATES,
    EpisodeState,
    Side,
    Step,
    may_move,
    moves_by_hand,
    operation_date_problem,
    plan_transition,
)
from coxa.pathways.models import UNDATED, Episode, EpisodeTransition
from coxa.patients.models import Patient


def _checked_side(side: str) -> Side:
    try:
        return Side(side)
    except ValueError:
        raise InvalidInput(ErrorCode.UNKNOWN_SIDE, "side must be left or right", "side") from None


def _open_problems(patient: Patient, procedure: str, referred_on: dt.date) -> list[Problem]:
    problems = []
    if get_procedure(procedure) is None:
        known = ", ".join(procedure_codes())
        problems.append(
            Problem(ErrorCode.UNKNOWN_PROCEDURE, f"procedure must be one of: {known}", "procedure")
        )
    if referred_on > clock.today():
        problems.append(
            Problem(
                ErrorCode.DATE_IN_FUTURE, "referral date cannot be in the future", "referred_on"
            )
        )
    elif referred_on < EARLIEST_EVENT:
        problems.append(
            Problem(
                ErrorCode.IMPLAUSIBLE_DATE,
                f"referral date must be between {EARLIEST_EVENT} and today",
                "referred_on",
            )
        )
    elif referred_on < patient.date_of_birth:
        problems.append(
            Problem(ErrorCode.BEFORE_BIRTH, "referral date is before date of birth", "referred_on")
        )
    if patient.date_of_death is not None:
        problems.append(
            Problem(
                ErrorCode.PATIENT_DECEASED, "the patient's date of death is recorded", "patient"
            )
        )
    return problems


def _open_episode_on(patient: Patient, side: Side) -> Episode | None:
    return (
        Episode.objects.filter(patient=patient, side=side)
        .exclude(state__in=[s.value for s in CLOSED_STATES])
        .first()
    )


def _create(
    *,
    patient: Patient,
    side: Side,
    procedure: str,
    referred_on: dt.date,
    by: User | None,
    converted_from: Episode | None = None,
    reason: str = "",
) -> Episode:
    moment = clock.now()
    try:
        with transaction.atomic():
            episode = Episode.objects.create(
                patient=patient,
                side=side.value,
                procedure=procedure,
                state=EpisodeState.REFERRED.value,
                referred_on=referred_on,
                state_changed_at=moment,
                catalogue_version=catalogue_version(),
                catalogue_hash=catalogue_hash(),
                converted_from=converted_from,
                created_by=by,
            )
    except IntegrityError:
        raise Conflict(
            ErrorCode.OPEN_EPISODE_EXISTS,
            f"the {side.value} hip already has an open episode",
            "side",
        ) from None
    EpisodeTransition.objects.create(
        episode=episode, from_state="", to_state=episode.state, at=moment, by=by, reason=reason
    )
    return episode


@audit.atomic()
def open_episode(
    *,
    patient: Patient,
    side: str,
    procedure: str,
    by: User,
    via: audit.Via,
    referred_on: dt.date | None = None,
) -> Episode:
    """Open an episode for one hip. A hip holds one open episode at a time."""
    require(by, Capability.CREATE_EPISODES)
    checked_side = _checked_side(side)
    referred_on = referred_on or clock.today()
    problems = _open_problems(patient, procedure, referred_on)
    if problems:
        raise InvalidInput.of(problems)
    existing = _open_episode_on(patient, checked_side)
    if existing is not None:
        raise Conflict(
            ErrorCode.OPEN_EPISODE_EXISTS,
            f"the {side} hip already has an open episode ({existing.state})",
            "side",
        )
    episode = _create(
        patient=patient, side=checked_side, procedure=procedure, referred_on=referred_on, by=by
    )
    audit.record(
        actor=by,
        action="episode.create",
        object_type="episode",
        object_id=episode.public_id,
        patient_id=patient.public_id,
        summary=f"{side.title()} hip episode opened: {episode.procedure_title}",
        via=via,
    )
    return episode


@dataclass(frozen=True)
class MoveResult:
    episode: Episode
    replacement: Episode | None  # the linked hip-replacement episode, after a conversion


@audit.atomic()
def move_episode(
    *,
    episode: Episode,
    to: str,
    reason: str,
    by: User | None,
    via: audit.Via,
    step: Step | None = None,
    becomes: str | None = None,
    opened_on: dt.date | None = None,
) -> MoveResult:
    """Move an episode to another state, recording who, when and why.

    A person's own request (``step`` None) needs the move capability and cannot make a
    forward move that a clinical step owns. A step's service passes its ``step``, having
    checked its own capability; only the readiness step acts without a person (``by`` None:
    the nightly check), and then always with its reason.

    Conversion (only through its step, ``outcomes.services.endpoints``) closes the episode
    and opens a linked episode for the procedure it ``becomes`` (the procedure's fallback when
    not given) on the same hip, referred ``opened_on`` (today when not given) (DESIGN J11);
    the first episode's conversion is its survival end point.
    """
    if step is None:
        if by is None:
            raise InvalidInput(ErrorCode.ACTOR_REQUIRED, "a person must make this move", "by")
        if not moves_by_hand(by.role):
            require(by, Capability.MOVE_EPISODES)
        storable(reason, field="reason", max_length=REASON_MAX)
    elif by is None and (step is not Step.READINESS or not reason.strip()):
        raise InvalidInput(
            ErrorCode.ACTOR_REQUIRED, "only the readiness check moves by itself", "by"
        )
    # Lock the row so two people moving the same episode cannot both succeed.
    locked = Episode.objects.select_for_update().select_related("patient").get(pk=episode.pk)
    procedure = get_procedure(locked.procedure)
    fallback = becomes or (procedure.converts_to if procedure else None)
    plan = plan_transition(
        locked.state_enum,
        to,
        reason=reason,
        can_convert=fallback is not None,
        step=step,
        followed_for_life=procedure is not None and procedure.surveillance is not None,
    )
    if step is None and by is not None and not may_move(by.role, plan.source, plan.target):
        raise Forbidden(
            ErrorCode.FORBIDDEN,
            f"the {by.role_label.lower()} role may not move a hip from "
            f"{plan.source.label.lower()} to {plan.target.label.lower()}",
            "to",
        )
    moment = clock.now()
    locked.state = plan.target.value
    locked.state_changed_at = moment
    locked.save(update_fields=["state", "state_changed_at", "updated_at"])
    EpisodeTransition.objects.create(
        episode=locked,
        from_state=plan.source.value,
        to_state=plan.target.value,
        at=moment,
        by=by,
        reason=reason.strip(),
        is_backward=plan.is_backward,
    )
    patient = locked.patient
    audit.record(
        actor=by,
        action="episode.transition",
        object_type="episode",
        object_id=locked.public_id,
        patient_id=patient.public_id,
        summary=f"{locked.side.title()} hip {procedure.short_title if procedure else ''}: "
        f"{plan.source.label} → {plan.target.label}",
        reason=reason.strip(),
        via=via,
        details={
            "from": plan.source.value,
            "to": plan.target.value,
            "backward": plan.is_backward,
            **({"step": step.value} if step else {}),
        },
    )
    replacement = None
    if plan.target is EpisodeState.CONVERTED and fallback is not None:
        replacement = _create(
            patient=patient,
            side=Side(locked.side),
            procedure=fallback,
            referred_on=opened_on or clock.today(),
            by=by,
            converted_from=locked,
            reason=f"Converted from {procedure.title if procedure else locked.procedure}: "
            f"{reason.strip()}",
        )
        audit.record(
            actor=by,
            action="episode.create",
            object_type="episode",
            object_id=replacement.public_id,
            patient_id=patient.public_id,
            summary=f"{locked.side.title()} hip episode opened: {replacement.procedure_title} "
            "(conversion)",
            reason=reason.strip(),
            via=via,
            details={"converted_from": str(locked.public_id)},
        )
    episode.refresh_from_db()
    return MoveResult(episode=episode, replacement=replacement)


@audit.atomic()
def set_operation_date(
    *,
    episode: Episode,
    operation_on: dt.date | None,
    by: User,
    via: audit.Via,
    reason: str = "",
    step: Step | None = None,
) -> Episode:
    """Set, move or clear the planned operation date; moving a set date needs a reason.

    Not after the operation: an operated episode's date is history. Booking (``step``) has
    checked its own capability; signing re-dates to the day in the note, which may be past.
    """
    if step is None:
        require(by, Capability.SCHEDULE_OPERATIONS)
    locked = Episode.objects.select_for_update().select_related("patient").get(pk=episode.pk)
    if locked.state_enum in AFTER_OPERATION | CLOSED_STATES:  # nothing books a closed hip
        raise Conflict(
            ErrorCode.OPERATION_DATE_CLOSED,
            f"the operation date cannot change once the episode is {locked.state}",
            "operation_on",
        )
    if step is None and locked.state_enum is EpisodeState.SCHEDULED:
        raise Conflict(
            ErrorCode.BOOKED,
            "the operation is booked: re-date it through the booking, which checks the new day",
            "operation_on",
        )
    if step is None:  # a person's words (a step's reason was checked by its own input)
        storable(reason, field="reason", max_length=REASON_MAX)
    wrong = operation_date_problem(operation_on, clock.today()) if operation_on else ""
    if wrong and step is not Step.SIGNING:
        raise InvalidInput(ErrorCode.IMPOSSIBLE_DATE, wrong, "operation_on")
    if (
        locked.operation_on is not None
        and operation_on != locked.operation_on
        and not meaningful(reason)
    ):
        raise InvalidInput(
            ErrorCode.REASON_REQUIRED,
            "a reason is required to move or clear the operation date (in words)",
            "reason",
        )
    before = locked.operation_on
    locked.operation_on = operation_on
    locked.operation_sort_on = operation_on or UNDATED
    fields = ["operation_on", "operation_sort_on", "updated_at"]
    if step in (Step.BOOKING, Step.SIGNING):  # the booking's day moves with it
        locked.booked_on = operation_on
        fields.append("booked_on")
    locked.save(update_fields=fields)
    audit.record(
        actor=by,
        action="episode.operation-date",
        object_type="episode",
        object_id=locked.public_id,
        patient_id=locked.patient.public_id,
        summary=f"{locked.side.title()} hip operation date: "
        f"{short_date(before) if before else 'none'} → "
        f"{short_date(operation_on) if operation_on else 'none'}",
        reason=reason.strip(),
        via=via,
        details={
            "from": str(before) if before else None,
            "to": str(operation_on) if operation_on else None,
        },
    )
    episode.refresh_from_db()
    return episode
