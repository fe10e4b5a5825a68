"""The episode's steps, from facts alone (no database)."""

import datetime as dt

from coxa.decisions.domain.findings import Candidacy
from coxa.pathways.domain import EpisodeState as S
from coxa.workspace.domain.steps import NO_CONSENT, EpisodeFacts, Status, Task, timeline

TODAY = dt.date(2026, 12, 1)


def facts(**overrides: object) -> EpisodeFacts:
    base: dict[str, object] = {"state": S.REFERRED, "today": TODAY, "referred_on": TODAY}
    return EpisodeFacts(**{**base, **overrides})  # type: ignore[arg-type]


def by_title(state: EpisodeFacts) -> dict[str, Status]:
    return {s.title: s.status for s in timeline(state).steps}


def test_a_referred_hip_starts_with_the_assessment_and_the_rest_comes_later() -> None:
    shown = timeline(facts())
    assert shown.steps[0].title == "Assessment and decision"
    assert shown.steps[0].status is Status.NOW
    assert all(s.status is Status.LATER for s in shown.steps[2:])
    assert shown.next_state is S.ASSESSED
    assert "Not yet evaluated" in shown.steps[0].summary


def test_a_listed_hip_is_blocked_by_what_readiness_misses_and_says_so() -> None:
    state = facts(
        state=S.LISTED,
        readiness_checked=True,
        candidacy=Candidacy.INDICATED,
        requirements_open=("Blood pressure: missing", "HbA1c: out of date"),
        requirements_total=9,
        gate_problems=("Blood pressure: missing",),
    )
    shown = timeline(state)
    readiness = next(s for s in shown.steps if s.title == "Pre-assessment and readiness")
    assert readiness.status is Status.BLOCKED
    assert readiness.summary == "7 of 9 requirements met."
    assert readiness.details == ("Blood pressure: missing", "HbA1c: out of date")
    assert readiness.task is Task.CLINIC
    assert shown.next_state is S.READY
    assert shown.blockers == readiness.details  # the gate's problem is not repeated
    assert by_title(state)["Assessment and decision"] is Status.DONE
    assert by_title(state)["Listed for surgery"] is Status.DONE


def test_cautions_waiting_for_a_surgeon_block_readiness_and_point_to_the_acknowledgement() -> None:
    state = facts(
        state=S.OPTIMISING,
        readiness_checked=True,
        candidacy=Candidacy.CAUTION,
        cautions_waiting=("A femoral head under 48 mm",),
        requirements_total=3,
    )
    readiness = timeline(state).steps[2]
    assert readiness.status is Status.BLOCKED
    assert readiness.task is Task.ACKNOWLEDGE
    assert readiness.details == ("Caution to acknowledge: A femoral head under 48 mm",)


def test_a_contraindicated_hip_is_blocked_at_the_decision_whatever_its_state() -> None:
    state = facts(state=S.LISTED, candidacy=Candidacy.CONTRAINDICATED)
    decision = timeline(state).steps[0]
    assert decision.status is Status.BLOCKED
    assert "Not suitable" in decision.summary


def test_a_ready_hip_without_consent_cannot_be_booked_yet() -> None:
    ready = {"readiness_checked": True, "candidacy": Candidacy.INDICATED}
    shown = timeline(facts(state=S.READY, **ready))
    steps = {s.title: s for s in shown.steps}
    assert steps["Pre-assessment and readiness"].status is Status.DONE
    assert steps["Booking"].status is Status.BLOCKED
    assert steps["Booking"].details == (NO_CONSENT,)
    assert steps["Consent"].status is Status.BLOCKED
    assert shown.next_state is S.SCHEDULED
    assert shown.blockers == (NO_CONSENT,)  # the "next" line says what stops the booking
    assert shown.current is not None
    assert shown.current.title == "Consent"


def test_a_consent_to_another_procedure_or_side_is_not_consent() -> None:
    state = facts(state=S.READY, readiness_checked=True, consent_on=TODAY, consent_matches=False)
    steps = {s.title: s for s in timeline(state).steps}
    assert steps["Consent"].status is Status.BLOCKED
    assert steps["Consent"].summary == "The consent recorded is not to this procedure on this side."
    assert steps["Booking"].status is Status.BLOCKED


def test_a_scheduled_hip_whose_consent_was_withdrawn_cannot_be_operated() -> None:
    state = facts(
        state=S.SCHEDULED,
        readiness_checked=True,
        consent_on=dt.date(2026, 11, 20),
        consent_withdrawn=True,
        booked_on=dt.date(2026, 12, 7),
    )
    shown = timeline(state)
    steps = {s.title: s for s in shown.steps}
    assert steps["Booking"].status is Status.DONE
    assert steps["Operation"].status is Status.BLOCKED
    assert NO_CONSENT in steps["Operation"].details
    assert shown.next_state is S.OPERATED
    assert NO_CONSENT in shown.blockers


def test_readiness_is_done_only_while_the_stored_gate_holds() -> None:
    held = facts(
        state=S.SCHEDULED,
        readiness_checked=True,
        consent_on=TODAY,
        gate_problems=("HbA1c: out of date by the operation day",),
    )
    steps = {s.title: s for s in timeline(held).steps}
    assert steps["Pre-assessment and readiness"].status is Status.BLOCKED
    assert steps["Operation"].status is Status.BLOCKED
    assert "HbA1c: out of date by the operation day" in steps["Operation"].details
    never = facts(state=S.SCHEDULED, consent_on=TODAY)
    steps = {s.title: s for s in timeline(never).steps}
    assert steps["Pre-assessment and readiness"].status is Status.BLOCKED
    assert "every requirement" not in steps["Pre-assessment and readiness"].summary
    operated = facts(state=S.OPERATED, gate_problems=("HbA1c: out of date",))
    steps = {s.title: s for s in timeline(operated).steps}
    assert steps["Pre-assessment and readiness"].status is Status.DONE


def test_a_ready_hip_with_consent_is_booked_next() -> None:
    state = facts(state=S.READY, readiness_checked=True, consent_on=dt.date(2026, 11, 20))
    booking = next(s for s in timeline(state).steps if s.title == "Booking")
    assert booking.status is Status.NOW
    assert booking.task is Task.BOOK
    consent = next(s for s in timeline(state).steps if s.title == "Consent")
    assert consent.summary == "Consent taken on 20 November 2026."


def test_a_withdrawn_consent_is_not_consent() -> None:
    state = facts(
        state=S.SCHEDULED,
        readiness_checked=True,
        consent_on=dt.date(2026, 11, 20),
        consent_withdrawn=True,
    )
    consent = next(s for s in timeline(state).steps if s.title == "Consent")
    assert consent.status is Status.BLOCKED
    assert "withdrew" in consent.summary


def test_a_written_note_waits_for_its_signature() -> None:
    state = facts(
        state=S.SCHEDULED,
        readiness_checked=True,
        consent_on=dt.date(2026, 11, 20),
        booked_on=dt.date(2026, 12, 7),
        booked_with="Ms Surgeon, Monday AM",
        note_written=True,
    )
    steps = {s.title: s for s in timeline(state).steps}
    assert steps["Booking"].status is Status.DONE
    assert steps["Booking"].summary == "Booked for 7 December 2026 (Ms Surgeon, Monday AM)."
    assert steps["Operation"].status is Status.NOW
    assert steps["Operation"].task_label == "Sign the operation note"


def test_recovery_with_overdue_appointments_is_blocked() -> None:
    state = facts(
        state=S.RECOVERING,
        signed_on=dt.date(2026, 11, 1),
        discharged_on=dt.date(2026, 11, 2),
        next_appointment=("Physiotherapy review", dt.date(2026, 12, 14)),
        overdue_appointments=2,
    )
    steps = {s.title: s for s in timeline(state).steps}
    assert steps["Discharge"].status is Status.DONE
    assert steps["Recovery plan"].status is Status.BLOCKED
    assert steps["Recovery plan"].summary == "Next: Physiotherapy review on 14 December 2026."
    assert steps["Operation"].status is Status.DONE


def test_follow_up_says_when_the_next_item_is_overdue() -> None:
    state = facts(state=S.FOLLOW_UP, follow_up_next=("One year", dt.date(2026, 11, 1)))
    follow = next(s for s in timeline(state).steps if s.title == "Follow-up")
    assert follow.status is Status.NOW
    assert follow.details == ("Overdue since 1 November 2026.",)


def test_surveillance_is_shown_only_for_a_hip_followed_for_life() -> None:
    assert "Metal-on-metal surveillance" not in by_title(facts(state=S.FOLLOW_UP))
    followed = facts(
        state=S.FOLLOW_UP,
        followed_for_life=True,
        surveillance_next=dt.date(2027, 1, 5),
        surveillance_flag="Cobalt 9.1 µg/L: above 7",
    )
    step = timeline(followed).steps[-1]
    assert step.title == "Metal-on-metal surveillance"
    assert step.status is Status.BLOCKED
    assert step.details == ("Cobalt 9.1 µg/L: above 7",)
    before = facts(state=S.LISTED, followed_for_life=True)
    assert timeline(before).steps[-1].status is Status.LATER


def test_a_withdrawn_hip_reaches_no_later_step_and_has_no_next_state() -> None:
    shown = timeline(facts(state=S.WITHDRAWN, candidacy=Candidacy.INDICATED))
    assert shown.next_state is None
    assert all(s.status in (Status.ENDED, Status.DONE) for s in shown.steps)
    assert shown.current is None


def test_a_converted_hip_was_operated_and_its_follow_up_ended() -> None:
    steps = {s.title: s.status for s in timeline(facts(state=S.CONVERTED)).steps}
    assert steps["Operation"] is Status.DONE
    assert steps["Follow-up"] is Status.ENDED


def test_every_status_has_words() -> None:
    assert {s.label for s in Status} == {"Done", "To do", "Blocked", "Later", "Not reached"}


def test_a_listed_hip_never_checked_for_readiness_is_blocked_not_clear() -> None:
    readiness = timeline(facts(state=S.LISTED)).steps[2]
    assert readiness.status is Status.BLOCKED
    assert readiness.details == (
        "The readiness check has not run: nothing is recorded for it yet.",
    )
