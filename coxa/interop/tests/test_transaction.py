"""POST /fhir/: a transaction keeps all or nothing; a batch keeps each patient that stands."""

import json
import uuid

import pytest
from django.test import Client

from coxa.assessment.models import Observation
from coxa.conftest import token_for
from coxa.pathways.models import Episode
from coxa.patients.models import Patient

pytestmark = pytest.mark.django_db


def post(user, bundle):
    headers = {"Authorization": f"Bearer {token_for(user)}"} if user else {}
    return Client().post(
        "/fhir/", json.dumps(bundle), content_type="application/fhir+json", headers=headers
    )


def patient_entries(family, nhs, haemoglobin):
    """A new patient (fullUrl urn:uuid, as a transaction names what it creates), a hip, a result."""
    full = f"urn:uuid:{uuid.uuid4()}"
    return [
        {
            "fullUrl": full,
            "resource": {
                "resourceType": "Patient",
                "name": [{"family": family, "given": ["Sam"]}],
                "gender": "male",
                "birthDate": "1968-04-05",
                "identifier": [{"system": "https://fhir.nhs.uk/Id/nhs-number", "value": nhs}],
            },
            "request": {"method": "POST", "url": "Patient"},
        },
        {
            "fullUrl": f"urn:uuid:{uuid.uuid4()}",
            "resource": {
                "resourceType": "EpisodeOfCare",
                "status": "waitlist",
                "patient": {"reference": full},
                "extension": [{"url": "urn:coxa:extension:hip-side", "valueCode": "left"}],
                "type": [{"coding": [{"system": "urn:coxa:code-system:procedure", "code": "bhr"}]}],
                "period": {"start": "2026-01-05"},
            },
            "request": {"method": "POST", "url": "EpisodeOfCare"},
        },
        {
            "fullUrl": f"urn:uuid:{uuid.uuid4()}",
            "resource": {
                "resourceType": "Observation",
                "status": "final",
                "subject": {"reference": full},
                "code": {"coding": [{"system": "http://loinc.org", "code": "718-7"}]},
                "effectiveDateTime": "2026-01-06",
                "valueQuantity": {"value": haemoglobin, "code": "g/L"},
            },
            "request": {"method": "POST", "url": "Observation"},
        },
    ]


def bundle(kind, *entries):
    return {
        "resourceType": "Bundle",
        "type": kind,
        "entry": [e for group in entries for e in group],
    }


def test_a_transaction_registers_opens_and_records(nurse):
    answer = post(nurse, bundle("transaction", patient_entries("Vale", "9434765870", 131)))
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert body["type"] == "transaction-response"
    assert [e["response"]["status"] for e in body["entry"]] == ["201 Created"] * 3
    patient = Patient.objects.get(family_name="Vale")
    assert Episode.objects.get(patient=patient).side == "left"
    assert Observation.objects.get(patient=patient, code="haemoglobin").value == 131


def test_a_transaction_with_one_refusal_keeps_nothing(nurse):
    good = patient_entries("Vale", "9434765870", 131)
    bad = patient_entries("Rowe", "9434765919", 900)  # an implausible haemoglobin
    answer = post(nurse, bundle("transaction", good, bad))
    assert answer.status_code == 400
    assert "nothing was kept" in answer.json()["issue"][0]["diagnostics"]
    assert not Patient.objects.exists()


def test_a_batch_keeps_each_patient_that_stands(nurse):
    good = patient_entries("Vale", "9434765870", 131)
    bad = patient_entries("Rowe", "9434765919", 900)
    answer = post(nurse, bundle("batch", good, bad))
    assert answer.status_code == 200
    statuses = [e["response"]["status"] for e in answer.json()["entry"]]
    assert statuses[:3] == ["201 Created"] * 3
    assert statuses[3:] == ["400 Bad Request"] * 3
    assert list(Patient.objects.values_list("family_name", flat=True)) == ["Vale"]


def test_who_may_import(analyst, ada_user, connected_system, nurse):
    entries = bundle("batch", patient_entries("Vale", "9434765870", 131))
    assert post(analyst, entries).status_code == 403
    assert post(ada_user, entries).status_code == 403
    assert post(None, entries).status_code == 401
    assert not Patient.objects.filter(family_name="Vale").exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"resourceType": "Patient"}, "resourceType"),
        ({"resourceType": "Bundle", "type": "collection"}, "type"),
    ],
)
def test_a_body_that_is_not_a_transaction_is_refused(nurse, body, field):
    answer = post(nurse, body)
    assert answer.status_code == 400
    assert answer.json()["issue"][0]["expression"] == [field]


def test_only_post(nurse):
    answer = Client().get("/fhir/", headers={"Authorization": f"Bearer {token_for(nurse)}"})
    assert answer.status_code == 405
