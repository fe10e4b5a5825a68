"""The surveillance services end to end: enrolment, results, imaging, reviews, the programme."""

import datetime as dt

import pytest

from coxa.core.audit import Via
from coxa.core.errors import Conflict, InvalidInput
from coxa.surveillance.domain.inputs import ImagingIn, MetalIonsIn, ReviewIn
from coxa.surveillance.models import Enrolment
from coxa.surveillance.services import enrolment as enrol
from coxa.surveillance.services import programme, records, reviews
from tests.journeys import at_time, walk_to

pytestmark = pytest.mark.django_db
OPERATED = dt.date(2025, 3, 3)


@pytest.fixture
def hip(surgeon, bert):
    return walk_to(
        "operated",
        patient=bert,
        by=surgeon,
        listed_on=OPERATED - dt.timedelta(days=21),
        operated_on=OPERATED,
    )


def ions(day, co, cr, unit="ug/L", matrix="whole-blood"):
    return MetalIonsIn.model_validate(
        {
            "sampled_on": day,
            "matrix": matrix,
            "laboratory": "Lab",
            "cobalt": {"value": co, "unit": unit},
            "chromium": {"value": cr, "unit": unit},
        }
    )


def test_signing_a_resurfacing_enrols_at_the_sweep_with_the_first_check_a_year_on(hip):
    assert enrol.signed_not_enrolled().filter(episode=hip).exists()
    with at_time(OPERATED + dt.timedelta(days=2)):
        run = programme.refresh_all()
    assert run.enrolled == 1
    e = Enrolment.objects.get(episode=hip)
    assert e.next_due_on == OPERATED + dt.timedelta(days=365)
    assert (e.rule_code, e.rule_checked, e.needs_bloods) == ("conservative-yearly", False, True)
    assert e.head_mm == 50


def test_a_result_above_7_asks_for_a_repeat_and_imaging(hip, surgeon):
    day = OPERATED + dt.timedelta(days=360)
    with at_time(day):
        result = records.record_metal_ions(
            episode=hip, entry=ions(day, 8.1, 2.0), by=surgeon, via=Via.API
        )
    codes = [f["code"] for f in result.flags]
    assert codes == ["above-concern", "repeat-bloods", "imaging-recommended"]
    e = Enrolment.objects.get(episode=hip)
    assert e.repeat_due_on == day + dt.timedelta(days=90)
    assert e.flagged_on == day
    with at_time(day):
        review = reviews.record_review(
            episode=hip,
            entry=ReviewIn.model_validate(
                {
                    "reviewed_on": day,
                    "symptoms": dict.fromkeys(
                        ("pain", "swelling", "clicking", "new-limp", "systemic"), "no"
                    ),
                }
            ),
            by=surgeon,
            via=Via.WEB,
        )
    assert review.recommendation == "image"
    assert {r["action"] for r in review.advice["reasons"]} >= {"image", "repeat-bloods"}
    e.refresh_from_db()
    assert e.next_kind == "imaging"


def test_nmol_converted_and_serum_never_compared(hip, surgeon):
    day = OPERATED + dt.timedelta(days=100)
    with at_time(day):
        r = records.record_metal_ions(
            episode=hip, entry=ions(day, 119, 134.6, unit="nmol/L"), by=surgeon, via=Via.API
        )
        assert r.cobalt_ug_per_l == pytest.approx(7.013, abs=0.001)
        s = records.record_metal_ions(
            episode=hip, entry=ions(day, 30, 30, matrix="serum"), by=surgeon, via=Via.API
        )
    assert [f["code"] for f in s.flags] == ["not-whole-blood"]


def test_bad_results_are_refused_on_their_fields(hip, surgeon):
    day = OPERATED + dt.timedelta(days=100)
    with at_time(day), pytest.raises(InvalidInput) as refused:
        records.record_metal_ions(
            episode=hip, entry=ions(day, -1, 2, unit="mg/L"), by=surgeon, via=Via.API
        )
    fields = {p.field for p in refused.value.problems}
    assert fields == {"cobalt.unit", "chromium.unit"}


def enrolled(hip):
    with at_time(OPERATED + dt.timedelta(days=2)):
        programme.refresh_all()
    return Enrolment.objects.get(episode=hip)


def test_a_revision_ends_surveillance_at_once_and_the_sweep_stores_it(hip, surgeon):
    from coxa.core.pagination import PageRequest
    from coxa.outcomes.services.endpoints import record_conversion
    from coxa.surveillance import worklist as lists

    enrolled(hip)
    day = OPERATED + dt.timedelta(days=700)
    with at_time(day):
        record_conversion(
            episode=hip,
            on=day,
            reason="adverse-reaction-to-metal-debris",
            procedure="total-hip-replacement",
            by=surgeon,
            via=Via.WEB,
        )
        # Off the list before any sweep: the list reads the episode's state.
        rows = lists.list_surveillance_worklist(
            actor=surgeon, query=lists.SurveillanceQuery(), page=PageRequest(1, 25), via=Via.WEB
        ).rows
        assert rows == []
        programme.refresh_all()
        with pytest.raises(Conflict) as refused:
            records.record_metal_ions(episode=hip, entry=ions(day, 1, 1), by=surgeon, via=Via.API)
    e = Enrolment.objects.get(episode=hip)
    assert (e.status, e.ended_reason, e.ended_on, e.next_due_on) == ("ended", "revised", day, None)
    assert refused.value.code.value == "surveillance-ended"
    from coxa.surveillance.selectors import surveillance_of

    shown = surveillance_of(hip)
    assert "MDA/2017/018" in shown.ended_words
    assert shown.new_episode is not None


def test_a_death_ends_surveillance(hip, surgeon):
    from coxa.outcomes.services.endpoints import record_death

    enrolled(hip)
    day = OPERATED + dt.timedelta(days=900)
    with at_time(day):
        record_death(patient=hip.patient, on=day, related_to_hip="no", by=surgeon, via=Via.WEB)
        programme.refresh_all()
    e = Enrolment.objects.get(episode=hip)
    assert (e.status, e.ended_reason) == ("ended", "died")


def test_a_repeat_answers_the_awaited_repeat_and_a_second_high_result_asks_for_imaging(
    hip, surgeon
):
    enrolled(hip)
    first = OPERATED + dt.timedelta(days=365)
    with at_time(first):
        records.record_metal_ions(episode=hip, entry=ions(first, 8.0, 1.0), by=surgeon, via=Via.API)
    assert Enrolment.objects.get(episode=hip).repeat_due_on == first + dt.timedelta(days=90)
    second = first + dt.timedelta(days=92)
    with at_time(second):
        again = records.record_metal_ions(
            episode=hip, entry=ions(second, 9.5, 1.0), by=surgeon, via=Via.API
        )
    assert [f["code"] for f in again.flags] == ["above-concern", "rising", "imaging-recommended"]
    e = Enrolment.objects.get(episode=hip)
    assert e.repeat_due_on is None
    assert e.flagged_on == first


def test_a_result_struck_out_counts_nowhere(hip, surgeon):
    enrolled(hip)
    day = OPERATED + dt.timedelta(days=300)
    with at_time(day):
        wrong = records.record_metal_ions(
            episode=hip, entry=ions(day, 80, 1.0), by=surgeon, via=Via.API
        )
        assert Enrolment.objects.get(episode=hip).flagged_on == day
        records.strike_out(
            kind="result",
            record_id=wrong.public_id,
            episode=hip,
            reason="another patient's result",
            by=surgeon,
            via=Via.WEB,
        )
        with pytest.raises(Conflict):
            records.strike_out(
                kind="result",
                record_id=wrong.public_id,
                episode=hip,
                reason="struck out twice by mistake",
                by=surgeon,
                via=Via.WEB,
            )
    e = Enrolment.objects.get(episode=hip)
    assert (e.flagged_on, e.repeat_due_on, e.last_result_on) == (None, None, None)


def test_a_serum_tube_is_refused_as_whole_blood(hip, surgeon):
    day = OPERATED + dt.timedelta(days=100)
    entry = ions(day, 1, 1).model_copy(update={"tube": "serum"})
    with at_time(day), pytest.raises(InvalidInput) as refused:
        records.record_metal_ions(episode=hip, entry=entry, by=surgeon, via=Via.API)
    assert [p.field for p in refused.value.problems] == ["matrix"]
    assert not Enrolment.objects.filter(episode=hip).exists()  # nothing half-saved


def test_a_day_before_the_operation_or_in_the_future_is_refused(hip, surgeon):
    with at_time(OPERATED + dt.timedelta(days=10)):
        for day in (OPERATED - dt.timedelta(days=1), OPERATED + dt.timedelta(days=11)):
            with pytest.raises(InvalidInput) as refused:
                records.record_metal_ions(
                    episode=hip, entry=ions(day, 1, 1), by=surgeon, via=Via.API
                )
            assert refused.value.problems[0].field == "sampled_on"


def test_roles_without_the_capability_are_refused(hip, physio):
    from coxa.core.errors import Forbidden

    day = OPERATED + dt.timedelta(days=100)
    with at_time(day), pytest.raises(Forbidden):
        records.record_metal_ions(episode=hip, entry=ions(day, 1, 1), by=physio, via=Via.API)


def test_a_hip_operated_elsewhere_is_enrolled_by_hand_and_found_by_a_recall(bert, nurse, surgeon):
    from coxa.surveillance.domain.inputs import EnrolIn, RecallContactIn
    from coxa.surveillance.selectors import list_recall
    from coxa.surveillance.services.recall import record_recall_contact

    today = dt.date(2026, 6, 1)
    entry = EnrolIn.model_validate(
        {"side": "right", "implant": "resurfacing", "head_mm": 52, "operated_on": "2012-05-04",
         "operated_where": "St Elsewhere", "implants": [
             {"component": "femoral", "manufacturer": "S&N", "product": "BHR head", "lot": "L77"}
         ]}
    )  # fmt: skip
    with at_time(today):
        e = enrol.enrol_by_hand(patient=bert, entry=entry, by=nurse, via=Via.WEB)
        assert e.next_due_on == today  # long past its first year: checked on enrolment
        assert e.episode.state == "follow-up"
        assert e.episode.operation_on == dt.date(2012, 5, 4)
        with pytest.raises(Conflict):  # the hip now has an open episode
            enrol.enrol_by_hand(patient=bert, entry=entry, by=nurse, via=Via.WEB)
        found = list_recall(actor=surgeon, product="bhr head", lot="l77", via=Via.WEB)
        assert [(h.episode, h.source) for h in found] == [(e.episode, "recorded-elsewhere")]
        record_recall_contact(
            episode=e.episode,
            entry=RecallContactIn.model_validate(
                {
                    "product": "BHR head",
                    "lot": "L77",
                    "notice": "FSN-1",
                    "method": "phone",
                    "contacted_on": today,
                }
            ),
            by=nurse,
            via=Via.WEB,
        )
        again = list_recall(actor=surgeon, product="BHR head", lot="L77", via=Via.WEB)
        assert len(again[0].contacts) == 1
        with pytest.raises(InvalidInput):
            record_recall_contact(
                episode=e.episode,
                entry=RecallContactIn.model_validate(
                    {
                        "product": "Other",
                        "notice": "FSN-1",
                        "method": "phone",
                        "contacted_on": today,
                    }
                ),
                by=nurse,
                via=Via.WEB,
            )


def test_the_recall_finds_hips_from_their_signed_notes(hip, surgeon):
    from coxa.surgery.models import Implant
    from coxa.surveillance.selectors import list_recall

    implant = Implant.objects.filter(note__episode=hip, component="femoral").get()
    implant.product = "BHR femoral head"
    implant.save()
    found = list_recall(actor=surgeon, product="bhr femoral head", lot=implant.lot, via=Via.WEB)
    assert [(h.episode, h.source, h.matched_on) for h in found] == [
        (hip, "operation-note", "product")
    ]
    # A note that left the product blank is still reached through its lot, marked so.
    Implant.objects.filter(pk=implant.pk).update(product="")
    found = list_recall(actor=surgeon, product="BHR femoral head", lot=implant.lot, via=Via.WEB)
    assert [(h.episode, h.matched_on) for h in found] == [(hip, "lot")]
    assert list_recall(actor=surgeon, product="Something else", lot="", via=Via.WEB) == ()


def test_the_worklist_and_the_hip_read(hip, surgeon):
    from coxa.core.pagination import PageRequest
    from coxa.surveillance import selectors, worklist

    assert worklist.pending_enrolment(actor=surgeon) == 1
    day = OPERATED + dt.timedelta(days=340)
    with at_time(day):
        records.record_metal_ions(episode=hip, entry=ions(day, 9.0, 1.0), by=surgeon, via=Via.API)
        listed = worklist.list_surveillance_worklist(
            actor=surgeon, query=worklist.SurveillanceQuery(), page=PageRequest(1, 25), via=Via.WEB
        )
        assert [r.statuses for r in listed.rows] == [("flagged", "due", "repeat")]
        shown = selectors.access_surveillance(actor=surgeon, episode_id=hip.public_id, via=Via.WEB)
    assert shown.enrolment is not None
    assert not shown.chosen.checked
    assert shown.unchecked_words
    assert shown.advice_now is not None
    assert shown.advice_now.recommendation.value == "image"
    assert worklist.pending_enrolment(actor=surgeon) == 0


def test_a_serum_result_alone_asks_for_a_whole_blood_sample(hip, surgeon):
    enrolled(hip)
    day = OPERATED + dt.timedelta(days=300)
    with at_time(day):
        records.record_metal_ions(
            episode=hip, entry=ions(day, 3, 3, matrix="serum"), by=surgeon, via=Via.API
        )
        assert Enrolment.objects.get(episode=hip).repeat_due_on == day
        records.record_metal_ions(episode=hip, entry=ions(day, 1, 1), by=surgeon, via=Via.API)
    assert Enrolment.objects.get(episode=hip).repeat_due_on is None


def test_a_class_with_no_lesion_present_is_refused(hip, surgeon):
    day = OPERATED + dt.timedelta(days=300)
    entry = ImagingIn.model_validate(
        {
            "performed_on": day,
            "modality": "mars-mri",
            "fluid_collection": "absent",
            "classification_system": "hauptfleisch",
            "classification": "2",
        }
    )
    with at_time(day), pytest.raises(InvalidInput) as refused:
        records.record_imaging(episode=hip, entry=entry, by=surgeon, via=Via.WEB)
    assert [p.field for p in refused.value.problems] == ["classification"]


def test_a_reason_must_be_words_and_a_contact_day_must_be_possible(hip, surgeon):
    from coxa.surveillance.domain.inputs import RecallContactIn
    from coxa.surveillance.selectors import list_recall
    from coxa.surveillance.services.recall import record_recall_contact

    enrolled(hip)
    day = OPERATED + dt.timedelta(days=300)
    with at_time(day):
        result = records.record_metal_ions(
            episode=hip, entry=ions(day, 1, 1), by=surgeon, via=Via.API
        )
        with pytest.raises(InvalidInput) as refused:
            records.strike_out(
                kind="result", record_id=result.public_id, episode=hip, reason=".",
                by=surgeon, via=Via.WEB,
            )  # fmt: skip
        assert refused.value.code.value == "reason-required"
        implant = hip.operation_note.implants.first()
        for before in (OPERATED - dt.timedelta(days=1), dt.date(1900, 1, 1)):
            with pytest.raises(InvalidInput) as refused:
                record_recall_contact(
                    episode=hip,
                    entry=RecallContactIn.model_validate(
                        {
                            "product": "X",
                            "lot": implant.lot,
                            "notice": "FSN-2",
                            "method": "letter",
                            "contacted_on": before,
                        }
                    ),
                    by=surgeon,
                    via=Via.WEB,
                )
            assert refused.value.problems[0].field == "contacted_on"
        with pytest.raises(InvalidInput) as refused:
            list_recall(actor=surgeon, product="p" * 121, lot="", via=Via.API)
        assert refused.value.code.value == "too-long"


def test_a_review_missing_its_bloods_leaves_them_due_and_a_partly_read_scan_answers_nothing(
    hip, surgeon
):
    enrolled(hip)
    day = OPERATED + dt.timedelta(days=365)
    none = dict.fromkeys(("pain", "swelling", "clicking", "new-limp", "systemic"), "no")
    with at_time(day):
        review = reviews.record_review(
            episode=hip,
            entry=ReviewIn.model_validate({"reviewed_on": day, "symptoms": none}),
            by=surgeon,
            via=Via.WEB,
        )
        assert review.recommendation == "complete-check"
        e = Enrolment.objects.get(episode=hip)
        assert (e.next_kind, e.next_due_on) == ("repeat-bloods", day)
        records.record_metal_ions(episode=hip, entry=ions(day, 1, 1), by=surgeon, via=Via.API)
        e = Enrolment.objects.get(episode=hip)
        assert (e.next_kind, e.next_due_on) == ("review", day + dt.timedelta(days=365))
        # A scan that left the muscle unassessed does not answer imaging asked for.
        high = day + dt.timedelta(days=1)
    with at_time(high):
        records.record_metal_ions(episode=hip, entry=ions(high, 9, 1), by=surgeon, via=Via.API)
        reviews.record_review(
            episode=hip,
            entry=ReviewIn.model_validate({"reviewed_on": high, "symptoms": none}),
            by=surgeon,
            via=Via.WEB,
        )
        partial = ImagingIn.model_validate(
            {"performed_on": high, "modality": "ultrasound", "fluid_collection": "absent"}
        )
        records.record_imaging(episode=hip, entry=partial, by=surgeon, via=Via.WEB)
    assert Enrolment.objects.get(episode=hip).next_kind == "imaging"


def test_enrolling_by_hand_a_hip_already_under_surveillance_says_so(hip, surgeon):
    from coxa.surveillance.domain.inputs import EnrolIn

    enrolled(hip)
    entry = EnrolIn.model_validate({"side": hip.side, "implant": "resurfacing"})
    with at_time(OPERATED + dt.timedelta(days=30)), pytest.raises(Conflict) as refused:
        enrol.enrol_by_hand(patient=hip.patient, entry=entry, by=surgeon, via=Via.WEB)
    assert refused.value.code.value == "enrolled-already"
