"""After the operation through FHIR: questionnaire responses, their scores, blood metal levels."""

import datetime as dt

import pytest
from django.test import Client
from fhir.resources.R4B import get_fhir_model_class

from coxa.conftest import token_for
from coxa.core.audit import Via
from coxa.outcomes.services.responses import record_response, strike_out_response
from coxa.surveillance.domain.inputs import MetalIonsIn
from coxa.surveillance.services import records
from tests.journeys import at_time, walk_to

pytestmark = pytest.mark.django_db
OPERATED = dt.date(2025, 3, 3)
HOOS = {
    "pain-stairs": 1,
    "pain-uneven-ground": 1,
    "rising-from-sitting": 0,
    "bending-to-floor": 2,
    "lying-in-bed": 0,
    "sitting": 0,
}


@pytest.fixture
def followed(surgeon, bert):
    """Bert's resurfaced hip, a questionnaire at six weeks and a blood test at a year."""
    hip = walk_to(
        "recovering",
        patient=bert,
        by=surgeon,
        listed_on=OPERATED - dt.timedelta(days=21),
        operated_on=OPERATED,
    )
    six_weeks = OPERATED + dt.timedelta(days=42)
    with at_time(six_weeks):
        response = record_response(
            episode=hip,
            instrument="hoos-jr",
            answers=HOOS,
            completed_on=six_weeks,
            by=surgeon,
            via=Via.WEB,
        )
    year = OPERATED + dt.timedelta(days=360)
    with at_time(year):
        levels = records.record_metal_ions(
            episode=hip,
            entry=MetalIonsIn.model_validate(
                {
                    "sampled_on": year,
                    "matrix": "whole-blood",
                    "laboratory": "Lab",
                    "cobalt": {"value": 119, "unit": "nmol/L"},
                    "chromium": {"value": 1.2, "unit": "ug/L"},
                }
            ),
            by=surgeon,
            via=Via.WEB,
        )
    return {"hip": hip, "response": response, "levels": levels}


def get(user, path):
    return Client().get(path, headers={"Authorization": f"Bearer {token_for(user)}"})


def matches(bundle):
    return [e["resource"] for e in bundle["entry"] if e["search"]["mode"] == "match"]


def valid(resource):
    get_fhir_model_class(resource["resourceType"]).model_validate(resource)
    return resource


def test_a_questionnaire_reads_item_by_item(followed, nurse, bert):
    (shown,) = matches(get(nurse, f"/fhir/QuestionnaireResponse?patient={bert.public_id}").json())
    valid(shown)
    assert shown["questionnaire"] == "urn:coxa:questionnaire:hoos-jr"
    assert shown["authored"] == "2025-04-14"
    answers = {i["linkId"]: i["answer"][0]["valueInteger"] for i in shown["item"]}
    assert answers == HOOS


def test_observations_merge_clinic_scores_and_metal_levels_newest_first(followed, nurse, bert):
    shown = matches(get(nurse, f"/fhir/Observation?patient={bert.public_id}").json())
    for resource in shown:
        valid(resource)
    assert [r["effectiveDateTime"] for r in shown] == sorted(
        (r["effectiveDateTime"] for r in shown), reverse=True
    )
    levels = followed["levels"]
    cobalt = next(r for r in shown if r["id"] == f"{levels.public_id}-cobalt")
    assert cobalt["valueQuantity"]["code"] == "ug/L"
    assert cobalt["valueQuantity"]["value"] == pytest.approx(7.013, abs=0.001)  # from nmol/L
    score = next(r for r in shown if r["id"] == str(followed["response"].public_id))
    assert score["valueQuantity"]["value"] == followed["response"].score
    assert score["derivedFrom"][0]["reference"].startswith("QuestionnaireResponse/")
    for resource in (cobalt, score):
        assert get(nurse, f"/fhir/Observation/{resource['id']}").json() == resource


def test_searching_by_code_finds_one_kind(followed, nurse, bert):
    base = f"/fhir/Observation?patient={bert.public_id}&code="
    chromium = matches(get(nurse, base + "urn:coxa:code-system:observation|chromium").json())
    assert [r["id"] for r in chromium] == [f"{followed['levels'].public_id}-chromium"]
    scores = matches(get(nurse, base + "urn:coxa:code-system:instrument-score|hoos-jr").json())
    assert [r["id"] for r in scores] == [str(followed["response"].public_id)]
    bmi = matches(get(nurse, base + "http://loinc.org|39156-5").json())
    assert len(bmi) == 1
    assert bmi[0]["code"]["coding"][0]["code"] == "39156-5"


def test_pages_of_merged_observations_cover_each_once(followed, nurse, bert):
    every = matches(get(nurse, f"/fhir/Observation?patient={bert.public_id}").json())
    seen, page = [], 1
    while True:
        path = f"/fhir/Observation?patient={bert.public_id}&_count=2&_page={page}"
        bundle = get(nurse, path).json()
        seen += [r["id"] for r in matches(bundle)]
        if not any(link["relation"] == "next" for link in bundle["link"]):
            break
        page += 1
    assert seen == [r["id"] for r in every]


def test_a_struck_out_questionnaire_leaves_fhir(followed, surgeon, nurse, bert):
    response = followed["response"]
    strike_out_response(
        episode=followed["hip"],
        response_id=response.public_id,
        reason="entered on the wrong hip",
        by=surgeon,
        via=Via.WEB,
    )
    assert matches(get(nurse, f"/fhir/QuestionnaireResponse?patient={bert.public_id}").json()) == []
    assert get(nurse, f"/fhir/QuestionnaireResponse/{response.public_id}").status_code == 404
    assert get(nurse, f"/fhir/Observation/{response.public_id}").status_code == 404
