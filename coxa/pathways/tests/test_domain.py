import pytest

from coxa.core.errors import Conflict, InvalidInput
from coxa.pathways.domain import (
    BACKWARD,
    CLOSED_STATES,
    FORWARD,
    OWNED_BY,
    EpisodeState,
    Step,
    allowed_targets,
    is_open,
    plan_transition,
)

S = EpisodeState
ASKED = "the patient asked"
FORWARD_MOVES = [(s, t) for s, targets in FORWARD.items() for t in targets]
BACKWARD_MOVES = [(s, t) for s, targets in BACKWARD.items() for t in targets]


@pytest.mark.parametrize(("source", "target"), FORWARD_MOVES)
def test_every_forward_move_is_allowed_to_its_own_step(source, target):
    step = OWNED_BY[target][0] if target in OWNED_BY else None
    plan = plan_transition(
        source, target.value, reason="the patient asked", can_convert=True, step=step
    )
    assert (plan.source, plan.target, plan.is_backward) == (source, target, False)


OWNED_MOVES = [(s, t) for s, t in FORWARD_MOVES if t in OWNED_BY]


@pytest.mark.parametrize(("source", "target"), OWNED_MOVES)
def test_a_step_owned_move_is_refused_to_anyone_else(source, target):
    # Issue 10: a physiotherapist moved a hip listed -> ready -> scheduled -> operated ->
    # recovering through POST .../transitions, with no booking and no signed note.
    for step in (None, *(s for s in Step if s is not OWNED_BY[target][0])):
        with pytest.raises(Conflict) as error:
            plan_transition(
                source, target.value, reason="the patient asked", can_convert=True, step=step
            )
        assert (error.value.code, error.value.field) == ("own-step", "to")
    assert target not in allowed_targets(source, can_convert=True)


def test_the_readiness_gate_may_move_a_booked_hip_back_to_listed():
    plan = plan_transition(
        S.SCHEDULED, "listed", reason="bloods expired", can_convert=True, step=Step.READINESS
    )
    assert plan.is_backward


@pytest.mark.parametrize(("source", "target"), BACKWARD_MOVES)
def test_going_back_needs_a_reason(source, target):
    for nothing in ("  ", ".", "ok"):
        with pytest.raises(InvalidInput) as error:
            plan_transition(source, target.value, reason=nothing, can_convert=True)
        assert (error.value.code, error.value.field) == ("reason-required", "reason")
    assert plan_transition(source, target.value, reason="postponed", can_convert=True).is_backward


@pytest.mark.parametrize(
    ("target", "step"),
    [(S.WITHDRAWN, None), (S.CONVERTED, Step.CONVERSION), (S.DIED, Step.DEATH)],
)
def test_withdrawing_converting_and_dying_need_a_reason(target, step):
    source = S.READY if target is S.WITHDRAWN else S.FOLLOW_UP
    with pytest.raises(InvalidInput):
        plan_transition(source, target.value, reason="", can_convert=True, step=step)


@pytest.mark.parametrize(("target", "step"), [(S.CONVERTED, Step.CONVERSION), (S.DIED, Step.DEATH)])
def test_conversion_and_death_are_their_records_moves(target, step):
    # Issue 14 (ADR 0013): a person cannot move a hip to converted or died by hand.
    with pytest.raises(Conflict) as error:
        plan_transition(S.FOLLOW_UP, target.value, reason="failed", can_convert=True)
    assert error.value.code == "own-step"
    assert target not in allowed_targets(S.FOLLOW_UP, can_convert=True)
    assert target in allowed_targets(S.FOLLOW_UP, can_convert=True, step=step)
    assert (
        plan_transition(
            S.FOLLOW_UP, target.value, reason="head collapsed", can_convert=True, step=step
        ).target
        is target
    )


def test_death_ends_every_open_state_and_no_closed_one():
    for state in S:
        if is_open(state):
            assert plan_transition(
                state, "died", reason="Died at home", can_convert=False, step=Step.DEATH
            )
        else:
            assert S.DIED not in FORWARD[state]
    assert S.DIED in CLOSED_STATES
    assert allowed_targets(S.DIED, can_convert=True) == ()
    assert S.COMPLETED.label == "Discharged from follow-up"
    assert S.DIED.label == "Died"


def test_no_operation_before_scheduling():
    for source in (S.REFERRED, S.ASSESSED, S.LISTED, S.OPTIMISING, S.READY):
        with pytest.raises(Conflict) as error:
            plan_transition(source, "operated", reason="x", can_convert=True)
        assert (error.value.code, error.value.field) == ("illegal-transition", "to")


def test_an_operation_cannot_be_undone():
    for target in (S.SCHEDULED, S.READY, S.REFERRED):
        with pytest.raises(Conflict):
            plan_transition(S.OPERATED, target.value, reason="mistake", can_convert=True)


def test_procedures_without_a_fallback_cannot_convert():
    with pytest.raises(Conflict) as error:
        plan_transition(S.FOLLOW_UP, "converted", reason="failed", can_convert=False)
    assert error.value.code == "not-convertible"
    assert S.CONVERTED not in allowed_targets(S.FOLLOW_UP, can_convert=False)


def test_unknown_and_unchanged_states_are_refused():
    with pytest.raises(InvalidInput) as unknown:
        plan_transition(S.REFERRED, "cured", reason="", can_convert=True)
    assert unknown.value.field == "to"
    with pytest.raises(Conflict) as same:
        plan_transition(S.LISTED, "listed", reason="", can_convert=True)
    assert same.value.code == "no-change"


def test_illegal_move_message_lists_where_it_can_go():
    with pytest.raises(Conflict) as error:
        plan_transition(S.REFERRED, "ready", reason="", can_convert=True)
    assert "assessed" in error.value.message


def test_converted_is_final_and_says_so():
    assert allowed_targets(S.CONVERTED, can_convert=True) == ()
    with pytest.raises(Conflict) as error:
        plan_transition(S.CONVERTED, "referred", reason="x", can_convert=True)
    assert "closed" in error.value.message


def test_every_state_is_reachable_from_referral():
    seen, frontier = {S.REFERRED}, [S.REFERRED]
    while frontier:
        state = frontier.pop()
        for target in FORWARD[state] | BACKWARD[state]:
            if target not in seen:
                seen.add(target)
                frontier.append(target)
    assert seen == set(S)


def test_every_open_state_can_reach_a_closed_one():
    for state in S:
        if not is_open(state):
            continue
        seen, frontier = {state}, [state]
        while frontier:
            for target in FORWARD[frontier.pop()]:
                if target not in seen:
                    seen.add(target)
                    frontier.append(target)
        assert seen & CLOSED_STATES, state


def test_moves_back_never_pass_the_operation():
    after = {S.OPERATED, S.RECOVERING, S.FOLLOW_UP}
    before = {S.REFERRED, S.ASSESSED, S.LISTED, S.OPTIMISING, S.READY, S.SCHEDULED}
    for state in after:
        assert not (BACKWARD[state] & before)


def test_a_hip_followed_for_life_is_never_discharged_from_follow_up():
    """MHRA: every metal-on-metal hip is followed for the life of the implant (ADR 0013)."""
    assert S.COMPLETED not in allowed_targets(S.FOLLOW_UP, can_convert=True, followed_for_life=True)
    assert S.COMPLETED in allowed_targets(S.FOLLOW_UP, can_convert=True)
    with pytest.raises(InvalidInput) as refused:
        plan_transition(
            S.FOLLOW_UP, "completed", reason="well", can_convert=True, followed_for_life=True
        )
    assert (refused.value.code.value, refused.value.field) == ("followed-for-life", "to")
