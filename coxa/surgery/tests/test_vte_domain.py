"""VTE prophylaxis and the risk assessment's checks: pure, no database (issue 13, H57)."""

import datetime as dt

import pytest
from pydantic import ValidationError

from coxa.assessment.domain.vte import VteAssessmentIn, admitted_for, vte_problems
from coxa.catalogue.registry import get_procedure
from coxa.surgery.domain.prophylaxis import ProphylaxisIn, prophylaxis_problems, schedule

DAY = dt.date(2027, 2, 1)


def offered(code: str):
    procedure = get_procedure(code)
    assert procedure is not None
    return procedure.vte_prophylaxis


def codes(given: dict, procedure: str = "bhr") -> list[tuple[str, str | None]]:
    found = prophylaxis_problems(ProphylaxisIn.model_validate(given), offered(procedure))
    return [(p.code.value, p.field) for p in found]


def test_lmwh_then_aspirin_runs_10_then_28_days_from_the_operation_day():
    given = ProphylaxisIn(choice="regimen", regimen="lmwh-then-aspirin", dose="as charted")
    shown = schedule(given, offered("bhr"), DAY)
    assert [(c.agent, c.starts_on, c.ends_on) for c in shown.courses] == [
        ("lmwh", DAY, DAY + dt.timedelta(days=9)),
        ("aspirin", DAY + dt.timedelta(days=10), DAY + dt.timedelta(days=37)),
    ]
    assert shown.ends_on == dt.date(2027, 3, 10)
    assert shown.from_guideline
    assert not shown.stockings_until_discharge


def test_lmwh_28_days_adds_stockings_until_discharge():
    given = ProphylaxisIn(choice="regimen", regimen="lmwh-28-stockings", dose="40 mg")
    shown = schedule(given, offered("total-hip-replacement"), DAY)
    assert shown.ends_on == DAY + dt.timedelta(days=27)
    assert shown.stockings_until_discharge


def test_a_regimen_whose_duration_the_prescriber_gives_needs_it():
    assert codes({"choice": "regimen", "regimen": "rivaroxaban", "dose": "10 mg"}) == [
        ("required", "vte_prophylaxis.duration_days")
    ]
    given = ProphylaxisIn(choice="regimen", regimen="rivaroxaban", dose="10 mg", duration_days=35)
    assert schedule(given, offered("bhr"), DAY).ends_on == DAY + dt.timedelta(days=34)


def test_a_regimen_that_sets_its_duration_refuses_another():
    given = {"choice": "regimen", "regimen": "lmwh-28-stockings", "dose": "40 mg"}
    assert codes(given | {"duration_days": 14}) == [
        ("regimen-sets-duration", "vte_prophylaxis.duration_days")
    ]


def test_a_second_line_regimen_needs_the_reason():
    given = {"choice": "regimen", "regimen": "apixaban", "dose": "2.5 mg", "duration_days": 32}
    assert codes(given) == [("reason-required", "vte_prophylaxis.reason")]
    assert codes(given | {"reason": "Cannot inject; rivaroxaban interacts"}) == []


def test_a_regimen_not_offered_for_the_procedure_is_refused():
    assert codes({"choice": "regimen", "regimen": "warfarin", "dose": "5 mg"}) == [
        ("regimen-not-offered", "vte_prophylaxis.regimen")
    ]
    # Core decompression fits no NG89 category: no regimen is offered at all.
    assert codes(
        {"choice": "regimen", "regimen": "lmwh-then-aspirin", "dose": "40 mg"},
        "core-decompression",
    ) == [("regimen-not-offered", "vte_prophylaxis.regimen")]


def test_a_custom_regimen_needs_agent_dose_and_duration():
    assert codes({"choice": "custom"}, "core-decompression") == [
        ("required", "vte_prophylaxis.dose"),
        ("required", "vte_prophylaxis.agent"),
        ("required", "vte_prophylaxis.duration_days"),
    ]
    given = {"choice": "custom", "agent": "Enoxaparin", "dose": "40 mg", "duration_days": 14}
    assert codes(given, "core-decompression") == []
    shown = schedule(ProphylaxisIn.model_validate(given), offered("core-decompression"), DAY)
    assert not shown.from_guideline  # marked as not from NG89
    assert shown.ends_on == DAY + dt.timedelta(days=13)


def test_a_custom_regimen_where_ng89_applies_needs_the_reason():
    given = {"choice": "custom", "agent": "Enoxaparin", "dose": "40 mg", "duration_days": 14}
    assert codes(given) == [("reason-required", "vte_prophylaxis.reason")]


def test_none_needs_a_reason_and_nothing_else():
    assert codes({"choice": "none"}) == [("reason-required", "vte_prophylaxis.reason")]
    assert codes({"choice": "none", "reason": "Active bleeding", "dose": "x"}) == [
        ("not-custom", "vte_prophylaxis.dose")
    ]
    shown = schedule(ProphylaxisIn(choice="none", reason="Bleeding"), offered("bhr"), DAY)
    assert shown.courses == ()
    assert shown.ends_on is None


@pytest.mark.parametrize("duration", [0, 91])
def test_a_duration_outside_1_to_90_days_is_refused(duration):
    with pytest.raises(ValidationError):
        ProphylaxisIn(choice="custom", agent="x", dose="y", duration_days=duration)


def assessment(**overrides):
    values = {
        "setting": "pre-assessment",
        "risk_factors": ["previous-vte"],
        "bleeding_risks": ["none-of-these"],
        "vte_risk_outweighs_bleeding_risk": True,
        "assessed_on": DAY,
    }
    return VteAssessmentIn.model_validate(values | overrides)


def test_an_unknown_factor_or_an_empty_checklist_is_refused():
    for bad in ({"risk_factors": ["long-flight"]}, {"bleeding_risks": []}):
        with pytest.raises(ValidationError):
            assessment(**bad)
    with pytest.raises(ValidationError):  # the conclusion is never assumed
        VteAssessmentIn.model_validate(
            {
                "setting": "admission",
                "risk_factors": ["none-of-these"],
                "bleeding_risks": ["none-of-these"],
                "assessed_on": DAY,
            }
        )


def test_none_of_these_is_not_ticked_with_a_factor():
    found = vte_problems(assessment(risk_factors=["none-of-these", "obesity"]), offered("bhr"))
    assert [(p.code.value, p.field) for p in found] == [("vte-factors-conflict", "risk_factors")]


def test_a_regimen_needs_the_conclusion_and_the_procedures_offer():
    not_indicated = assessment(vte_risk_outweighs_bleeding_risk=False, regimen="rivaroxaban")
    assert [p.code.value for p in vte_problems(not_indicated, offered("bhr"))] == [
        "vte-not-indicated"
    ]
    for procedure in ("core-decompression", "bhr"):
        chosen = assessment(regimen="fondaparinux" if procedure == "bhr" else "rivaroxaban")
        assert [p.code.value for p in vte_problems(chosen, offered(procedure))] == [
            "regimen-not-offered"
        ]
    assert vte_problems(assessment(regimen="lmwh-then-aspirin"), offered("bhr")) == []


def test_the_admission_reassessment_counts_on_the_day_or_the_day_before_only():
    day_before, two_before = DAY - dt.timedelta(days=1), DAY - dt.timedelta(days=2)
    assert admitted_for([("admission", day_before)], DAY) == day_before
    assert admitted_for([("admission", DAY)], DAY) == DAY
    assert admitted_for([("admission", two_before)], DAY) is None
    assert admitted_for([("pre-assessment", DAY)], DAY) is None
