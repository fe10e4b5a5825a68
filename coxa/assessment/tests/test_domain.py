"""Pure pre-assessment rules: entries, facts for the decision, requirement statuses."""

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
from coxa.assessment.domain.facts import Held, ImagingFacts, Reading, document_for
from coxa.assessment.domain.requirements import assess, medication_stops
from coxa.catalogue.loader import get_catalogue

TODAY = dt.date(2026, 11, 22)


def observation(code, value, unit):
    return ObservationIn(code=code, value=value, unit=unit, observed_on=TODAY)


@pytest.mark.parametrize(
    ("code", "value", "unit", "expected"),
    [
        ("height", 1.8, "m", 180.0),
        ("height", 175, "cm", 175.0),
        ("weight", 176, "[lb_av]", 79.83),
        ("haemoglobin", 13.1, "g/dL", 131.0),
        ("hba1c", 7.0, "%", 53.0),
    ],
)
def test_measurements_are_normalised(code, value, unit, expected):
    normalised, _, problem = normalise_observation(observation(code, value, unit))
    assert problem is None
    assert normalised == pytest.approx(expected, abs=0.05)


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
    bad = ImagingIn(modality="mri", imaged_on=TODAY, avn_system="ficat-arlet", avn_stage="3b")
    assert [p.field for p in imaging_problems(bad)] == ["avn_stage"]
    half = ImagingIn(modality="mri", imaged_on=TODAY, avn_stage="II")
    assert [p.code for p in imaging_problems(half)] == ["incomplete-stage"]


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
        held(medication_review=TODAY, allergy_review=TODAY), valid_days=VALID, today=TODAY
    )
    assert reviewed["medications"] == []
    assert reviewed["allergies"] == []


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


def test_medication_stop_and_restart_dates():
    advice = {
        "antiplatelet": ("stop", 10, None, "Stop 10 days before.", ("bhr-page",)),
        "anticoagulant": ("review", None, None, "Plan with the team.", ("accp-2022",)),
    }
    stops = medication_stops(
        [("aspirin", "antiplatelet"), ("warfarin", "anticoagulant"), ("paracetamol", "other")],
        advice,
        dt.date(2027, 1, 20),
    )
    assert [(s.medication, s.stop_on, s.restart_on) for s in stops] == [
        ("aspirin", dt.date(2027, 1, 10), None),
        ("warfarin", None, None),
    ]
    assert medication_stops([("aspirin", "antiplatelet")], advice, None)[0].stop_on is None


def test_every_catalogue_requirement_is_understood():
    from coxa.assessment.domain.requirements import SATISFIED_BY

    for procedure in get_catalogue().procedures.values():
        assert {r.code for r in procedure.requirements} <= set(SATISFIED_BY), procedure.code
