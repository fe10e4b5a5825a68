"""What a consent must record to stand, and when booking may rely on it. No database."""

import datetime as dt

import pytest
from pydantic import ValidationError

from coxa.catalogue.registry import get_procedure
from coxa.core.errors import ErrorCode
from coxa.surgery.domain.consent import (
    NOT_KNOWN,
    ConsentContext,
    ConsentFacts,
    ConsentIn,
    booking_consent_problems,
    consent_problems,
    covers_restricted_size,
    discussed_risks,
    frequency_of,
)

NOW = dt.datetime(2026, 1, 6, 10, 0, tzinfo=dt.UTC)
REFERRED = dt.date(2026, 1, 2)


def procedure(code="bhr"):
    found = get_procedure(code)
    assert found is not None
    return found


def context(code="bhr", side="left"):
    return ConsentContext(procedure=procedure(code), side=side, referred_on=REFERRED, now=NOW)


def complete(code="bhr", side="left", **overrides):
    chosen = procedure(code)
    values = {
        "procedure": code,
        "side": side,
        "risks": [r.code for r in chosen.risks],
        "alternatives": [a.code for a in chosen.alternatives if a.must_discuss],
        "information_version": chosen.patient_information.version,
        "taken_at": NOW - dt.timedelta(minutes=5),
    }
    return ConsentIn.model_validate(values | overrides)


def found(entry, code="bhr", side="left"):
    return {(p.code, p.field) for p in consent_problems(entry, context(code, side))}


@pytest.mark.parametrize("code", ["bhr", "core-decompression", "total-hip-replacement"])
def test_a_complete_consent_stands_for_every_procedure(code):
    assert found(complete(code), code) == set()


def test_the_wrong_side_and_the_wrong_operation_are_refused_naming_each_field():
    assert found(complete(side="right")) == {(ErrorCode.SIDE_MISMATCH, "side")}
    entry = complete("core-decompression")
    assert (ErrorCode.PROCEDURE_MISMATCH, "procedure") in found(entry)


def test_a_risk_the_procedure_does_not_list_is_refused():
    entry = complete(risks=[*complete().risks, "collapse", "made-up"])
    problems = consent_problems(entry, context())
    assert [(p.code, p.field) for p in problems] == [(ErrorCode.UNKNOWN_RISK, "risks")]
    assert "collapse, made-up" in problems[0].message


def test_every_missing_material_risk_is_named_by_its_title():
    entry = complete(risks=["infection", "dislocation"])
    problems = consent_problems(entry, context())
    assert [(p.code, p.field) for p in problems] == [(ErrorCode.MATERIAL_RISK_MISSING, "risks")]
    for title in ("Nerve damage", "Reaction to metal debris (metallosis)", "Blood clots"):
        assert title in problems[0].message
    assert "48 mm" not in problems[0].message  # the restricted size is not a material risk


def test_the_restricted_head_size_may_be_left_out_and_then_does_not_cover_an_override():
    chosen = procedure()
    entry = complete(risks=[r.code for r in chosen.material_risks])
    assert found(entry) == set()
    assert not covers_restricted_size(discussed_risks(entry, chosen))
    assert covers_restricted_size(discussed_risks(complete(), chosen))


def test_alternatives_must_include_those_to_discuss_and_only_the_catalogues():
    assert found(complete(alternatives=["total-hip-replacement"])) == {
        (ErrorCode.ALTERNATIVE_MISSING, "alternatives")
    }
    assert found(complete(alternatives=["non-operative", "total-hip-replacement", "yoga"])) == {
        (ErrorCode.UNKNOWN_ALTERNATIVE, "alternatives")
    }


def test_an_alternative_that_applies_only_sometimes_may_be_discussed_or_not():
    base = complete("total-hip-replacement")
    assert found(base, "total-hip-replacement") == set()
    more = complete(
        "total-hip-replacement", alternatives=[*base.alternatives, "core-decompression"]
    )
    assert found(more, "total-hip-replacement") == set()


def test_the_information_version_must_be_the_catalogues():
    problems = found(complete(information_version="2019.1"))
    assert problems == {(ErrorCode.INFORMATION_VERSION, "information_version")}


def test_consent_cannot_be_taken_in_the_future_nor_before_the_referral():
    assert found(complete(taken_at=NOW)) == set()  # the boundary: now is not the future
    assert found(complete(taken_at=NOW + dt.timedelta(minutes=1))) == {
        (ErrorCode.DATE_IN_FUTURE, "taken_at")
    }
    on_referral = dt.datetime.combine(REFERRED, dt.time(0, 0), tzinfo=dt.UTC)
    assert found(complete(taken_at=on_referral)) == set()
    assert found(complete(taken_at=on_referral - dt.timedelta(minutes=1))) == {
        (ErrorCode.BEFORE_EPISODE, "taken_at")
    }


def test_a_moment_without_its_offset_and_unknown_fields_are_refused():
    with pytest.raises(ValidationError):
        complete(taken_at=dt.datetime(2026, 1, 6, 9, 0))
    with pytest.raises(ValidationError):
        complete(witness="someone")


def test_a_risk_with_no_published_figure_says_not_known():
    chosen = procedure()
    dislocation = next(r for r in chosen.risks if r.code == "dislocation")
    assert frequency_of(dislocation) == NOT_KNOWN
    fracture = next(r for r in chosen.risks if r.code == "fracture")
    assert "0.98%" in frequency_of(fracture)


def test_booking_needs_a_current_consent_for_this_procedure_and_side():
    facts = ConsentFacts("bhr", "left")
    assert booking_consent_problems(facts, procedure="bhr", side="left", withdrawn=False) == []
    for current, withdrawn, says in (
        (None, False, "no consent is recorded"),
        (None, True, "withdrew"),
        (ConsentFacts("bhr", "right"), False, "right hip's bhr"),
        (ConsentFacts("total-hip-replacement", "left"), False, "total-hip-replacement"),
    ):
        problems = booking_consent_problems(
            current, procedure="bhr", side="left", withdrawn=withdrawn
        )
        assert [(p.code, p.field) for p in problems] == [(ErrorCode.NO_CONSENT, "consent")]
        assert says in problems[0].message
