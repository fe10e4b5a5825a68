"""The episode of care: one per hip, and the state machine it moves through. Pure.

Forward moves follow the patient's journey (DESIGN J2 to J13). From listed on, each forward
move belongs to the step that earns it, and only that step may make it: the readiness gate
moves a hip to optimising or ready, booking to scheduled, signing the operation note to
operated, recording the discharge to recovering. Moving back (e.g. from scheduled to ready
when an operation is postponed) is allowed only where listed below and only with a recorded
reason. Withdrawal, conversion and death always need a reason.

An episode ends in one of four ways (ADR 0013): converted (or revised), reached only through
the conversion record; died, only through the death record; discharged from follow-up
(``completed``), a clinician's move; withdrawn, before the operation.
"""

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from coxa.accounts.domain import Capability, can
from coxa.core.errors import Conflict, ErrorCode, InvalidInput
from coxa.core.text import meaningful


class Side(StrEnum):
    LEFT = "left"
    RIGHT = "right"


class EpisodeState(StrEnum):
    REFERRED = "referred"
    ASSESSED = "assessed"
    LISTED = "listed"
    OPTIMISING = "optimising"
    READY = "ready"
    SCHEDULED = "scheduled"
    OPERATED = "operated"
    RECOVERING = "recovering"
    FOLLOW_UP = "follow-up"
    COMPLETED = "completed"
    CONVERTED = "converted"
    WITHDRAWN = "withdrawn"
    DIED = "died"

    @property
    def label(self) -> str:
        return STATE_LABELS[self]


S = EpisodeState

STATE_LABELS: dict[EpisodeState, str] = {
    S.REFERRED: "Referred",
    S.ASSESSED: "Assessed",
    S.LISTED: "Listed for surgery",
    S.OPTIMISING: "Optimising",
    S.READY: "Ready for surgery",
    S.SCHEDULED: "Scheduled",
    S.OPERATED: "Operated",
    S.RECOVERING: "Recovering",
    S.FOLLOW_UP: "Follow-up",
    S.COMPLETED: "Discharged from follow-up",
    S.CONVERTED: "Converted or revised",
    S.WITHDRAWN: "Withdrawn",
    S.DIED: "Died",
}

FORWARD: dict[EpisodeState, frozenset[EpisodeState]] = {
    S.REFERRED: frozenset({S.ASSESSED, S.WITHDRAWN}),
    S.ASSESSED: frozenset({S.LISTED, S.WITHDRAWN}),
    S.LISTED: frozenset({S.OPTIMISING, S.READY, S.WITHDRAWN}),
    S.OPTIMISING: frozenset({S.READY, S.WITHDRAWN}),
    S.READY: frozenset({S.SCHEDULED, S.WITHDRAWN}),
    S.SCHEDULED: frozenset({S.OPERATED, S.WITHDRAWN}),
    S.OPERATED: frozenset({S.RECOVERING, S.CONVERTED}),
    S.RECOVERING: frozenset({S.FOLLOW_UP, S.CONVERTED}),
    S.FOLLOW_UP: frozenset({S.COMPLETED, S.CONVERTED}),
    S.COMPLETED: frozenset({S.CONVERTED}),  # a resurfaced hip can fail years later
    S.CONVERTED: frozenset(),
    S.WITHDRAWN: frozenset(),
    S.DIED: frozenset(),
}
# Death ends every open episode, whatever its state (ADR 0013).
for _open in (S.REFERRED, S.ASSESSED, S.LISTED, S.OPTIMISING, S.READY, S.SCHEDULED,
              S.OPERATED, S.RECOVERING, S.FOLLOW_UP):  # fmt: skip
    FORWARD[_open] = FORWARD[_open] | {S.DIED}

BACKWARD: dict[EpisodeState, frozenset[EpisodeState]] = {
    S.REFERRED: frozenset(),
    S.ASSESSED: frozenset({S.REFERRED}),
    S.LISTED: frozenset({S.ASSESSED}),
    S.OPTIMISING: frozenset({S.LISTED}),
    S.READY: frozenset({S.OPTIMISING, S.LISTED}),
    # Postponed or cancelled on the day; or no longer ready (the readiness gate).
    S.SCHEDULED: frozenset({S.READY, S.OPTIMISING, S.LISTED}),
    S.OPERATED: frozenset(),  # an operation cannot be undone
    S.RECOVERING: frozenset(),
    S.FOLLOW_UP: frozenset(),
    S.COMPLETED: frozenset({S.FOLLOW_UP}),  # follow-up resumed
    S.CONVERTED: frozenset(),
    S.WITHDRAWN: frozenset({S.REFERRED}),  # re-referred after withdrawing
    S.DIED: frozenset(),
}

# The hip has been operated on: the operation and its date are history.
AFTER_OPERATION = frozenset({S.OPERATED, S.RECOVERING, S.FOLLOW_UP, S.COMPLETED, S.CONVERTED})
# An episode in one of these states no longer holds its hip: a new episode may be opened.
CLOSED_STATES = frozenset({S.COMPLETED, S.CONVERTED, S.WITHDRAWN, S.DIED})
# Where a conversion or revision may be recorded: after the operation, not yet converted
# (a hip discharged from follow-up may fail years later; ADR 0013).
CONVERTIBLE = AFTER_OPERATION - {S.CONVERTED}
REASON_ALWAYS_REQUIRED = frozenset({S.WITHDRAWN, S.CONVERTED, S.DIED})

# The order states are shown in (the journey's order; closed states last).
STATE_ORDER: tuple[EpisodeState, ...] = tuple(S)


class Step(StrEnum):
    """The clinical steps that own a forward move."""

    READINESS = "readiness"  # the readiness gate (assessment)
    BOOKING = "booking"  # booking the operation (surgery)
    SIGNING = "signing"  # signing the operation note (surgery)
    DISCHARGE = "discharge"  # recording the discharge (surgery)
    CONVERSION = "conversion"  # recording a conversion or revision (outcomes)
    DEATH = "death"  # recording the patient's death (outcomes)


# The forward moves only a step may make, and what a person should do instead.
OWNED_BY: dict[EpisodeState, tuple[Step, str]] = {
    S.OPTIMISING: (Step.READINESS, "the readiness check moves a hip to optimising"),
    S.READY: (
        Step.READINESS,
        "a hip becomes ready only when the readiness check passes: record what is missing on "
        "the pre-assessment page (and a surgeon's acknowledgement of any caution)",
    ),
    S.SCHEDULED: (Step.BOOKING, "book the operation on the operation page"),
    S.OPERATED: (Step.SIGNING, "sign the operation note on the operation page"),
    S.RECOVERING: (Step.DISCHARGE, "record the discharge on the operation page"),
    S.CONVERTED: (
        Step.CONVERSION,
        "record the conversion or revision (its date, reason and new procedure) through "
        "'Record a conversion or revision' on the episode page",
    ),
    S.DIED: (Step.DEATH, "record the death on the patient's chart ('Record a death')"),
}


@dataclass(frozen=True, slots=True)
class Transition:
    source: EpisodeState
    target: EpisodeState
    is_backward: bool


def may_move(role: str, source: "EpisodeState", target: "EpisodeState") -> bool:
    """Whether a role may ask for a move by hand (a step's own move is its service's).

    Surgeons and nurses move hips through the pathway; a physiotherapist only ends
    rehabilitation (recovering to follow-up), the move the rehabilitation team makes.
    """
    if can(role, Capability.MOVE_EPISODES):
        return True
    return (source, target) == (S.RECOVERING, S.FOLLOW_UP) and can(
        role, Capability.END_REHABILITATION
    )


def moves_by_hand(role: str) -> bool:
    return can(role, Capability.MOVE_EPISODES) or can(role, Capability.END_REHABILITATION)


def allowed_targets(
    state: EpisodeState,
    *,
    can_convert: bool,
    step: Step | None = None,
    followed_for_life: bool = False,
) -> tuple[EpisodeState, ...]:
    """Every state an episode in ``state`` may move to, in journey order.

    Without a ``step``: the moves a person may ask for directly (no step-owned forward move).
    ``followed_for_life``: the procedure's implant is followed for life (metal-on-metal), so
    the hip is never discharged from follow-up (ADR 0013).
    """
    targets = set(FORWARD[state] - {t for t, (owner, _) in OWNED_BY.items() if owner != step})
    targets |= BACKWARD[state]
    if not can_convert:
        targets -= {S.CONVERTED}
    if followed_for_life:
        targets -= {S.COMPLETED}
    return tuple(s for s in STATE_ORDER if s in targets)


def plan_transition(
    current: EpisodeState,
    target: str,
    *,
    reason: str,
    can_convert: bool,
    step: Step | None = None,
    followed_for_life: bool = False,
) -> Transition:
    """Check a requested move and say whether it goes back; raise if it is not allowed.

    ``can_convert`` is whether the episode's procedure has a fallback to convert to; ``step``
    is the clinical step making the move (None: a person asking for it directly).
    """
    try:
        wanted = EpisodeState(target)
    except ValueError:
        names = ", ".join(s.value for s in S)
        raise InvalidInput(
            ErrorCode.UNKNOWN_STATE, f"state must be one of: {names}", "to"
        ) from None
    if wanted is current:
        raise Conflict(ErrorCode.NO_CHANGE, f"the episode is already {current.value}", "to")
    if wanted is S.COMPLETED and followed_for_life:
        # MHRA MDA/2017/018 (and MDA/2012/036 before it): every metal-on-metal hip is followed
        # for the life of the implant; ADR 0013 ends surveillance only with revision or death.
        raise InvalidInput(
            ErrorCode.FOLLOWED_FOR_LIFE,
            "this hip is followed for the life of its metal-on-metal implant: it cannot be "
            "discharged from follow-up (it ends only with a revision or death)",
            "to",
        )
    if wanted is S.CONVERTED and not can_convert:
        raise Conflict(
            ErrorCode.NOT_CONVERTIBLE,
            "this procedure has no fallback procedure to convert to",
            "to",
        )
    is_backward = wanted in BACKWARD[current]
    owner = OWNED_BY.get(wanted)
    if not is_backward and wanted in FORWARD[current] and owner and owner[0] is not step:
        raise Conflict(
            ErrorCode.OWN_STEP,
            f"an episode cannot be moved to {wanted.value} directly: {owner[1]}",
            "to",
        )
    if wanted not in FORWARD[current] and not is_backward:
        allowed = ", ".join(
            t.value
            for t in allowed_targets(
                current, can_convert=can_convert, followed_for_life=followed_for_life
            )
        )
        raise Conflict(
            ErrorCode.ILLEGAL_TRANSITION,
            f"an episode cannot go from {current.value} to {wanted.value}"
            + (f"; it can go to: {allowed}" if allowed else "; it is closed"),
            "to",
        )
    if (is_backward or wanted in REASON_ALWAYS_REQUIRED) and not meaningful(reason):
        why = "going back" if is_backward else f"moving to {wanted.value}"
        raise InvalidInput(
            ErrorCode.REASON_REQUIRED,
            f"a reason is required for {why} (a word or more, not a mark)",
            "reason",
        )
    return Transition(source=current, target=wanted, is_backward=is_backward)


# How far ahead an operation may be dated (service policy, a plausibility bound): beyond a
# year, every pre-operative check would have lapsed by the day.
OPERATION_HORIZON_DAYS = 366


def operation_date_problem(operation_on: dt.date, today: dt.date) -> str:
    """Why a planned operation date is impossible ('' if it is possible)."""
    if operation_on < today:
        return "the operation date cannot be in the past"
    if operation_on > today + dt.timedelta(days=OPERATION_HORIZON_DAYS):
        return "the operation date must be within a year of today"
    return ""


def is_open(state: EpisodeState) -> bool:
    return state not in CLOSED_STATES
