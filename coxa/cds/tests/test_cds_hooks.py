"""The CDS Hooks service, called the way an EHR calls it."""

import copy
import uuid

import pytest

from coxa.cds.domain.fhir import MissingPrefetchError, read_prefetch
from coxa.conftest import sign_in_request
from coxa.core.models import AuditEvent

pytestmark = pytest.mark.django_db

SNOMED, LOINC, ICD10, ATC = (
    "http://snomed.info/sct",
    "http://loinc.org",
    "http://hl7.org/fhir/sid/icd-10",
    "http://www.whocc.no/atc",
)


def bundle(*resources):
    return {
        "resourceType": "Bundle",
        "type": "searchset",
        "entry": [{"fullUrl": f"urn:uuid:{uuid.uuid4()}", "resource": r} for r in resources],
    }


def observation(code, value, unit, when="2026-10-01T09:00:00Z"):
    return {
        "resourceType": "Observation",
        "status": "final",
        "effectiveDateTime": when,
        "code": {"coding": [{"system": LOINC, "code": code}]},
        "valueQuantity": {
            "value": value,
            "unit": unit,
            "system": "http://unitsofmeasure.org",
            "code": unit,
        },
    }


LEFT = {"coding": [{"system": SNOMED, "code": "7771000", "display": "Left"}]}
RIGHT = {"coding": [{"system": SNOMED, "code": "24028007", "display": "Right"}]}
HIP_JOINT = {"coding": [{"system": SNOMED, "code": "24136001", "display": "Hip joint structure"}]}

REQUEST = {
    "hook": "patient-view",
    "hookInstance": "d1577c69-dfbe-44ad-ba6d-3e05e953b2ea",
    "fhirServer": "https://ehr.example.org/fhir",
    "context": {"userId": "Practitioner/123", "patientId": "1288992"},
    "prefetch": {
        "patient": {
            "resourceType": "Patient",
            "id": "1288992",
            "gender": "female",
            "birthDate": "1986-04-02",
        },
        "conditions": bundle(
            {
                "resourceType": "Condition",
                "id": "c1",
                "clinicalStatus": {"coding": [{"code": "active"}]},
                "code": {"coding": [{"system": ICD10, "code": "M87.0"}], "text": "Osteonecrosis"},
                # osteonecrosis can be of any bone: the body site says it is the hip's
                "bodySite": [HIP_JOINT, RIGHT],
                "stage": [{"summary": {"text": "ARCO 2019 IIIB"}}],
            },
            {
                "resourceType": "Condition",
                "id": "c2",
                "code": {"coding": [{"system": SNOMED, "code": "239872002"}]},
                "bodySite": [LEFT],
            },
        ),
        "observations": bundle(
            observation("39156-5", 41.0, "kg/m2"),
            observation("39156-5", 38.0, "kg/m2", when="2025-01-01T09:00:00Z"),
            {
                "resourceType": "Observation",
                "status": "final",
                "effectiveDateTime": "2026-10-01T09:00:00Z",
                "code": {"coding": [{"system": LOINC, "code": "85354-9"}]},
                "component": [
                    {
                        "code": {"coding": [{"system": LOINC, "code": "8480-6"}]},
                        "valueQuantity": {"value": 138, "code": "mm[Hg]"},
                    },
                    {
                        "code": {"coding": [{"system": LOINC, "code": "8462-4"}]},
                        "valueQuantity": {"value": 86, "code": "mm[Hg]"},
                    },
                ],
            },
            observation("718-7", 12.6, "g/dL"),
        ),
        "medications": bundle(
            {
                "resourceType": "MedicationStatement",
                "status": "active",
                "medicationCodeableConcept": {
                    "text": "Aspirin 75 mg",
                    "coding": [{"system": ATC, "code": "B01AC06"}],
                },
            },
        ),
        "allergies": bundle(),
    },
}


@pytest.fixture
def ehr(client, surgeon):
    from coxa.accounts.services import issue_token

    token = issue_token(username="sam", password="a-long-test-password", request=sign_in_request())

    def call(body, service="coxa-hip-decisions"):
        return client.post(
            f"/cds-services/{service}",
            body,
            content_type="application/json",
            headers={"Authorization": f"Bearer {token}"},
        )

    return call


def test_discovery_lists_the_patient_view_service(client):
    services = client.get("/cds-services").json()["services"]
    assert [(s["id"], s["hook"]) for s in services] == [("coxa-hip-decisions", "patient-view")]
    assert services[0]["prefetch"]["patient"] == "Patient/{{context.patientId}}"
    assert all(s["description"] for s in services)


def test_one_card_per_hip_with_reasons_and_sources(ehr):
    response = ehr(REQUEST)
    assert response.status_code == 200
    cards = response.json()["cards"]
    assert len(cards) == 2
    left, right = cards
    assert left["summary"].startswith("Left hip: BHR not suitable")  # a woman: MHRA 2015
    assert right["summary"] == (
        "Right hip: core decompression not suitable; consider hip replacement; "
        "optimise before surgery"
    )
    for card in cards:
        assert len(card["summary"]) < 140
        assert card["indicator"] in ("info", "warning", "critical")
        assert card["source"]["label"]
        assert "detail" in card
        assert card["detail"].startswith("**Candidacy")
        assert None not in card.values()
    assert right["indicator"] == "warning"
    assert "ARCO 2019 IIIB" in right["detail"]
    assert "BMI 41" in right["detail"]  # the latest BMI, not the older one
    assert AuditEvent.objects.filter(action="cds.patient-view").count() == 1


def test_missing_prefetch_is_a_precondition_failure(ehr):
    body = copy.deepcopy(REQUEST)
    del body["prefetch"]["patient"]
    assert ehr(body).status_code == 412
    body = copy.deepcopy(REQUEST)
    body["prefetch"]["conditions"] = {"resourceType": "OperationOutcome", "issue": []}
    assert ehr(body).status_code == 412


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"hook": "order-sign"}, "hook must be"),
        ({"hookInstance": ""}, "hookInstance"),
        ({"context": {"userId": "Practitioner/1"}}, "context.patientId"),
    ],
)
def test_malformed_requests_are_refused(ehr, change, message):
    response = ehr(REQUEST | change)
    assert response.status_code == 400
    assert message in response.json()["issue"][0]["diagnostics"]


def test_unknown_service_and_missing_credentials(client, ehr):
    assert ehr(REQUEST, service="nope").status_code == 404
    unauthenticated = client.post(
        "/cds-services/coxa-hip-decisions", REQUEST, content_type="application/json"
    )
    assert unauthenticated.status_code == 401


def test_no_recognised_hip_condition_gives_no_cards(ehr):
    body = copy.deepcopy(REQUEST)
    body["prefetch"]["conditions"] = bundle()
    assert ehr(body).json() == {"cards": []}


def test_unreadable_units_are_dropped_and_noted(ehr):
    body = copy.deepcopy(REQUEST)
    body["prefetch"]["observations"] = bundle(observation("39156-5", 15, "[stone]"))
    right = ehr(body).json()["cards"][1]
    assert "not used: bmi: unit '[stone]' is not accepted" in right["detail"]


def _read(**prefetch_changes):
    import datetime as dt

    prefetch = copy.deepcopy(REQUEST["prefetch"])
    prefetch.update(prefetch_changes)
    return read_prefetch(prefetch, today=dt.date(2026, 11, 22))


def _medicine(text, *codings):
    return {
        "resourceType": "MedicationRequest",
        "status": "active",
        "medicationCodeableConcept": {"text": text, "coding": list(codings)},
    }


def test_a_medicine_coxa_cannot_read_is_kept_as_not_coded_never_dropped():
    found = _read(medications=bundle(_medicine("Tablet X")))
    assert found.medications == [{"name": "Tablet X", "class": "other"}]
    assert found.unclassified_medicines == ["Tablet X"]


@pytest.mark.parametrize(
    ("system", "code"),
    [(SNOMED, "108979001"), ("https://dmd.nhs.uk", "108979001"), (ATC, "B01AC04")],
)
def test_a_dmd_coded_clopidogrel_is_read_as_its_atc_code(system, code):
    found = _read(
        medications=bundle(_medicine("Clopidogrel 75 mg", {"system": system, "code": code}))
    )
    assert found.medications == [
        {"name": "Clopidogrel 75 mg", "class": "antiplatelet", "atc": "B01AC04"}
    ]
    assert found.unclassified_medicines == []


def _allergy(code=None, text="Nickel", clinical="active", verification="confirmed"):
    return {
        "resourceType": "AllergyIntolerance",
        "code": {"text": text, "coding": [{"system": SNOMED, "code": code}] if code else []},
        "clinicalStatus": {
            "coding": [
                {
                    "system": "http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical",
                    "code": clinical,
                }
            ]
        },
        "verificationStatus": {
            "coding": [
                {
                    "system": "http://terminology.hl7.org/CodeSystem/"
                    "allergyintolerance-verification",
                    "code": verification,
                }
            ]
        },
    }


def test_allergies_are_read_with_their_substance_code_and_status():
    found = _read(
        allergies=bundle(
            _allergy("33396006"),
            _allergy("33396006", clinical="inactive"),
            _allergy("54808007", text="Cobalt", verification="refuted"),
            _allergy("111070004", text="Chromium", verification="entered-in-error"),
            _allergy(None, text="Metal allergy (jewellery)"),
            _allergy("419788000", text="Allergy to nickel"),  # a finding: not on the list
        )
    )
    assert found.allergies == [
        {"substance": "Nickel", "status": "active", "code": "33396006"},
        {"substance": "Nickel", "status": "inactive", "code": "33396006"},
        {"substance": "Cobalt", "status": "refuted", "code": "54808007"},
        {"substance": "Metal allergy (jewellery)", "status": "active"},
        {"substance": "Allergy to nickel", "status": "active"},
    ]


def _left_card(ehr, **prefetch_changes):
    body = copy.deepcopy(REQUEST)
    body["prefetch"]["patient"]["gender"] = "male"
    body["prefetch"].update(prefetch_changes)
    cards = ehr(body).json()["cards"]
    return next(c for c in cards if c["summary"].startswith("Left hip"))


def test_a_refuted_inactive_nickel_allergy_does_not_rule_out_resurfacing(ehr):
    refuted = _left_card(
        ehr, allergies=bundle(_allergy("33396006", clinical="inactive", verification="refuted"))
    )
    active = _left_card(ehr, allergies=bundle(_allergy("33396006")))
    assert (
        "metal" not in refuted["detail"].lower() or "sensitivity to nickel" not in refuted["detail"]
    )
    assert "Known sensitivity to nickel" in active["detail"]


def test_hba1c_in_mmol_mol_by_its_ifcc_loinc_code_is_read():
    found = _read(observations=bundle(observation("59261-8", 58, "mmol/mol")))
    assert found.observations["hba1c"]["value"] == 58


def test_conditions_without_a_side_are_flagged(ehr):
    body = copy.deepcopy(REQUEST)
    for entry in body["prefetch"]["conditions"]["entry"]:
        entry["resource"].pop("bodySite")
    cards = ehr(body).json()["cards"]
    assert len(cards) == 1
    assert "without a recorded side" in cards[0]["summary"]


def test_refuted_conditions_are_ignored():
    import datetime as dt

    prefetch = copy.deepcopy(REQUEST["prefetch"])
    prefetch["conditions"]["entry"][0]["resource"]["verificationStatus"] = {
        "coding": [{"code": "refuted"}]
    }
    assert set(read_prefetch(prefetch, today=dt.date(2026, 11, 22)).hips) == {"left"}
    with pytest.raises(MissingPrefetchError):
        read_prefetch({}, today=dt.date(2026, 11, 22))


def test_a_caution_is_a_warning_card_never_a_plain_suitable():
    # Issue 10: BHR with inflammatory arthritis was "indicated", shown as an info card,
    # although a finding said it is outside the indication.
    from coxa.catalogue.loader import get_catalogue
    from coxa.cds.domain.cards import card
    from coxa.decisions.domain.document import read_document
    from coxa.decisions.domain.engine import evaluate
    from coxa.decisions.domain.findings import Candidacy

    catalogue = get_catalogue()
    document = {
        "procedure": "bhr",
        "patient": {"sex": "male", "age_years": 44, "metal_sensitivity": False},
        "hip": {
            "side": "left",
            "diagnosis": "inflammatory-arthritis",
            "templated_head_size_mm": 52,
            "acetabular_bone_stock": "adequate",
        },
        "observations": {"egfr": {"value": 90, "unit": "mL/min/{1.73_m2}"}},
        "medications": [],
        "allergies": [],
    }
    decision = evaluate(
        read_document(document, procedure_codes=tuple(catalogue.procedures)), catalogue
    )
    assert decision.candidacy is Candidacy.CAUTION
    shown = card("left", decision, [], catalogue)
    assert shown["indicator"] == "warning"
    assert "suitable only with cautions" in shown["summary"]
    assert "*caution*: Inflammatory arthritis is outside the indication" in shown["detail"]


@pytest.mark.parametrize(
    ("raw", "status"),
    [
        (
            '{"hook": "patient-view", "hookInstance": "a\\ud800b", "context": {"patientId": "1"}}',
            400,
        ),
        ("[" * 100_000 + "]" * 100_000, 400),
        (b'{"hook": "\xff"}', 400),
        ('{"hook": ' + "9" * 5000 + "}", 400),
        (
            '{"hook": "patient-view", "hookInstance": "a\\u0000b", "context": {"patientId": "1"}}',
            400,
        ),
    ],
    ids=["lone-surrogate", "nested-too-deep", "not-utf8", "huge-number", "nul"],
)
def test_hostile_bodies_are_refused_in_json_never_a_500(ehr, raw, status):
    # Issue 11: each of these answered 500 from the CDS service.
    response = ehr(raw)
    assert response.status_code == status
    assert response.json()["resourceType"] == "OperationOutcome"


def test_the_service_answers_get_and_oversized_bodies_in_json(client, ehr, settings):
    got = client.get("/cds-services/coxa-hip-decisions")
    assert got.status_code == 405
    assert got["Allow"] == "POST, OPTIONS"
    assert got.json()["resourceType"] == "OperationOutcome"
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    large = ehr('{"hook": "' + "x" * 5000 + '"}')
    assert large.status_code == 413
    assert large.json()["resourceType"] == "OperationOutcome"
