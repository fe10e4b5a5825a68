"""The FHIR search reader and the CapabilityStatement: pure, no database."""

import datetime as dt
import uuid

import pytest

from coxa.core.errors import ErrorCode, InvalidInput
from coxa.interop.domain.bundle import searchset
from coxa.interop.domain.capability import SUPPORTED, capability_statement
from coxa.interop.domain.search import MAX_COUNT, Period, Token, parse_search

PATIENT = uuid.UUID(int=7)


def test_a_search_reads_patient_code_and_dates():
    found = parse_search(
        "Observation",
        {
            "patient": [f"Patient/{PATIENT}"],
            "code": ["http://loinc.org|718-7,bmi"],
            "date": ["ge2024-02", "lt2025"],
        },
        strict=True,
    )
    assert found.patient == PATIENT
    assert found.tokens == (Token("http://loinc.org", "718-7"), Token(None, "bmi"))
    assert found.periods == (Period(dt.date(2024, 2, 1), None), Period(None, dt.date(2024, 12, 31)))


@pytest.mark.parametrize(
    ("value", "start", "end"),
    [
        ("2024-02-29", dt.date(2024, 2, 29), dt.date(2024, 2, 29)),
        ("eq2024-12", dt.date(2024, 12, 1), dt.date(2024, 12, 31)),
        ("gt2024-02-28", dt.date(2024, 2, 29), None),
        ("le2024", None, dt.date(2024, 12, 31)),
        ("ge2024-03-01T10:00:00Z", dt.date(2024, 3, 1), None),
    ],
)
def test_dates_by_prefix_and_precision(value, start, end):
    found = parse_search("Procedure", {"patient": [str(PATIENT)], "date": [value]}, strict=True)
    assert found.periods == (Period(start, end),)


@pytest.mark.parametrize(
    ("query", "field", "code"),
    [
        ({"patient": ["Patient/nobody"]}, "patient", ErrorCode.INVALID_VALUE),
        ({"patient": [str(PATIENT)], "date": ["2024-02-30"]}, "date", ErrorCode.INVALID_VALUE),
        ({"patient": [str(PATIENT)], "date": ["yesterday"]}, "date", ErrorCode.INVALID_VALUE),
        (
            {"patient": [str(PATIENT)], "code": ["http://loinc.org|"]},
            "code",
            ErrorCode.INVALID_VALUE,
        ),
        ({"patient": [str(PATIENT)], "_count": ["0"]}, "_count", ErrorCode.INVALID_VALUE),
        (
            {"patient": [str(PATIENT)], "_count": [str(MAX_COUNT + 1)]},
            "_count",
            ErrorCode.INVALID_VALUE,
        ),
        ({"patient": [str(PATIENT)], "_page": ["-1"]}, "_page", ErrorCode.INVALID_VALUE),
        ({"patient": [str(PATIENT)], "_format": ["xml"]}, "_format", ErrorCode.INVALID_VALUE),
        ({"code": ["bmi"]}, "patient", ErrorCode.REQUIRED),
        ({"patient": [str(PATIENT)], "subject": ["x"]}, "subject", ErrorCode.UNKNOWN_FIELD),
    ],
)
def test_bad_searches_are_refused_naming_the_parameter(query, field, code):
    with pytest.raises(InvalidInput) as refused:
        parse_search("Observation", query, strict=True)
    assert refused.value.field == field
    assert refused.value.code is code
    assert field in refused.value.message


def test_an_unknown_parameter_is_ignored_unless_strict():
    found = parse_search(
        "Observation", {"patient": [str(PATIENT)], "_sort": ["date"]}, strict=False
    )
    assert found.ignored == ("_sort",)
    assert ("_sort", "date") not in found.used


def test_patient_search_needs_no_patient():
    found = parse_search(
        "Patient", {"identifier": ["https://fhir.nhs.uk/Id/nhs-number|9434765919"]}, strict=True
    )
    assert found.tokens == (Token("https://fhir.nhs.uk/Id/nhs-number", "9434765919"),)


def test_the_bundle_links_its_neighbours_and_leaves_out_what_was_ignored():
    query = parse_search(
        "Observation",
        {"patient": [str(PATIENT)], "_count": ["2"], "_page": ["2"], "_sort": ["x"]},
        strict=False,
    )
    bundle = searchset(
        base="http://testserver/fhir/",
        search=query,
        resources=[{"resourceType": "Observation", "id": "a"}],
        has_next=True,
        total=None,
    )
    links = {link["relation"]: link["url"] for link in bundle["link"]}
    assert links["self"].endswith("_count=2&_page=2")
    assert "_sort" not in links["self"]
    assert links["next"].endswith("_page=3")
    assert links["previous"].endswith("_page=1")
    assert "total" not in bundle
    assert bundle["entry"][0]["fullUrl"] == "http://testserver/fhir/Observation/a"


def test_the_capability_statement_is_the_table():
    from fhir.resources.R4B.capabilitystatement import CapabilityStatement

    statement = capability_statement(
        base="http://testserver/fhir/",
        release="0.1.0",
        date="2026-12-01",
        token_url="http://testserver/oauth/token",
    )
    CapabilityStatement.model_validate(statement)
    resources = statement["rest"][0]["resource"]
    assert [r["type"] for r in resources] == [s.type for s in SUPPORTED]
    for resource, support in zip(resources, SUPPORTED, strict=True):
        assert [p["name"] for p in resource["searchParam"]] == [p.name for p in support.parameters]
