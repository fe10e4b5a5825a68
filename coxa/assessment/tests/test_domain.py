"""Pure pre-assessment rules: entries, facts for the decision, requirement statuses."""

import dataclasses
import datetime as dt

import pytest
from pydantic import ValidationError

from coxa.assessment.domain.entries import (
    ImagingIn,
    ObservationIn,
    SmokingIn,
    bmi_from,
    date_problems,
    imaging_problems,
    normalise_observation,
)
from coxa.assessment.domain.facts import Held, document_for
from coxa.assessment.domain.held import HeldHistory, ImagingFacts, Reading
from coxa.assessment.domain.requirements import assess
from coxa.catalogue.loader import get_catalogue

TODAY = dt.date(2026, 11, 22)


def observation(code, value, unit):
    return ObservationIn(code=code, value=value, unit=unit, observed_on=TODAY)


@pytest.mark.parametrize(
    ("code", "value", "unit", "field"),
    [
        ("haemoglobin", 300, "g/L", "value"),
        ("bmi", 9, "kg/m2", "value"),
        ("weight", 80, "stone", "unit"),
        ("height", 3, "m", "value"),
    ],
)
def test_implausible_values_and_unknown_units_are_refused(code, value, unit, field):
    _, _, problem = normalise_observation(observation(code, value, unit))
    assert problem.field == field


def test_an_observation_is_stored_in_coxas_unit():
    assert normalise_observation(observation("height", 1.8, "m")) == (180.0, "cm", None)


def test_bmi_from_height_and_weight():
    assert bmi_from(180, 81) == 25.0


def test_dates_in_the_future_or_before_birth_are_refused():
    entry = SmokingIn(status="former", quit_on=dt.date(1950, 1, 1), recorded_on=TODAY)
    problems = date_problems(entry, today=TODAY - dt.timedelta(days=1), born=dt.date(1970, 1, 1))
    assert {(p.field, p.code) for p in problems} == {
        ("recorded_on", "date-in-future"),
        ("quit_on", "before-birth"),
    }


def test_a_quit_date_is_for_former_smokers_only():
    with pytest.raises(ValidationError):
        SmokingIn(status="current", quit_on=TODAY, recorded_on=TODAY)


def test_imaging_stage_must_exist_in_its_system():
    bad = ImagingIn(
        modality="mri", side="left", imaged_on=TODAY, avn_system="ficat-arlet", avn_stage="3b"
    )
    assert [p.field for p in imaging_problems(bad, hip_side="left")] == ["avn_stage"]
    half = ImagingIn(modality="mri", side="left", imaged_on=TODAY, avn_stage="II")
    assert [p.code for p in imaging_problems(half, hip_side="left")] == ["incomplete-stage"]


@pytest.mark.parametrize(
    ("stage", "collapse", "conflict"),
    [("IIIB", False, True), ("II", True, True), ("IIIB", True, False), ("II", False, False)],
)
def test_a_stage_and_a_collapse_finding_that_disagree_are_refused(stage, collapse, conflict):
    entry = ImagingIn(
        modality="mri",
        side="right",
        imaged_on=TODAY,
        avn_system="arco-2019",
        avn_stage=stage,
        head_collapse=collapse,
    )
    codes = [p.code for p in imaging_problems(entry, hip_side="right")]
    assert ("stage-collapse-conflict" in codes) is conflict


def test_a_study_of_the_other_hip_is_refused_and_a_pelvis_is_not():
    for side, refused in (("left", True), ("right", False), ("both", False)):
        entry = ImagingIn(modality="x-ray", side=side, imaged_on=TODAY)
        assert bool(imaging_problems(entry, hip_side="right")) is refused
        if refused:
            assert imaging_problems(entry, hip_side="right")[0].field == "side"


VALID = {r.code: r.valid_days for r in get_catalogue().procedures["bhr"].requirements}


def held(**extra):
    return Held(sex="male", age_years=50, side="left", procedure="bhr", **extra)


def test_the_lowest_reading_of_the_latest_day_is_used_for_blood_pressure():
    # AAGBI/BHS 2016: proceed if the lowest systolic < 180 and lowest diastolic < 110.
    day, earlier = TODAY - dt.timedelta(days=1), TODAY - dt.timedelta(days=30)
    readings = [
        Reading("systolic_bp", 190, "mm[Hg]", day),
        Reading("systolic_bp", 176, "mm[Hg]", day),
        Reading("diastolic_bp", 112, "mm[Hg]", day),
        Reading("diastolic_bp", 104, "mm[Hg]", day),
        Reading("systolic_bp", 150, "mm[Hg]", earlier),
        Reading("diastolic_bp", 80, "mm[Hg]", earlier),
    ]
    document, dates = document_for(held(readings=readings), valid_days=VALID, today=TODAY)
    assert document["observations"]["systolic_bp"]["value"] == 176
    assert document["observations"]["diastolic_bp"]["value"] == 104
    assert dates["systolic_bp"] == day


def test_bmi_comes_from_the_latest_of_entered_and_computed():
    readings = [
        Reading("bmi", 41, "kg/m2", TODAY - dt.timedelta(days=20)),
        Reading("height", 180, "cm", TODAY),
        Reading("weight", 100, "kg", TODAY),
    ]
    document, _ = document_for(held(readings=readings), valid_days=VALID, today=TODAY)
    assert document["observations"]["bmi"]["value"] == 30.9


@pytest.mark.parametrize("typed", [38.0, 42.0])
def test_on_the_same_day_the_bmi_from_measured_height_and_weight_beats_a_typed_one(typed):
    readings = [
        Reading("bmi", typed, "kg/m2", TODAY),
        Reading("height", 170, "cm", TODAY),
        Reading("weight", 118, "kg", TODAY),  # 40.8: over the threshold whatever was typed
    ]
    document, _ = document_for(held(readings=readings), valid_days=VALID, today=TODAY)
    assert document["observations"]["bmi"]["value"] == 40.8


def test_a_bmi_typed_on_a_later_day_beats_one_computed_from_older_measurements():
    earlier = TODAY - dt.timedelta(days=3)
    readings = [
        Reading("bmi", 41.0, "kg/m2", TODAY),
        Reading("height", 180, "cm", earlier),
        Reading("weight", 100, "kg", earlier),
    ]
    document, _ = document_for(held(readings=readings), valid_days=VALID, today=TODAY)
    assert document["observations"]["bmi"]["value"] == 41.0


def test_expired_values_are_unknown_not_normal():
    old = TODAY - dt.timedelta(days=VALID["blood-tests"] + 1)
    document, dates = document_for(
        held(readings=[Reading("haemoglobin", 150, "g/L", old)]), valid_days=VALID, today=TODAY
    )
    assert "haemoglobin" not in document["observations"]
    assert dates["haemoglobin"] == old


def test_imaging_feeds_the_hip_and_lists_stay_unknown_until_reviewed():
    imaging = [
        ImagingFacts(
            "x-ray",
            TODAY,
            diagnosis="osteoarthritis",
            templated_head_size_mm=52,
            acetabular_bone_stock="adequate",
        )
    ]
    document, _ = document_for(held(imaging=imaging), valid_days=VALID, today=TODAY)
    assert document["hip"]["templated_head_size_mm"] == 52
    assert "medications" not in document
    assert "allergies" not in document
    reviewed, _ = document_for(
        held(medication_reviews=[TODAY], allergy_reviews=[TODAY]), valid_days=VALID, today=TODAY
    )
    assert reviewed["medications"] == []
    assert reviewed["allergies"] == []


CD_VALID = {
    r.code: r.valid_days for r in get_catalogue().procedures["core-decompression"].requirements
}


def _cd(**extra):
    return Held(sex="female", age_years=40, side="right", procedure="core-decompression", **extra)


def test_core_decompression_imaging_expires_with_its_mri_requirement():
    # Issue 10: imaging for core decompression never expired (no hip-imaging requirement).
    mri_days = CD_VALID["hip-mri"]
    study = ImagingFacts(
        "mri",
        TODAY - dt.timedelta(days=mri_days + 1),
        side="right",
        diagnosis="avascular-necrosis",
        avn_system="arco-2019",
        avn_stage="II",
        head_collapse=False,
    )
    document, _ = document_for(_cd(imaging=[study]), valid_days=CD_VALID, today=TODAY)
    assert "avn_staging" not in document["hip"]
    assert "head_collapse" not in document["hip"]
    fresh = dataclasses.replace(study, on=TODAY - dt.timedelta(days=mri_days))
    document, _ = document_for(_cd(imaging=[fresh]), valid_days=CD_VALID, today=TODAY)
    assert document["hip"]["avn_staging"] == {"system": "arco-2019", "stage": "II"}


def test_stage_and_collapse_come_from_one_study():
    # The newer study records collapse only; the older one a pre-collapse stage. Mixing them
    # would pair "ARCO II" with "collapse" (or a stage with another study's "no collapse").
    newer = ImagingFacts("mri", TODAY, side="right", head_collapse=True)
    older = ImagingFacts(
        "mri",
        TODAY - dt.timedelta(days=20),
        side="right",
        avn_system="arco-2019",
        avn_stage="II",
        head_collapse=False,
    )
    document, _ = document_for(_cd(imaging=[older, newer]), valid_days=CD_VALID, today=TODAY)
    assert document["hip"]["head_collapse"] is True
    assert "avn_staging" not in document["hip"]


def test_a_study_of_the_other_hip_is_never_used():
    other = ImagingFacts(
        "mri", TODAY, side="left", head_collapse=False, avn_system="arco-2019", avn_stage="II"
    )
    document, dates = document_for(_cd(imaging=[other]), valid_days=CD_VALID, today=TODAY)
    assert "avn_staging" not in document["hip"]
    assert dates["imaging-mri"] is None


def test_a_fact_without_a_validity_in_the_procedure_is_never_fresh():
    held_cd = _cd(readings=[Reading("haemoglobin", 140, "g/L", TODAY)])
    document, _ = document_for(held_cd, valid_days={}, today=TODAY)
    assert "haemoglobin" not in document["observations"]


def test_judging_a_past_day_leaves_out_what_was_recorded_later():
    day = TODAY - dt.timedelta(days=10)
    held_bhr = held(
        readings=[
            Reading("haemoglobin", 140, "g/L", day - dt.timedelta(days=5)),
            Reading("haemoglobin", 100, "g/L", TODAY),
        ],
        medication_reviews=[day - dt.timedelta(days=3), TODAY],
    )
    document, dates = document_for(held_bhr, valid_days=VALID, today=day)
    assert document["observations"]["haemoglobin"]["value"] == 140
    assert dates["medications"] == day - dt.timedelta(days=3)


def test_the_age_is_the_age_on_the_day_judged():
    held_bhr = held(born=dt.date(1961, 12, 10))
    before, _ = document_for(held_bhr, valid_days=VALID, today=dt.date(2026, 12, 9))
    after, _ = document_for(held_bhr, valid_days=VALID, today=dt.date(2026, 12, 10))
    assert (before["patient"]["age_years"], after["patient"]["age_years"]) == (64, 65)


REQUIREMENT = next(r for r in get_catalogue().procedures["bhr"].requirements if r.code == "bmi")


@pytest.mark.parametrize(
    ("recorded", "abnormal", "status"),
    [
        (None, {}, "missing"),
        (TODAY - dt.timedelta(days=91), {}, "expired"),
        (TODAY - dt.timedelta(days=90), {}, "met"),
        (TODAY, {"readiness.bmi": "Refer for weight management."}, "abnormal"),
    ],
)
def test_requirement_statuses(recorded, abnormal, status):
    result = assess(
        REQUIREMENT, dates={"bmi": recorded}, abnormal=abnormal, actions={}, today=TODAY
    )
    assert result.status == status


def test_an_abnormal_result_counts_as_actioned_once_its_action_is_recorded():
    result = assess(
        REQUIREMENT,
        dates={"bmi": TODAY - dt.timedelta(days=5)},
        abnormal={"readiness.bmi": "Refer"},
        actions={"weight-management": TODAY},
        today=TODAY,
    )
    assert (result.status, result.actioned_on, result.needs_action) == ("abnormal", TODAY, False)
    stale = assess(
        REQUIREMENT,
        dates={"bmi": TODAY},
        abnormal={"readiness.bmi": "Refer"},
        actions={"weight-management": TODAY - dt.timedelta(days=30)},
        today=TODAY,
    )
    assert stale.needs_action


def test_every_catalogue_requirement_is_understood():
    from coxa.assessment.domain.requirements import SATISFIED_BY

    for procedure in get_catalogue().procedures.values():
        assert {r.code for r in procedure.requirements} <= set(SATISFIED_BY), procedure.code


def test_a_medicine_plan_stands_only_on_the_facts_it_was_decided_on():
    from coxa.assessment.domain.held import HeldMedicine, HeldPlan

    day = TODAY - dt.timedelta(days=5)
    stented = HeldHistory(False, True, False, day)
    aspirin = HeldMedicine("Aspirin", "antiplatelet", True, day, "B01AC06", "primary-prevention")
    plan = ("aspirin", HeldPlan("stop", 7, 1, day))
    base = held(
        medications=[aspirin], medicine_plans=[plan], history=[stented], medication_reviews=[day]
    )
    document, _ = document_for(base, valid_days=VALID, today=TODAY)
    assert document["medications"][0]["plan"]["action"] == "stop"
    # The same facts asked again keep the plan...
    again = dataclasses.replace(aspirin, on=TODAY)
    same = dataclasses.replace(base, medications=[aspirin, again])
    assert document_for(same, valid_days=VALID, today=TODAY)[0]["medications"][0].get("plan")
    # ...a new reason for taking it (a stent now) needs a new decision.
    changed = dataclasses.replace(again, indication="coronary-stent")
    moved = dataclasses.replace(base, medications=[aspirin, changed])
    assert "plan" not in document_for(moved, valid_days=VALID, today=TODAY)[0]["medications"][0]


def test_a_history_older_than_the_medicine_review_is_unknown():
    old = TODAY - dt.timedelta(days=VALID["medication-review"] + 1)
    document, dates = document_for(
        held(history=[HeldHistory(False, False, False, old)]), valid_days=VALID, today=TODAY
    )
    assert "coronary_stent_or_recent_acs" not in document["patient"]
    assert dates["history"] == old


def test_an_earlier_study_showing_collapse_is_not_hidden_by_a_newer_one():
    older = ImagingFacts("x-ray", TODAY - dt.timedelta(days=30), side="right", head_collapse=True)
    newer = ImagingFacts(
        "mri", TODAY, side="right", avn_system="arco-2019", avn_stage="II", head_collapse=False
    )
    document, _ = document_for(_cd(imaging=[older, newer]), valid_days=CD_VALID, today=TODAY)
    assert document["hip"]["collapse_on_earlier_imaging"] is True


def test_ultrasound_decides_no_hip_fact_and_the_lesion_size_comes_from_mri():
    scan = ImagingFacts("ultrasound", TODAY, side="right", diagnosis="avascular-necrosis")
    xray = ImagingFacts("x-ray", TODAY, side="right", kerboul_angle_deg=150)
    document, dates = document_for(_cd(imaging=[scan, xray]), valid_days=CD_VALID, today=TODAY)
    assert "diagnosis" not in document["hip"]
    assert "kerboul_angle_deg" not in document["hip"]
    assert dates["imaging"] == TODAY  # the X-ray, not the ultrasound
