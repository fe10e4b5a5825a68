"""The complication rules, pure: Clavien-Dindo grades, outcomes, and every refusal's field."""

import datetime as dt

import pytest

from coxa.outcomes.domain.complications import GRADES, Facts, Grade, Kind, Outcome, problems

OPERATED = dt.date(2026, 1, 26)
TODAY = dt.date(2026, 11, 30)
DISLOCATION = Kind("dislocation", "Dislocation", ("bhr", "total-hip-replacement"), False)
OTHER = Kind("other", "Other (say what)", (), True)


def check(kind=DISLOCATION, *, procedure="bhr", died_on=None, **given):
    values = {
        "type_code": kind.code if kind else "nonsense",
        "known_types": ["dislocation", "other"],
        "found_on": OPERATED,
        "grade": "II",
        "disability": False,
        "outcome": "resolved",
        "description": "",
    } | given
    facts = Facts(procedure=procedure, operated_on=OPERATED, died_on=died_on, today=TODAY)
    return [(p.field, p.code.value) for p in problems(kind=kind, facts=facts, **values)]


def test_the_grades_in_order_with_their_definitions():
    assert [g.value for g in GRADES] == ["I", "II", "IIIa", "IIIb", "IVa", "IVb", "V"]
    assert Grade.II.definition.startswith("needed other medicines")
    assert "general anaesthetic" in Grade.IIIB.definition
    assert [g.severe for g in GRADES] == [False, False, True, True, True, True, True]
    assert Outcome.RESOLVED_WITH_LASTING_EFFECTS.fhir_code == "resolvedWithSequelae"
    assert Outcome.DIED.fhir_code == "fatal"


def test_the_operation_day_and_today_are_allowed():
    assert check(found_on=OPERATED) == []
    assert check(found_on=TODAY) == []


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ({"found_on": OPERATED - dt.timedelta(days=1)}, ("found_on", "before-operation")),
        ({"found_on": TODAY + dt.timedelta(days=1)}, ("found_on", "date-in-future")),
        ({"grade": "IIIc"}, ("clavien_dindo", "unknown-grade")),
        ({"grade": "iiia"}, ("clavien_dindo", "unknown-grade")),
        ({"outcome": "cured"}, ("outcome", "invalid-value")),
        ({"outcome": "died"}, ("clavien_dindo", "invalid-value")),
        ({"grade": "V", "outcome": "died"}, ("clavien_dindo", "death-not-recorded")),
    ],
)
def test_each_refusal_names_its_field(given, expected):
    assert expected in check(**given)


def test_types_unknown_not_for_the_procedure_or_without_words():
    assert check(None, type_code="nonsense") == [("type", "unknown-complication")]
    assert check(procedure="core-decompression") == [("type", "complication-not-for-procedure")]
    assert check(OTHER) == [("description", "required")]
    assert check(OTHER, description="Wound dehiscence") == []


def test_death_bounds_the_register():
    died = dt.date(2026, 3, 1)
    assert check(found_on=died + dt.timedelta(days=1), died_on=died) == [
        ("found_on", "after-death")
    ]
    assert check(found_on=died, grade="V", outcome="died", died_on=died) == []
    assert check(grade="V", outcome="ongoing", died_on=died) == [("outcome", "invalid-value")]
    assert check(grade="V", outcome="died", disability=True, died_on=died) == [
        ("disability", "invalid-value")
    ]
