"""The rules of a follow-up review, without a database: every refusal names its field, and a
finding not assessed is stored and said as such, never as normal (H66)."""

import datetime as dt

import pytest

from coxa.catalogue.loader import get_catalogue
from coxa.core.errors import ErrorCode
from coxa.outcomes.domain.reviews import (
    FindingIn,
    FollowUpReviewIn,
    abnormal,
    finding_words,
    review_problems,
    stored_findings,
)

TODAY = dt.date(2026, 6, 1)
OPERATED = dt.date(2026, 1, 26)
SPEC = get_catalogue().reviews


def problems(procedure="core-decompression", *, life=False, operated=OPERATED, **fields):
    fields.setdefault("seen_on", TODAY)
    entry = FollowUpReviewIn.model_validate(fields)
    found = review_problems(
        entry, SPEC, procedure=procedure, followed_for_life=life, operated_on=operated, today=TODAY
    )
    return {(p.field, p.code) for p in found}


def test_a_full_review_within_range_has_no_problems():
    assert problems(
        pain=0, flexion=160, abduction=0, internal_rotation=90, external_rotation=45,
        walking_aid="one-stick", walking_distance="unlimited", work="as-before", sport="not-yet",
        findings={
            "avn-stage": {"result": "staged", "system": "arco-2019", "stage": "iiia"},
            "head-collapse": {"result": "present", "amount": 2},
        },
        plan="next-review", next_review_on=TODAY + dt.timedelta(days=1),
    ) == set()  # fmt: skip


@pytest.mark.parametrize(
    ("fields", "field", "code"),
    [
        ({"seen_on": TODAY + dt.timedelta(days=1)}, "seen_on", ErrorCode.DATE_IN_FUTURE),
        ({"seen_on": OPERATED - dt.timedelta(days=1)}, "seen_on", ErrorCode.BEFORE_OPERATION),
        ({"pain": 11}, "pain", ErrorCode.IMPLAUSIBLE_VALUE),
        ({"pain": -1}, "pain", ErrorCode.IMPLAUSIBLE_VALUE),
        ({"flexion": 161}, "flexion", ErrorCode.IMPLAUSIBLE_VALUE),
        ({"abduction": 91}, "abduction", ErrorCode.IMPLAUSIBLE_VALUE),
        ({"internal_rotation": -5}, "internal_rotation", ErrorCode.IMPLAUSIBLE_VALUE),
        ({"external_rotation": 200}, "external_rotation", ErrorCode.IMPLAUSIBLE_VALUE),
        ({"walking_aid": "skateboard"}, "walking_aid", ErrorCode.UNKNOWN_CODE),
        ({"walking_distance": "far"}, "walking_distance", ErrorCode.UNKNOWN_CODE),
        ({"work": "retired"}, "work", ErrorCode.UNKNOWN_CODE),
        ({"sport": "marathon"}, "sport", ErrorCode.UNKNOWN_CODE),
        ({"plan": "wait-and-see"}, "plan", ErrorCode.UNKNOWN_CODE),
        (
            {"findings": {"neck-narrowing": {"result": "none"}}},
            "findings.neck-narrowing",
            ErrorCode.FINDING_NOT_FOR_PROCEDURE,
        ),
        (
            {"findings": {"made-up": {"result": "none"}}},
            "findings.made-up",
            ErrorCode.FINDING_NOT_FOR_PROCEDURE,
        ),
        (
            {"findings": {"head-collapse": {"result": "maybe"}}},
            "findings.head-collapse",
            ErrorCode.UNKNOWN_CODE,
        ),
        (
            {"findings": {"head-collapse": {"result": "present", "amount": 21}}},
            "findings.head-collapse.amount",
            ErrorCode.IMPLAUSIBLE_VALUE,
        ),
        (
            {"findings": {"head-collapse": {"result": "none", "amount": 1}}},
            "findings.head-collapse.amount",
            ErrorCode.INVALID_VALUE,
        ),
        (
            {"findings": {"head-collapse": {"result": "not-assessed", "amount": 1}}},
            "findings.head-collapse",
            ErrorCode.INVALID_VALUE,
        ),
        (
            {"findings": {"head-collapse": {"result": "present", "where": "lateral"}}},
            "findings.head-collapse.where",
            ErrorCode.INVALID_VALUE,
        ),
        (
            {"findings": {"avn-stage": {"result": "staged", "system": "arco-2019"}}},
            "findings.avn-stage",
            ErrorCode.INCOMPLETE_STAGE,
        ),
        (
            {"findings": {"avn-stage": {"result": "staged", "system": "garden", "stage": "I"}}},
            "findings.avn-stage.system",
            ErrorCode.UNKNOWN_CODE,
        ),
        (
            {"findings": {"avn-stage": {"result": "staged", "system": "arco-2019", "stage": "V"}}},
            "findings.avn-stage.stage",
            ErrorCode.UNKNOWN_STAGE,
        ),
        (
            {"findings": {"avn-stage": {"result": "present"}}},
            "findings.avn-stage",
            ErrorCode.UNKNOWN_CODE,
        ),
        (
            {
                "findings": {
                    "avn-stage": {"result": "staged", "system": "ficat-arlet", "stage": "III"},
                    "head-collapse": {"result": "none"},
                }
            },
            "findings.head-collapse",
            ErrorCode.STAGE_COLLAPSE_CONFLICT,
        ),
        ({"plan": "next-review"}, "next_review_on", ErrorCode.REQUIRED),
        (
            {"plan": "next-review", "next_review_on": TODAY},
            "next_review_on",
            ErrorCode.NEXT_REVIEW_NOT_AFTER,
        ),
        (
            {"plan": "next-review", "next_review_on": TODAY - dt.timedelta(days=3)},
            "next_review_on",
            ErrorCode.NEXT_REVIEW_NOT_AFTER,
        ),
        (
            {"plan": "discharge", "next_review_on": TODAY + dt.timedelta(days=9)},
            "next_review_on",
            ErrorCode.INVALID_VALUE,
        ),
        ({"next_review_on": TODAY + dt.timedelta(days=9)}, "plan", ErrorCode.REQUIRED),
        ({"plan": "refer-revision"}, "plan_words", ErrorCode.REASON_REQUIRED),
    ],
)
def test_each_refusal_names_its_field(fields, field, code):
    assert (field, code) in problems(**fields)


def test_the_operation_day_and_today_are_allowed():
    assert problems(seen_on=OPERATED, pain=3) == set()
    assert problems(seen_on=TODAY, pain=10) == set()


def test_findings_follow_the_procedure():
    resurfaced = {"component-position": {"result": "concern"},
                  "neck-narrowing": {"result": "present", "amount": 12.5},
                  "radiolucency": {"result": "present", "where": "around the cup"}}  # fmt: skip
    assert problems("bhr", findings=resurfaced) == set()
    assert ("findings.head-collapse", ErrorCode.FINDING_NOT_FOR_PROCEDURE) in problems(
        "bhr", findings={"head-collapse": {"result": "none"}}
    )
    assert problems("total-hip-replacement", findings={"osteolysis": {"result": "none"}}) == set()
    assert ("findings.component-position", ErrorCode.UNKNOWN_CODE) in problems(
        "bhr", findings={"component-position": {"result": "present"}}
    )


def test_a_hip_followed_for_life_is_not_discharged_from_review():
    assert ("plan", ErrorCode.FOLLOWED_FOR_LIFE) in problems("bhr", life=True, plan="discharge")
    assert problems("core-decompression", plan="discharge") == set()


def test_a_finding_not_given_is_stored_as_not_assessed_and_never_said_to_be_normal():
    findings = SPEC.findings_for("core-decompression")
    entry = FollowUpReviewIn(seen_on=TODAY, findings={"head-collapse": FindingIn(result="none")})
    stored = stored_findings(entry, findings)
    assert stored == {"avn-stage": {"result": "not-assessed"}, "head-collapse": {"result": "none"}}
    stage, collapse = findings
    assert finding_words(stage, stored["avn-stage"]) == "Not assessed"
    assert finding_words(collapse, stored["head-collapse"]) == "None seen"
    assert finding_words(collapse, None) == "Not assessed"
    assert not abnormal(stage, stored["avn-stage"])


def test_findings_in_words_and_what_is_a_concern():
    stage, collapse = SPEC.findings_for("core-decompression")
    position, narrowing, lucency = SPEC.findings_for("bhr")
    staged = {"result": "staged", "system": "arco-2019", "stage": "IIIB"}
    assert (finding_words(stage, staged), abnormal(stage, staged)) == ("ARCO 2019 IIIB", True)
    early = {"result": "staged", "system": "ficat-arlet", "stage": "II"}
    assert abnormal(stage, early) is False
    seen = {"result": "present", "amount": 3}
    assert (finding_words(collapse, seen), abnormal(collapse, seen)) == ("Present, 3 mm", True)
    assert finding_words(narrowing, {"result": "present", "amount": 12.5}) == "Present, 12.5 %"
    where = {"result": "present", "where": "zone 1"}
    assert finding_words(lucency, where) == "Present (zone 1)"
    concern = {"result": "concern"}
    assert (finding_words(position, concern), abnormal(position, concern)) == ("A concern", True)
    assert abnormal(position, {"result": "acceptable"}) is False


def test_a_stage_is_stored_as_normalised():
    staged = FindingIn(result="staged", system="arco-2019", stage="iiia")
    entry = FollowUpReviewIn(seen_on=TODAY, findings={"avn-stage": staged})
    stored = stored_findings(entry, SPEC.findings_for("core-decompression"))
    assert stored["avn-stage"] == {"result": "staged", "system": "arco-2019", "stage": "IIIA"}
