"""Scheduling, the operation note, discharge, the plan and physiotherapy, through services."""

import datetime as dt

import pytest

from coxa.assessment.domain.entries import Kind
from coxa.assessment.services import entries
from coxa.core.audit import Via
from coxa.core.errors import Conflict, Forbidden, InvalidInput
from coxa.core.models import AuditEvent
from coxa.surgery import selectors
from coxa.surgery.domain.recovery import DischargeIn, PhysioReviewIn
from coxa.surgery.models import OperationNote, PlanChange
from coxa.surgery.services import addenda, notes, recovery
from coxa.surgery.services.schedule import schedule
from coxa.surgery.tests.conftest import LISTED_ON, OPERATED_ON, at, bhr_note, cd_note, ready
from tests.journeys import admit

pytestmark = pytest.mark.django_db


def fields(error):
    return {p.field for p in error.value.problems}


def test_scheduling_books_the_hip_and_re_dating_says_what_moved(bert, surgeon, nurse):
    episode = ready(bert, surgeon)
    with at(LISTED_ON + dt.timedelta(days=1)):
        first = schedule(
            episode=episode,
            operation_on=OPERATED_ON,
            surgeon=surgeon,
            theatre_list="Mon AM",
            by=nurse,
            via=Via.WEB,
        )
        assert first.episode.state == "scheduled"
        assert first.booking.surgeon == surgeon
        with pytest.raises(InvalidInput) as refused:
            schedule(
                episode=first.episode,
                operation_on=OPERATED_ON + dt.timedelta(days=2),
                surgeon=surgeon,
                theatre_list="Mon AM",
                by=nurse,
                via=Via.WEB,
            )
        assert fields(refused) == {"reason"}
        again = schedule(
            episode=first.episode,
            operation_on=OPERATED_ON + dt.timedelta(days=2),
            surgeon=surgeon,
            theatre_list="Mon PM",
            by=nurse,
            via=Via.WEB,
            reason="list cancelled",
        )
    shifts = {(m.after - m.before).days for m in again.moved}
    assert shifts == {2}
    assert any(m.what.startswith("Walking with crutches") for m in again.moved)
    assert any("Physiotherapy review" in m.what for m in again.moved)
    # Day 12 was Saturday 14 February, so the wound check was on Monday 16th; two days later
    # it is day 12 itself, Monday 16th: it does not move (working days, H72).
    assert not any("Wound check" in m.what for m in again.moved)
    assert again.episode.operation_on == OPERATED_ON + dt.timedelta(days=2)


def test_scheduling_refuses_impossible_dates_and_people(bert, surgeon, nurse):
    episode = ready(bert, surgeon)
    with at(LISTED_ON + dt.timedelta(days=1)), pytest.raises(InvalidInput) as refused:
        schedule(
            episode=episode,
            operation_on=LISTED_ON - dt.timedelta(days=1),
            surgeon=nurse,
            theatre_list="",
            by=nurse,
            via=Via.WEB,
        )
    codes = {p.code for p in refused.value.problems}
    assert {"date-in-past", "before-listing", "not-a-surgeon"} <= codes


def test_a_signed_note_is_immutable_makes_the_plan_and_takes_addenda(scheduled_bhr, surgeon):
    with at(OPERATED_ON, 11):
        notes.write_note(
            episode=scheduled_bhr, note=bhr_note(), surgeon=surgeon, by=surgeon, via=Via.WEB
        )
        notes.write_note(
            episode=scheduled_bhr,
            note=bhr_note(findings="Rewritten draft"),
            surgeon=surgeon,
            by=surgeon,
            via=Via.WEB,
        )
        signed = sign(scheduled_bhr, surgeon)
    assert signed.findings == "Rewritten draft"
    assert [i.lot for i in signed.implants.all()] == ["F1", "A1"]
    scheduled_bhr.refresh_from_db()
    assert scheduled_bhr.state == "operated"
    plan, final = selectors.plan_of(scheduled_bhr)
    assert final
    assert plan.phases[1].ends_on == OPERATED_ON + dt.timedelta(days=42)
    with at(OPERATED_ON, 12):
        with pytest.raises(Conflict):
            notes.write_note(
                episode=scheduled_bhr, note=bhr_note(), surgeon=surgeon, by=surgeon, via=Via.WEB
            )
        signed.findings = "changed"
        with pytest.raises(Conflict):
            signed.save()
        addenda.add_addendum(
            episode=scheduled_bhr, text="Lot corrected: A2", by=surgeon, via=Via.WEB
        )
    stored = OperationNote.objects.get(pk=signed.pk)
    assert stored.findings == "Rewritten draft"
    assert stored.addenda.get().text == "Lot corrected: A2"
    assert AuditEvent.objects.filter(action="operation-note.sign").count() == 1


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"side": "right"}, "side"),
        ({"procedure": "core-decompression"}, "procedure"),
        ({"operated_on": LISTED_ON - dt.timedelta(days=1)}, "operated_on"),
        ({"ended_at": "09:00"}, "ended_at"),
        ({"approach": "anterior"}, "approach_reason"),
    ],
)
def test_impossible_notes_are_refused_naming_the_field(scheduled_bhr, surgeon, overrides, field):
    with at(OPERATED_ON, 11), pytest.raises(InvalidInput) as refused:
        notes.write_note(
            episode=scheduled_bhr,
            note=bhr_note(**overrides),
            surgeon=surgeon,
            by=surgeon,
            via=Via.WEB,
        )
    assert field in fields(refused)
    assert not OperationNote.objects.exists()


def implants(femoral, acetabular=56, reason=""):
    return [
        {
            "component": "femoral",
            "manufacturer": "S&N",
            "size_mm": femoral,
            "lot": "F",
            "size_reason_code": reason,
        },
        {"component": "acetabular", "manufacturer": "S&N", "size_mm": acetabular, "lot": "A"},
    ]


def sign(episode, by, **choices):
    """Sign the stored draft, naming it as a page or client that showed it would."""
    note = OperationNote.objects.get(episode=episode)
    admit(episode, by, note.operated_on)  # the VTE reassessment on admission
    draft = note.draft_hash
    return notes.sign_note(episode=episode, by=by, via=Via.WEB, draft=draft, **choices)


@pytest.mark.parametrize(
    ("femoral", "acetabular", "reason", "field"),
    [
        (36, 56, "", "implants.0.size_mm"),  # below the stocked range
        (60, 56, "", "implants.0.size_mm"),
        (50, 68, "", "implants.1.size_mm"),
        (46, 52, "", "implants.0.size_mm"),  # heads of 46 mm or smaller are not stocked
        (48, 54, "", "implants.0.size_reason_code"),  # 48 not downsized from a templated 50
        (48, 54, ".", "implants.0.size_reason_code"),  # free text is not a reason code
        (50, 66, "", "implants.1.size_mm"),  # a cup the sizing chart does not pair with 50
        (51, 57, "", "implants.0.size_mm"),  # a head the sizing chart does not have
    ],
)
def test_head_sizes_are_checked_against_range_and_restrictions(
    scheduled_bhr, surgeon, femoral, acetabular, reason, field
):
    with at(OPERATED_ON, 11), pytest.raises(InvalidInput) as refused:
        notes.write_note(
            episode=scheduled_bhr,
            note=bhr_note(implants=implants(femoral, acetabular, reason)),
            surgeon=surgeon,
            by=surgeon,
            via=Via.WEB,
        )
    assert field in fields(refused)


def test_a_48_mm_head_is_free_only_downsized_from_a_templated_50(bert, surgeon, nurse):
    # MHRA MDA/2015/024: 48 mm only when downsizing from a templated 50 mm to a measured 48.
    from tests.journeys import list_episode, pre_assessment, take_consent

    with at(LISTED_ON):
        episode = list_episode(bert, surgeon)
        rows = pre_assessment(episode, LISTED_ON)
        rows[-1][1]["templated_head_size_mm"] = 50
        entries.record_entries(
            episode=episode,
            entries=[(Kind(k), v) for k, v in rows],
            by=nurse,
            via=Via.WEB,
        )
    with at(LISTED_ON + dt.timedelta(days=1)):
        take_consent(episode, surgeon)
        schedule(
            episode=episode,
            operation_on=OPERATED_ON,
            surgeon=surgeon,
            theatre_list="",
            by=nurse,
            via=Via.WEB,
        )
    with at(OPERATED_ON, 11):
        note = notes.write_note(
            episode=episode,
            note=bhr_note(implants=implants(48, 54)),
            surgeon=surgeon,
            by=surgeon,
            via=Via.WEB,
        )
    assert note.implants.get(component="femoral").size_mm == 48


def test_a_restricted_head_is_drafted_with_a_coded_reason(scheduled_bhr, surgeon):
    with at(OPERATED_ON, 11):
        note = notes.write_note(
            episode=scheduled_bhr,
            note=bhr_note(implants=implants(48, 54, reason="agreed-at-mdt")),
            surgeon=surgeon,
            by=surgeon,
            via=Via.WEB,
        )
    assert note.implants.get(component="femoral").size_reason_code == "agreed-at-mdt"


def test_core_decompression_needs_drill_passes_and_the_graft(bert, surgeon):
    episode = ready(bert, surgeon, side="right", procedure="core-decompression")
    with at(LISTED_ON + dt.timedelta(days=1)):
        schedule(
            episode=episode,
            operation_on=OPERATED_ON,
            surgeon=surgeon,
            theatre_list="",
            by=surgeon,
            via=Via.WEB,
        )
    with at(OPERATED_ON, 15):
        for overrides, field in (
            ({"drill_passes": -1}, "drill_passes"),
            ({"drill_passes": None}, "drill_passes"),
            ({"graft_product": ""}, "graft_product"),
            ({"graft_used": False}, "graft_product"),
        ):
            with pytest.raises(InvalidInput) as refused:
                notes.write_note(
                    episode=episode,
                    note=cd_note(**overrides),
                    surgeon=surgeon,
                    by=surgeon,
                    via=Via.WEB,
                )
            assert field in fields(refused)
        notes.write_note(episode=episode, note=cd_note(), surgeon=surgeon, by=surgeon, via=Via.WEB)
        for days, reason, field in (
            (None, "", "offload_days"),  # a required choice: no silent shortest period
            (20, "", "offload_days"),  # shorter than the protocol's range
            (60, "", "offload_reason"),  # longer only with a reason
            (60, ".", "offload_reason"),
        ):
            with pytest.raises(InvalidInput) as refused:
                sign(episode, surgeon, offload_days=days, offload_reason=reason)
            assert fields(refused) == {field}
        sign(episode, surgeon, offload_days=42)
    plan, _ = selectors.plan_of(episode)
    assert plan.phases[0].ends_on == OPERATED_ON + dt.timedelta(days=42)


def signed(episode, surgeon):
    with at(OPERATED_ON, 11):
        notes.write_note(episode=episode, note=bhr_note(), surgeon=surgeon, by=surgeon, via=Via.WEB)
        sign(episode, surgeon)


def discharge_entry(**overrides):
    values = {
        "out_of_bed_at": "2026-02-02T16:00:00+00:00",
        "discharged_on": "2026-02-03",
        "destination": "home",
        "destination_reason": "Pain controlled; lives with partner",
        "criteria": {"pain-controlled": True, "coping-at-home": True},
    }
    return DischargeIn.model_validate(values | overrides)


def test_discharge_follows_a_signed_operation_and_checks_its_record(scheduled_bhr, surgeon, nurse):
    with at(OPERATED_ON + dt.timedelta(days=1), 12), pytest.raises(Conflict):
        recovery.record_discharge(
            episode=scheduled_bhr, entry=discharge_entry(), by=nurse, via=Via.WEB
        )
    signed(scheduled_bhr, surgeon)
    with at(OPERATED_ON + dt.timedelta(days=1), 12):
        for overrides, field in (
            ({"out_of_bed_at": "2026-02-02T08:00:00+00:00"}, "out_of_bed_at"),
            ({"discharged_on": "2026-02-01"}, "discharged_on"),
            ({"criteria": {"pain-controlled": True}}, "criteria"),
        ):
            with pytest.raises(InvalidInput) as refused:
                recovery.record_discharge(
                    episode=scheduled_bhr, entry=discharge_entry(**overrides), by=nurse, via=Via.WEB
                )
            assert field in fields(refused)
        discharge = recovery.record_discharge(
            episode=scheduled_bhr, entry=discharge_entry(), by=nurse, via=Via.WEB
        )
    assert not discharge.same_day
    scheduled_bhr.refresh_from_db()
    assert scheduled_bhr.state == "recovering"


def test_adjusting_the_plan_needs_a_reason_and_keeps_order(scheduled_bhr, surgeon, physio):
    signed(scheduled_bhr, surgeon)
    with at(OPERATED_ON + dt.timedelta(days=3)):
        with pytest.raises(InvalidInput) as refused:
            recovery.adjust_plan(
                episode=scheduled_bhr,
                phase_end_days={},
                appointment_days={"wound-check@12": 14},
                reason="",
                by=physio,
                via=Via.WEB,
            )
        assert fields(refused) == {"reason"}
        with pytest.raises(Forbidden):  # how long weight bearing is limited is the surgeon's
            recovery.adjust_plan(
                episode=scheduled_bhr,
                phase_end_days={"cane": 60},
                appointment_days={},
                reason="Slow to progress on crutches.",
                by=physio,
                via=Via.WEB,
            )
        with pytest.raises(InvalidInput) as refused:
            recovery.adjust_plan(
                episode=scheduled_bhr,
                phase_end_days={"cane": 10},
                appointment_days={},
                reason="Slow to progress on crutches.",
                by=surgeon,
                via=Via.WEB,
            )
        assert "phases.cane" in fields(refused)
        recovery.adjust_plan(
            episode=scheduled_bhr,
            phase_end_days={},
            appointment_days={"wound-check@12": 15},
            reason="clinic closed that day",
            by=physio,
            via=Via.WEB,
        )
    change = PlanChange.objects.get()
    # Day 12 is a Saturday, so the wound check was on Monday (day 14); day 15 is Tuesday.
    assert (change.before, change.after) == (
        OPERATED_ON + dt.timedelta(days=14),
        OPERATED_ON + dt.timedelta(days=15),
    )


def test_physiotherapy_reviews_move_on_one_phase_at_a_time(scheduled_bhr, surgeon, physio, nurse):
    signed(scheduled_bhr, surgeon)
    review = {
        "reviewed_on": "2026-02-16",
        "walking_aid": "crutches",
        "weight_bearing": "as-advised",
        "flexion_deg": 85,
        "pain": 3,
        "progress_to_next_phase": True,
    }
    with at(dt.date(2026, 2, 16), 14):
        with pytest.raises(Forbidden):
            recovery.record_review(
                episode=scheduled_bhr,
                entry=PhysioReviewIn.model_validate(review),
                by=nurse,
                via=Via.WEB,
            )
        first = recovery.record_review(
            episode=scheduled_bhr,
            entry=PhysioReviewIn.model_validate(review),
            by=physio,
            via=Via.WEB,
        )
        assert first.progressed_to == "cane"
        with pytest.raises(InvalidInput) as refused:
            recovery.record_review(
                episode=scheduled_bhr,
                entry=PhysioReviewIn.model_validate(review),
                by=physio,
                via=Via.WEB,
            )
        assert fields(refused) == {"progress_to_next_phase"}
        with pytest.raises(InvalidInput) as refused:
            recovery.record_review(
                episode=scheduled_bhr,
                entry=PhysioReviewIn.model_validate(
                    review | {"reviewed_on": "2026-02-01", "progress_to_next_phase": False}
                ),
                by=physio,
                via=Via.WEB,
            )
        assert fields(refused) == {"reviewed_on"}
    with pytest.raises(ValueError, match="less than or equal to 10"):
        PhysioReviewIn.model_validate(review | {"pain": 11})
