"""Coded allergies and medicines, and anticoagulation plans, through the clinic's services.

Free text never passes a coded rule: an allergy or a medicine that is not coded leaves the
rule that needs it unknown, and an anticoagulant holds readiness until a clinician records
a complete anticoagulation plan.
"""

import datetime as dt

import pytest

from coxa.assessment.domain.entries import Kind
from coxa.assessment.models import Allergy, Medication, MedicinePlan
from coxa.assessment.services import readiness
from coxa.assessment.tests.test_clinic import all_gates_passing, record, today
from coxa.core.audit import Via
from coxa.core.errors import Forbidden, InvalidInput

pytestmark = pytest.mark.django_db


def _codes(error: InvalidInput) -> dict[str, str]:
    return {p.field: p.code.value for p in error.problems}


def _rule(episode, rule_id):
    evaluation = readiness.evaluate_episode(episode)
    return next(f for f in evaluation.decision.findings if f.rule_id == rule_id)


def _allergy(episode, nurse, **data):
    return record(Kind.ALLERGY, episode, nurse, recorded_on=today(), **data)


def test_a_coded_nickel_allergy_rules_resurfacing_out(listed, nurse):
    all_gates_passing(listed, nurse)
    _allergy(listed, nurse, substance="Nickel", substance_code="33396006", reaction="rash")
    assert _rule(listed, "bhr.metal-sensitivity").outcome.value == "contraindicated"
    listed.refresh_from_db()
    assert listed.state != "ready"


@pytest.mark.parametrize("typed", ["Metal allergy (jewellery)", "Ni", "Co-Cr"])
def test_an_allergy_in_words_leaves_metal_sensitivity_unknown_never_met(listed, nurse, typed):
    all_gates_passing(listed, nurse)
    _allergy(listed, nurse, substance=typed)
    assert _rule(listed, "bhr.metal-sensitivity").outcome.value == "unknown"
    listed.refresh_from_db()
    assert listed.state != "ready"


def test_a_later_refuted_entry_replaces_the_allergy(listed, nurse):
    all_gates_passing(listed, nurse)
    _allergy(listed, nurse, substance="Nickel", substance_code="33396006")
    _allergy(listed, nurse, substance="Nickel", substance_code="33396006", status="refuted")
    assert _rule(listed, "bhr.metal-sensitivity").outcome.value == "met"


def test_an_unknown_substance_code_is_refused_and_nothing_saved(listed, nurse):
    with pytest.raises(InvalidInput) as refused:
        _allergy(listed, nurse, substance="Nickel", substance_code="419788000")
    assert _codes(refused.value) == {"substance_code": "unknown-code"}
    with pytest.raises(InvalidInput) as refused:
        _allergy(listed, nurse, substance="Nickel", status="maybe")
    assert _codes(refused.value) == {"status": "invalid-value"}
    assert not Allergy.objects.exists()


def _medicine(episode, nurse, name, drug_class, atc=None, **more):
    data = {"name": name, "class": drug_class, "recorded_on": today(), **more}
    if atc:
        data["atc"] = atc
    return record(Kind.MEDICATION, episode, nurse, **data)


@pytest.mark.parametrize(
    ("name", "drug_class", "atc", "outcome"),
    [
        ("Methotrexate", "immunosuppressant", "L04AX03", "contraindicated"),
        ("Adalimumab", "biologic", "L04AB04", "contraindicated"),
        ("Prednisolone", "corticosteroid", "H02AB06", "caution"),
        ("Apixaban", "doac", "B01AF02", "met"),
        ("unknown tablet", "other", None, "unknown"),
    ],
)
def test_immune_suppression_reads_codes(listed, nurse, name, drug_class, atc, outcome):
    all_gates_passing(listed, nurse)
    _medicine(listed, nurse, name, drug_class, atc)
    assert _rule(listed, "bhr.immune-suppression").outcome.value == outcome


def test_a_coded_medicine_given_another_class_is_refused(listed, nurse):
    with pytest.raises(InvalidInput) as refused:
        _medicine(listed, nurse, "Methotrexate", "other", "L04AX03")
    assert _codes(refused.value)["class"] == "class-mismatch"
    with pytest.raises(InvalidInput) as refused:
        _medicine(listed, nurse, "Adalimumab 40 mg", "other")  # on the list: choose it there
    assert _codes(refused.value) == {"atc": "choose-coded"}
    assert not Medication.objects.exists()


def _plan(episode, by, medicine, **data):
    return record(Kind.MEDICINE_PLAN, episode, by, medicine=medicine, decided_on=today(), **data)


def _stop(episode, name):
    return next(
        s
        for s in readiness.evaluate_episode(episode).panel.medication_stops
        if s.medication == name
    )


def test_warfarin_holds_readiness_until_a_complete_anticoagulation_plan(listed, nurse, surgeon):
    all_gates_passing(listed, nurse)
    _medicine(listed, nurse, "Warfarin", "vitamin-k-antagonist", "B01AA03")
    listed.refresh_from_db()
    assert listed.state != "ready"
    stop = _stop(listed, "Warfarin")
    assert (stop.needs_decision, stop.suggested_days_before) == (True, 5)

    with pytest.raises(InvalidInput) as refused:
        _plan(listed, surgeon, "Warfarin", action="stop", days_before=5, restart_days_after=1)
    assert _codes(refused.value) == {
        "anticoagulant_indication": "required",
        "bridging": "required",
        "inr_check_days_before": "required",
    }
    with pytest.raises(InvalidInput) as refused:
        _plan(
            listed,
            surgeon,
            "Warfarin",
            action="stop",
            days_before=3,
            restart_days_after=1,
            anticoagulant_indication="mechanical-heart-valve",
            bridging=True,
            inr_check_days_before=1,
        )
    assert _codes(refused.value) == {"bridging_note": "required", "note": "reason-required"}
    assert not MedicinePlan.objects.exists()

    _plan(
        listed,
        surgeon,
        "Warfarin",
        action="stop",
        days_before=5,
        restart_days_after=1,
        anticoagulant_indication="mechanical-heart-valve",
        bridging=True,
        bridging_note="Enoxaparin at treatment dose from 3 days before; last dose 24 h before",
        inr_check_days_before=1,
    )
    listed.refresh_from_db()
    assert listed.state == "ready"
    stop = _stop(listed, "Warfarin")
    assert stop.decided
    assert "mechanical heart valve" in stop.anticoagulation_summary


def test_the_letter_names_warfarins_last_dose_restart_and_inr_test(listed, nurse, surgeon, web_as):
    all_gates_passing(listed, nurse)
    _medicine(listed, nurse, "Warfarin", "vitamin-k-antagonist", "B01AA03")
    _plan(
        listed,
        surgeon,
        "Warfarin",
        action="stop",
        days_before=5,
        restart_days_after=1,
        anticoagulant_indication="atrial-fibrillation",
        bridging=False,
        inr_check_days_before=1,
    )
    operation = today() + dt.timedelta(days=40)
    readiness.plan_operation(episode=listed, operation_on=operation, by=nurse, via=Via.WEB)
    text = web_as(nurse).get(f"/staff/episodes/{listed.public_id}/letter/").content.decode()

    def day(delta):
        when = operation + dt.timedelta(days=delta)
        return f"{when:%A} {when.day} {when:%B %Y}"

    assert f"take your last dose on {day(-6)}" in text
    assert f"start it again on {day(1)}" in text
    assert f"blood test (INR) on {day(-1)}" in text
    assert "uses X-rays" not in text  # resurfacing, and a man
    assert "haematologist" not in text
    clinic = web_as(surgeon).get(f"/staff/episodes/{listed.public_id}/clinic/")
    assert "Taken for atrial fibrillation; no bridging." in clinic.content.decode()


def test_dabigatran_needs_kidney_function_and_the_longer_stop_when_it_is_poor(
    listed, nurse, surgeon
):
    all_gates_passing(listed, nurse)
    _medicine(listed, nurse, "Dabigatran", "doac", "B01AE07")
    base = {
        "action": "stop",
        "restart_days_after": 2,
        "anticoagulant_indication": "atrial-fibrillation",
        "bridging": False,
    }
    with pytest.raises(InvalidInput) as refused:
        _plan(listed, surgeon, "Dabigatran", days_before=2, **base)
    assert _codes(refused.value) == {"creatinine_clearance_ml_min": "required"}
    with pytest.raises(InvalidInput) as refused:
        _plan(listed, surgeon, "Dabigatran", days_before=2, creatinine_clearance_ml_min=40, **base)
    assert _codes(refused.value) == {"note": "reason-required"}
    _plan(listed, surgeon, "Dabigatran", days_before=4, creatinine_clearance_ml_min=40, **base)
    stop = _stop(listed, "Dabigatran")
    assert (stop.decided, stop.suggested_days_before) == (True, 4)


def test_anticoagulation_details_are_refused_for_another_medicine(listed, nurse, surgeon):
    _medicine(listed, nurse, "Aspirin", "antiplatelet", "B01AC06", indication="primary-prevention")
    with pytest.raises(InvalidInput) as refused:
        _plan(
            listed,
            surgeon,
            "Aspirin",
            action="continue",
            anticoagulant_indication="atrial-fibrillation",
            bridging=False,
        )
    assert _codes(refused.value) == {"anticoagulant_indication": "not-anticoagulant"}


def test_an_old_plan_without_the_anticoagulation_details_does_not_count(listed, nurse, surgeon):
    all_gates_passing(listed, nurse)
    _medicine(listed, nurse, "Apixaban", "doac", "B01AF02")
    MedicinePlan.objects.create(  # as stored before anticoagulation plans existed
        patient=listed.patient,
        episode=listed,
        recorded_by=surgeon,
        recorded_at=dt.datetime.now(dt.UTC),
        on=today(),
        medicine="Apixaban",
        action="stop",
        days_before=2,
        restart_days_after=2,
    )
    readiness.refresh(listed, by=surgeon, via=Via.WEB, move=True)
    stop = _stop(listed, "Apixaban")
    assert stop.needs_decision
    assert "indication" in stop.why_review


def test_sickle_cell_disease_holds_readiness_until_the_haematology_plan(listed, nurse, surgeon):
    all_gates_passing(listed, nurse)
    record(
        Kind.HISTORY,
        listed,
        nurse,
        diabetes=False,
        coronary_stent_or_recent_acs=False,
        metal_sensitivity=False,
        haemoglobinopathy="sickle-cell-disease",
        heart_valve="none",
        recorded_on=today(),
    )
    listed.refresh_from_db()
    assert listed.state == "optimising"
    assert _rule(listed, "readiness.haemoglobinopathy").outcome.value == "optimise"
    record(Kind.ACTION, listed, nurse, action="haematology-referral", taken_on=today())
    listed.refresh_from_db()
    assert _rule(listed, "readiness.haemoglobinopathy").outcome.value == "optimise"  # referred
    assert listed.state == "optimising"
    with pytest.raises(Forbidden):  # the plan received is a clinician's to record
        record(Kind.ACTION, listed, nurse, action="haematology-plan", taken_on=today())
    record(Kind.ACTION, listed, surgeon, action="haematology-plan", taken_on=today())
    listed.refresh_from_db()
    assert _rule(listed, "readiness.haemoglobinopathy").outcome.value == "met"
    assert listed.state == "ready"


def test_the_letter_asks_about_pregnancy_before_x_rays_and_names_the_haematologist(
    ada, nurse, surgeon, web_as
):
    from coxa.pathways import services as pathways

    episode = pathways.open_episode(
        patient=ada, side="right", procedure="core-decompression", by=nurse, via=Via.WEB
    )
    for state in ("assessed", "listed"):
        pathways.move_episode(episode=episode, to=state, reason="", by=surgeon, via=Via.WEB)
    all_gates_passing(episode, nurse)
    episode.refresh_from_db()
    assert _rule(episode, "readiness.pregnancy").outcome.value == "met"  # asked: not pregnant
    record(
        Kind.HISTORY,
        episode,
        nurse,
        diabetes=False,
        coronary_stent_or_recent_acs=False,
        metal_sensitivity=False,
        haemoglobinopathy="sickle-cell-disease",
        heart_valve="none",
        pregnancy="possibly-pregnant",
        recorded_on=today(),
    )
    assert _rule(episode, "readiness.pregnancy").outcome.value == "optimise"
    text = web_as(nurse).get(f"/staff/episodes/{episode.public_id}/letter/").content.decode()
    assert "This operation uses X-rays" in text
    assert "haematologist" in text


def test_an_early_restart_needs_the_reason(listed, nurse, surgeon):
    _medicine(listed, nurse, "Apixaban", "doac", "B01AF02")
    plan = {
        "action": "stop",
        "days_before": 2,
        "anticoagulant_indication": "atrial-fibrillation",
        "bridging": False,
        "creatinine_clearance_ml_min": 70,
    }
    with pytest.raises(InvalidInput) as refused:
        _plan(listed, surgeon, "Apixaban", restart_days_after=1, **plan)
    assert _codes(refused.value) == {"note": "reason-required"}
    assert "usual restart is 2 to 3 days" in refused.value.problems[0].message
    _plan(listed, surgeon, "Apixaban", restart_days_after=1, note="Low bleeding risk seen.", **plan)


def test_an_allergy_named_as_one_substance_and_coded_as_another_is_refused(listed, nurse):
    with pytest.raises(InvalidInput) as refused:
        _allergy(listed, nurse, substance="Nickel", substance_code="764146007")  # penicillin
    assert _codes(refused.value) == {"substance_code": "name-mismatch"}
    _allergy(listed, nurse, substance="Nickel (earrings)", substance_code="33396006")
    assert Allergy.objects.count() == 1
