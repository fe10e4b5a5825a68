"""The one readiness gate, judged on a decision and requirement statuses. Pure."""

import datetime as dt

from coxa.assessment.domain.gate import GateCode, combine, judge
from coxa.assessment.domain.requirements import RequirementRow, RequirementStatus
from coxa.catalogue.loader import get_catalogue
from coxa.decisions.domain.document import read_document
from coxa.decisions.domain.engine import evaluate

TODAY = dt.date(2026, 12, 1)
CATALOGUE = get_catalogue()
GOOD = {
    "procedure": "bhr",
    "patient": {
        "sex": "male",
        "age_years": 45,
        "diabetes": False,
        "coronary_stent_or_recent_acs": False,
        "metal_sensitivity": False,
        "haemoglobinopathy": "none",
        "heart_valve": "none",
    },
    "hip": {
        "side": "left",
        "diagnosis": "osteoarthritis",
        "templated_head_size_mm": 52,
        "acetabular_bone_stock": "adequate",
    },
    "observations": {
        "bmi": {"value": 29, "unit": "kg/m2"},
        "systolic_bp": {"value": 130, "unit": "mm[Hg]"},
        "diastolic_bp": {"value": 80, "unit": "mm[Hg]"},
        "haemoglobin": {"value": 145, "unit": "g/L"},
        "egfr": {"value": 90, "unit": "mL/min/{1.73_m2}"},
    },
    "smoking": "never",
    "medications": [],
    "allergies": [],
}


def decide(**changes):
    document = {**GOOD, **changes}
    return evaluate(read_document(document, procedure_codes=tuple(CATALOGUE.procedures)), CATALOGUE)


def met(code, expires=TODAY + dt.timedelta(days=60)):
    return RequirementRow(
        code, code.title(), RequirementStatus.MET, TODAY, expires, None, None, None
    )


def codes(problems):
    return [p.code for p in problems]


def test_an_indicated_ready_hip_with_every_requirement_met_passes():
    assert judge(decide(), [met("blood-tests")], acknowledged={}, as_of=TODAY, today=TODAY) == []


def test_a_contraindicated_hip_never_passes_whatever_its_readiness():
    # Issue 10: a woman with a 46 mm head, ready by her observations, became ready.
    decision = decide(
        patient={**GOOD["patient"], "sex": "female"},
        hip={**GOOD["hip"], "templated_head_size_mm": 46},
    )
    assert decision.readiness == "ready"
    problems = judge(decision, [], acknowledged={}, as_of=TODAY, today=TODAY)
    assert set(codes(problems)) == {GateCode.CONTRAINDICATED}
    assert {p.ref for p in problems} == {"bhr.sex", "bhr.head-size"}


def test_a_caution_needs_a_surgeons_acknowledgement_of_that_caution():
    decision = decide(hip={**GOOD["hip"], "diagnosis": "inflammatory-arthritis"})
    assert decision.candidacy == "caution"
    problems = judge(decision, [], acknowledged={}, as_of=TODAY, today=TODAY)
    assert codes(problems) == [GateCode.CAUTION_UNACKNOWLEDGED]
    message = "Inflammatory arthritis is outside the indication for BHR."
    assert (
        judge(decision, [], acknowledged={"bhr.diagnosis": message}, as_of=TODAY, today=TODAY) == []
    )
    # Acknowledging another caution, or another finding of the same rule, does not cover it.
    assert judge(decision, [], acknowledged={"bhr.age": message}, as_of=TODAY, today=TODAY)
    other = {"bhr.diagnosis": "Dysplasia raises the risk of early revision after BHR."}
    assert judge(decision, [], acknowledged=other, as_of=TODAY, today=TODAY)


def test_missing_and_expired_requirements_fail_and_say_which():
    missing = RequirementRow(
        "hip-imaging", "Imaging", RequirementStatus.MISSING, None, None, None, None, None
    )
    expired = RequirementRow(
        "blood-tests",
        "Blood tests",
        RequirementStatus.EXPIRED,
        TODAY - dt.timedelta(days=100),
        TODAY - dt.timedelta(days=10),
        None,
        None,
        None,
    )
    problems = judge(decide(), [missing, expired], acknowledged={}, as_of=TODAY, today=TODAY)
    assert codes(problems) == [GateCode.REQUIREMENT_MISSING, GateCode.REQUIREMENT_EXPIRED]


def test_a_requirement_that_lapses_before_the_operation_is_named_with_both_dates():
    lapsing = RequirementRow(
        "blood-tests",
        "Blood tests",
        RequirementStatus.EXPIRED,
        TODAY - dt.timedelta(days=80),
        TODAY + dt.timedelta(days=10),
        None,
        None,
        None,
    )
    operation = TODAY + dt.timedelta(days=30)
    problems = judge(decide(), [lapsing], acknowledged={}, as_of=operation, today=TODAY)
    assert codes(problems) == [GateCode.EXPIRES_BEFORE_OPERATION]
    assert "11 Dec 2026" in problems[0].message
    assert "31 Dec 2026" in problems[0].message


def test_readiness_to_optimise_or_unknown_fails():
    assert codes(
        judge(decide(smoking="current"), [], acknowledged={}, as_of=TODAY, today=TODAY)
    ) == [GateCode.OPTIMISE]
    unknown = decide(observations={k: v for k, v in GOOD["observations"].items() if k != "bmi"})
    assert codes(judge(unknown, [], acknowledged={}, as_of=TODAY, today=TODAY)) == [
        GateCode.READINESS_UNKNOWN
    ]


def test_an_undecided_antiplatelet_holds_the_gate():
    decision = decide(
        patient={**GOOD["patient"], "coronary_stent_or_recent_acs": True},
        medications=[
            {
                "name": "Aspirin",
                "class": "antiplatelet",
                "atc": "B01AC06",
                "indication": "coronary-stent",
            }
        ],
    )
    problems = judge(decision, [], acknowledged={}, as_of=TODAY, today=TODAY)
    assert [p.ref for p in problems] == ["readiness.medicines"]


def test_combining_keeps_each_problem_once_and_today_first():
    first = judge(decide(smoking="current"), [], acknowledged={}, as_of=TODAY, today=TODAY)
    gate = combine(TODAY, first, first)
    assert len(gate.problems) == 1
    assert not gate.holds
    assert combine(TODAY).holds
