"""Measurements: converted to the one unit Coxa stores, or refused with the field named."""

import pytest

from coxa.terminology.units import (
    MEASUREMENTS,
    OBSERVATION_CODES,
    UNITS,
    metal_in_ug_per_l,
    normalise,
)


@pytest.mark.parametrize(
    ("code", "value", "unit", "expected"),
    [
        ("height", 1.8, "m", 180.0),
        ("height", 175, "cm", 175.0),
        ("weight", 176, "[lb_av]", 79.83),
        ("haemoglobin", 14.2, "g/dL", 142.0),
        ("haemoglobin", 13.1, "g/dL", 131.0),
        ("haemoglobin", 142, "g/L", 142.0),
        ("hba1c", 8.5, "%", 69.4),  # (8.5 - 2.15) x 10.929 = 69.40
        ("hba1c", 6.5, "%", 47.54),
        ("hba1c", 7.0, "%", 53.0),
        ("hba1c", 53, "mmol/mol", 53.0),
        ("bmi", 40, "kg/m2", 40.0),
    ],
)
def test_units_are_converted(code, value, unit, expected):
    converted, problem = normalise(code, value, unit, f"observations.{code}")
    assert problem is None
    assert converted == pytest.approx(expected, abs=0.01)


def test_a_likely_unit_mix_up_is_refused_with_a_hint():
    _, problem = normalise("haemoglobin", 13, "g/L", "observations.haemoglobin")
    assert problem.code == "implausible-value"
    assert problem.field == "observations.haemoglobin.value"
    assert problem.message == (
        "haemoglobin: 13 g/L is outside the plausible range 30-250 g/L; did you mean g/dL?"
    )


def test_a_value_implausible_in_either_unit_gets_no_hint():
    _, problem = normalise("haemoglobin", 2, "g/L")
    assert "did you mean" not in problem.message
    _, problem = normalise("haemoglobin", 30, "g/dL")  # 300 g/L
    assert "did you mean" not in problem.message


def test_an_unknown_unit_is_refused_naming_the_units_accepted():
    _, problem = normalise("weight", 12, "[stone]", "observations.weight")
    assert (problem.code, problem.field) == ("unknown-unit", "observations.weight.unit")
    assert problem.message == "weight: unit '[stone]' is not accepted; use kg or [lb_av] (UCUM)"


@pytest.mark.parametrize(
    ("code", "value", "unit", "field"),
    [("height", 3, "m", "value"), ("bmi", 9, "kg/m2", "value"), ("egfr", 60, "mL/min", "unit")],
)
def test_without_a_place_the_problem_names_the_bare_field(code, value, unit, field):
    _, problem = normalise(code, value, unit)
    assert problem.field == field


@pytest.mark.parametrize("code", OBSERVATION_CODES)
def test_each_measurement_accepts_its_range_and_refuses_beyond_it(code):
    measure = MEASUREMENTS[code]
    assert normalise(code, measure.low, measure.unit) == (measure.low, None)
    assert normalise(code, measure.high, measure.unit) == (measure.high, None)
    assert normalise(code, measure.high + 1, measure.unit)[1].code == "implausible-value"
    assert normalise(code, measure.low - 1, measure.unit)[1].code == "implausible-value"


def test_every_unit_is_one_coxa_lists_and_every_observation_code_is_measured():
    assert tuple(MEASUREMENTS) == OBSERVATION_CODES
    used = {u for m in MEASUREMENTS.values() for u in m.accepted}
    assert used <= set(UNITS)
    assert all(m.mistaken_for in (None, *m.accepted) for m in MEASUREMENTS.values())


@pytest.mark.parametrize(
    ("code", "value", "spelling", "expected"),
    [
        ("systolic_bp", 140, "mmHg", 140),
        ("diastolic_bp", 85, "mm Hg", 85),
        ("egfr", 52, "mL/min/1.73m2", 52),
        ("egfr", 52, "ml/min/1.73 m2", 52),
        ("haemoglobin", 13.5, "g/dl", 135),
        ("weight", 220, "lbs", 99.79),
    ],
)
def test_common_spellings_are_read_as_their_ucum_code(code, value, spelling, expected):
    converted, problem = normalise(code, value, spelling)
    assert problem is None
    assert converted == pytest.approx(expected, abs=0.01)


def test_a_spelling_that_is_not_a_unit_is_still_refused():
    _, problem = normalise("systolic_bp", 140, "mm")
    assert problem is not None
    assert problem.code == "unknown-unit"


@pytest.mark.parametrize("spelling", ["µg/L", "μg/L", "ug/l", "ppb"])
def test_metal_levels_read_the_laboratories_spellings(spelling):
    converted, problem = metal_in_ug_per_l("cobalt", 2.5, spelling)
    assert problem is None
    assert converted == 2.5
