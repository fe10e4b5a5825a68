"""The FHIR API through HTTP: every resource valid, each role's reach, audit, paging, errors."""

import datetime as dt
import uuid
from urllib.parse import urlencode

import pytest
from django.test import Client
from fhir.resources.R4B import get_fhir_model_class

from coxa.conftest import token_for
from coxa.core.models import AuditEvent
from tests.journeys import walk_to

pytestmark = pytest.mark.django_db
LISTED_ON = dt.date(2026, 1, 5)


def get(user, path, **headers):
    if user is not None:
        headers["Authorization"] = f"Bearer {token_for(user)}"
    return Client().get(path, headers=headers)


@pytest.fixture
def hips(surgeon, bert, ada):
    """Bert's operated BHR and Ada's operated core decompression (Ada has an account)."""
    return {
        "bert": walk_to("recovering", patient=bert, by=surgeon, listed_on=LISTED_ON),
        "ada": walk_to(
            "recovering",
            patient=ada,
            by=surgeon,
            listed_on=LISTED_ON,
            procedure="core-decompression",
            side="right",
        ),
    }


def resources(bundle):
    return [e["resource"] for e in bundle["entry"] if e["search"]["mode"] == "match"]


def valid(resource):
    get_fhir_model_class(resource["resourceType"]).model_validate(resource)
    return resource


def test_metadata_is_public_and_valid():
    response = Client().get("/fhir/metadata")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/fhir+json")
    assert valid(response.json())["fhirVersion"] == "4.0.1"


TYPES = [
    "CarePlan",
    "EpisodeOfCare",
    "Condition",
    "Observation",
    "AllergyIntolerance",
    "MedicationStatement",
    "Procedure",
    "Device",
]


@pytest.mark.parametrize("type_", TYPES)
def test_every_resource_of_a_patient_validates_and_reads_back(type_, hips, nurse, bert):
    bundle = get(nurse, f"/fhir/{type_}?patient=Patient/{bert.public_id}").json()
    valid(bundle)
    found = resources(bundle)
    if type_ not in ("AllergyIntolerance", "MedicationStatement"):
        assert found, f"no {type_} for an operated hip"
    for resource in found:
        valid(resource)
        subject = resource.get("subject") or resource.get("patient")
        assert subject["reference"] == f"Patient/{bert.public_id}"
        again = get(nurse, f"/fhir/{type_}/{resource['id']}")
        assert again.status_code == 200
        assert again.json() == resource


def test_the_hip_reads_as_one_story(hips, nurse, bert):
    episode = hips["bert"]
    care = get(nurse, f"/fhir/EpisodeOfCare/{episode.public_id}").json()
    assert care["status"] == "active"
    assert care["diagnosis"][0]["condition"]["reference"] == f"Condition/{episode.public_id}"
    condition = get(nurse, f"/fhir/Condition/{episode.public_id}").json()
    assert condition["code"]["coding"][0]["code"] == "239872002"
    assert condition["bodySite"][1]["coding"][0]["code"] == "7771000"  # left
    procedure = resources(get(nurse, f"/fhir/Procedure?patient={bert.public_id}").json())[0]
    devices = resources(get(nurse, f"/fhir/Device?patient={bert.public_id}").json())
    assert {d["manipulated"]["reference"] for d in procedure["focalDevice"]} == {
        f"Device/{d['id']}" for d in devices
    }
    assert all(d["lotNumber"] and d["manufacturer"] for d in devices)


def test_avascular_necrosis_carries_its_side_and_stage(hips, nurse, ada):
    condition = get(nurse, f"/fhir/Condition/{hips['ada'].public_id}").json()
    assert condition["code"]["coding"][0]["code"] == "M87"
    assert condition["bodySite"][1]["coding"][0]["code"] == "24028007"  # right
    assert condition["stage"][0]["summary"]["text"] == "ARCO 2019 II"


def test_observations_are_coded_in_loinc_with_ucum_units(hips, nurse, bert):
    bundle = get(
        nurse, f"/fhir/Observation?patient={bert.public_id}&code=http://loinc.org|718-7"
    ).json()
    (haemoglobin,) = resources(bundle)
    assert haemoglobin["code"]["coding"][0] == {
        "system": "http://loinc.org",
        "code": "718-7",
        "display": "Hemoglobin [Mass/volume] in Blood",
    }
    assert haemoglobin["valueQuantity"]["code"] == "g/L"
    assert bundle["total"] == 1


def test_a_patient_reads_only_their_own(hips, ada_user, ada, bert):
    own = get(ada_user, f"/fhir/Patient/{ada.public_id}")
    assert own.status_code == 200
    assert own.json()["id"] == str(ada.public_id)
    other = get(ada_user, f"/fhir/Patient/{bert.public_id}")
    assert other.status_code == 404
    assert other.json()["resourceType"] == "OperationOutcome"
    episode = get(ada_user, f"/fhir/EpisodeOfCare/{hips['bert'].public_id}")
    assert episode.status_code == 404
    searched = get(ada_user, f"/fhir/Observation?patient={bert.public_id}").json()
    assert resources(searched) == []
    everyone = resources(get(ada_user, "/fhir/Patient").json())
    assert [p["id"] for p in everyone] == [str(ada.public_id)]
    assert AuditEvent.objects.filter(actor=ada_user, action="access.refused").count() == 2


def test_an_analyst_and_a_stranger_are_refused(hips, analyst, bert):
    assert get(analyst, f"/fhir/Patient/{bert.public_id}").status_code == 403
    stranger = get(None, f"/fhir/Patient/{bert.public_id}")
    assert stranger.status_code == 401
    assert stranger["WWW-Authenticate"] == "Bearer"
    assert stranger.json()["issue"][0]["code"] == "login"
    forged = Client().get("/fhir/Patient", headers={"Authorization": "Bearer coxa_forged"})
    assert forged.status_code == 401


def test_every_read_and_search_is_audited_naming_what_was_shown(hips, nurse, bert):
    get(nurse, f"/fhir/Patient/{bert.public_id}")
    read = AuditEvent.objects.filter(actor=nurse, action="fhir.read").get()
    assert read.patient_id == bert.public_id
    bundle = get(nurse, f"/fhir/Observation?patient={bert.public_id}").json()
    searched = AuditEvent.objects.filter(actor=nurse, action="fhir.search").get()
    assert searched.details["shown"] == [r["id"] for r in resources(bundle)]
    assert searched.patient_id == bert.public_id


def test_patients_are_found_by_nhs_and_hospital_number(hips, nurse, bert):
    by_nhs = get(
        nurse, "/fhir/Patient?identifier=https://fhir.nhs.uk/Id/nhs-number|9434765919"
    ).json()
    assert [p["id"] for p in resources(by_nhs)] == [str(bert.public_id)]
    by_hospital = get(
        nurse, f"/fhir/Patient?identifier=urn:coxa:hospital-number|{bert.hospital_number}"
    )
    assert [p["id"] for p in resources(by_hospital.json())] == [str(bert.public_id)]
    nobody = get(nurse, "/fhir/Patient?identifier=https://fhir.nhs.uk/Id/nhs-number|0000000000")
    assert resources(nobody.json()) == []
    assert nobody.json()["total"] == 0


def test_pages_link_to_each_other_and_cover_every_match_once(hips, nurse, bert):
    first = get(nurse, f"/fhir/Observation?patient={bert.public_id}&_count=2").json()
    seen, bundle = [], first
    while True:
        seen += [r["id"] for r in resources(bundle)]
        following = [link["url"] for link in bundle["link"] if link["relation"] == "next"]
        if not following:
            break
        bundle = get(nurse, following[0].removeprefix("http://testserver")).json()
    everything = resources(get(nurse, f"/fhir/Observation?patient={bert.public_id}").json())
    assert len(seen) == len(set(seen)) == len(everything) > 2
    assert "total" not in first


@pytest.mark.parametrize(
    ("path", "status", "issue"),
    [
        ("/fhir/Observation?code=bmi", 400, "invalid"),
        ("/fhir/Observation?patient=x&date=2026-13-01", 400, "invalid"),
        ("/fhir/Encounter?patient=x", 404, "not-found"),
        ("/fhir/Observation/not-an-id", 404, "not-found"),
        (f"/fhir/Patient/{uuid.UUID(int=5)}", 404, "not-found"),
        ("/fhir/", 405, "not-supported"),
        ("/fhir/Observation?patient=x%00", 400, "invalid"),
    ],
)
def test_errors_are_operation_outcomes(nurse, path, status, issue):
    response = get(nurse, path)
    assert response.status_code == status
    body = valid(response.json())
    assert body["resourceType"] == "OperationOutcome"
    assert body["issue"][0]["code"] == issue
    assert body["issue"][0]["diagnostics"]


def test_strict_handling_refuses_an_unknown_parameter_and_lenient_warns(hips, nurse, bert):
    path = f"/fhir/Observation?patient={bert.public_id}&_sort=-date"
    strict = get(nurse, path, Prefer="handling=strict")
    assert strict.status_code == 400
    assert "_sort" in strict.json()["issue"][0]["diagnostics"]
    lenient = get(nurse, path).json()
    outcome = [e for e in lenient["entry"] if e["search"]["mode"] == "outcome"]
    assert outcome
    assert "_sort" in outcome[0]["resource"]["issue"][0]["diagnostics"]


def test_the_api_is_read_only(nurse, bert):
    response = Client().post(
        "/fhir/Patient",
        "{}",
        content_type="application/fhir+json",
        headers={"Authorization": f"Bearer {token_for(nurse)}"},
    )
    assert response.status_code == 405
    assert response["Allow"] == "GET"


def _queries(client, path):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        assert client.get(path).status_code == 200
    return len(captured)


def test_a_search_costs_the_same_queries_for_one_hip_and_two(surgeon, nurse, bert):
    walk_to("recovering", patient=bert, by=surgeon, listed_on=LISTED_ON)
    client = Client(headers={"Authorization": f"Bearer {token_for(nurse)}"})
    client.get(f"/fhir/Patient/{bert.public_id}")  # the token's first use is recorded once
    one = {t: _queries(client, f"/fhir/{t}?patient={bert.public_id}") for t in TYPES}
    walk_to("recovering", patient=bert, by=surgeon, listed_on=LISTED_ON, side="right")
    two = {t: _queries(client, f"/fhir/{t}?patient={bert.public_id}") for t in TYPES}
    assert one == two
    assert max(one.values()) <= 8


def test_a_corrected_value_replaces_the_old_one_which_is_gone(hips, surgeon, nurse, bert):
    from coxa.assessment.domain.entries import Kind
    from coxa.assessment.models import Observation
    from coxa.assessment.services.entries import record_entry
    from coxa.core.audit import Via

    old = Observation.objects.get(patient=bert, code="haemoglobin", is_current=True)
    new = record_entry(
        kind=Kind.OBSERVATION,
        episode=hips["bert"],
        payload={"code": "haemoglobin", "value": 139, "unit": "g/L", "observed_on": old.on},
        by=surgeon,
        via=Via.WEB,
        corrects=str(old.public_id),
        reason="typed from the wrong report",
    )
    path = f"/fhir/Observation?patient={bert.public_id}&code=http://loinc.org|718-7"
    (shown,) = resources(get(nurse, path).json())
    assert shown["id"] == str(new.public_id)
    assert shown["status"] == "corrected"
    assert shown["valueQuantity"]["value"] == 139
    assert get(nurse, f"/fhir/Observation/{old.public_id}").status_code == 404


def test_an_unsigned_note_is_no_procedure_and_its_implants_no_devices(surgeon, nurse, bert):
    from coxa.core.audit import Via
    from coxa.surgery.services import notes
    from tests.journeys import admit, at_time, operation_note

    episode = walk_to("scheduled", patient=bert, by=surgeon, listed_on=LISTED_ON)
    day = LISTED_ON + dt.timedelta(days=21)
    with at_time(day, 8):
        admit(episode, surgeon, day)
    with at_time(day, 11):
        notes.write_note(
            episode=episode,
            note=operation_note(episode.procedure, episode.side, day),
            surgeon=surgeon,
            by=surgeon,
            via=Via.WEB,
        )
    for type_ in ("Procedure", "Device"):
        bundle = get(nurse, f"/fhir/{type_}?patient={bert.public_id}").json()
        assert resources(bundle) == [], type_


def test_the_care_plan_is_the_plan_the_patient_has(hips, ada_user, ada):
    from coxa.surgery.selectors import signed_plan, stored_plan

    hip = hips["ada"]
    plan = signed_plan(stored_plan(hip))
    resource = get(ada_user, f"/fhir/CarePlan/{hip.public_id}").json()
    assert resource["status"] == "active"
    assert resource["period"]["start"] == plan.operation_on.isoformat()
    phases = [a["detail"] for a in resource["activity"] if a["detail"]["kind"] == "ServiceRequest"]
    assert [(p["code"]["text"], p["scheduledPeriod"]["end"]) for p in phases] == [
        (p.title, p.ends_on.isoformat()) for p in plan.phases
    ]
    visits = [a["detail"] for a in resource["activity"] if a["detail"]["kind"] == "Appointment"]
    assert [v["scheduledPeriod"]["start"] for v in visits] == [
        a.due_on.isoformat() for a in plan.appointments
    ]
    assert all("Weight bearing:" in p["description"] for p in phases)


SAMPLE = {
    "date": "ge2000-01-01",
    "authored": "ge2000-01-01",
    "code": "http://loinc.org|718-7",
    "identifier": "https://fhir.nhs.uk/Id/nhs-number|9434765919",
}


def test_every_search_parameter_the_capability_statement_declares_is_searched(hips, nurse, bert):
    statement = Client().get("/fhir/metadata").json()
    exercised = 0
    for resource in statement["rest"][0]["resource"]:
        type_ = resource["type"]
        assert {i["code"] for i in resource["interaction"]} == {"read", "search-type"}
        for parameter in resource["searchParam"]:
            name = parameter["name"]
            value = {"patient": f"Patient/{bert.public_id}", "_id": str(bert.public_id)}.get(
                name, SAMPLE.get(name)
            )
            query = {name: value}
            if name != "patient" and type_ != "Patient" and name != "_id":
                query["patient"] = str(bert.public_id)
            answer = get(nurse, f"/fhir/{type_}?" + urlencode(query), Prefer="handling=strict")
            assert answer.status_code == 200, (type_, name, answer.content)
            assert answer.json()["resourceType"] == "Bundle"
            exercised += 1
    assert exercised >= 20
