"""Review of the FHIR API, bulk export and import (issue 19): one test a finding.

A finding fixed here is an ordinary test. One left for a decision is marked ``xfail(strict)``:
it shows the defect today and fails the day it is fixed, when its mark goes.
"""

import datetime as dt
import json

import pytest
from django.test import Client

from coxa.assessment.domain.entries import Kind
from coxa.assessment.models import Allergy, Medication, Observation
from coxa.assessment.services.entries import record_entry
from coxa.conftest import token_for
from coxa.core import clock
from coxa.core.audit import Via
from coxa.interop.documents.clinical import observation as observation_resource
from coxa.interop.services.imports import import_resources
from coxa.interop.tests.test_bulk_export import ASYNC, smart_token
from coxa.outcomes.services.endpoints import record_death
from coxa.pathways import services as pathways
from coxa.patients.models import Patient
from coxa.surgery.services.addenda import add_addendum
from coxa.surgery.services.recovery import adjust_plan
from tests.journeys import at_time, walk_to

pytestmark = pytest.mark.django_db
NHS = "https://fhir.nhs.uk/Id/nhs-number"
HOSPITAL = "urn:coxa:hospital-number"
LISTED_ON = dt.date(2026, 1, 5)


def get(user, path):
    return Client().get(path, headers={"Authorization": f"Bearer {token_for(user)}"})


def post(user, bundle):
    return Client(raise_request_exception=False).post(
        "/fhir/",
        json.dumps(bundle),
        content_type="application/fhir+json",
        headers={"Authorization": f"Bearer {token_for(user)}"},
    )


def bundle(kind, *resources):
    entries = [
        {"resource": r, "request": {"method": "POST", "url": r["resourceType"]}} for r in resources
    ]
    return {"resourceType": "Bundle", "type": kind, "entry": entries}


def patient(id_="p", *, nhs="9434765919", born="1971-03-14", family="Okafor", **more):
    """Bert Okafor as another system sends him (bert: NHS 943 476 5919, H100200, 14 Mar 1971)."""
    return {
        "resourceType": "Patient",
        "id": id_,
        "name": [{"family": family, "given": ["Bert"]}],
        "gender": "male",
        "birthDate": born,
        "identifier": [{"system": NHS, "value": nhs}] if nhs else [],
        **more,
    }


def allergy(id_="a", *, substance="Penicillin", clinical="active", verification="confirmed"):
    return {
        "resourceType": "AllergyIntolerance",
        "id": id_,
        "patient": {"reference": "Patient/p"},
        "clinicalStatus": {"coding": [{"code": clinical}]},
        "verificationStatus": {"coding": [{"code": verification}]},
        "code": {"text": substance},
        "recordedDate": "2026-01-06",
    }


def medicine(id_="m", *, name="Glucosamine 500 mg", status="active"):
    return {
        "resourceType": "MedicationStatement",
        "id": id_,
        "status": status,
        "subject": {"reference": "Patient/p"},
        "medicationCodeableConcept": {"text": name},
        "dateAsserted": "2026-01-06",
    }


def measurement(id_="o", *, value=131, unit="g/L", code="718-7", **quantity):
    return {
        "resourceType": "Observation",
        "id": id_,
        "status": "final",
        "subject": {"reference": "Patient/p"},
        "code": {"coding": [{"system": "http://loinc.org", "code": code}]},
        "effectiveDateTime": "2026-01-06",
        "valueQuantity": {"value": value, "code": unit, **quantity},
    }


def hip(id_="e", *, status="waitlist"):
    return {
        "resourceType": "EpisodeOfCare",
        "id": id_,
        "status": status,
        "patient": {"reference": "Patient/p"},
        "extension": [{"url": "urn:coxa:extension:hip-side", "valueCode": "left"}],
        "type": [{"coding": [{"system": "urn:coxa:code-system:procedure", "code": "bhr"}]}],
        "period": {"start": "2026-01-05"},
    }


def results(outcomes):
    return {(o.type, o.id): o.result for o in outcomes}


@pytest.fixture
def listed(surgeon, bert):
    """Bert's left hip, listed for BHR: an open hip for imported entries to go under."""
    return walk_to("listed", patient=bert, by=surgeon, listed_on=LISTED_ON)


# --- 1. Wrong patient: a number alone matched, whatever the birth date or the other number


def test_a_number_naming_a_patient_born_on_another_day_is_not_matched(listed, nurse, bert):
    outcomes = import_resources(
        [patient(born="1990-01-01", family="Stranger"), allergy()], by=nurse
    )
    assert results(outcomes)[("Patient", "p")] == "refused"
    assert "date of birth" in next(o.message for o in outcomes if o.type == "Patient")
    assert not Allergy.objects.filter(patient=bert).exists()


def test_a_hospital_number_match_with_another_nhs_number_is_refused(listed, nurse, bert):
    other = patient(
        nhs="9434765870",
        identifier=[
            {"system": NHS, "value": "9434765870"},
            {"system": HOSPITAL, "value": "H100200"},
        ],
    )
    outcomes = import_resources([other, allergy()], by=nurse)
    assert results(outcomes)[("Patient", "p")] == "refused"
    assert not Allergy.objects.filter(patient=bert).exists()


def test_numbers_are_matched_in_the_forms_the_desk_stores(listed, nurse, bert):
    sent = patient(
        nhs="",
        identifier=[
            {"system": NHS, "value": "943-476-5919"},
            {"system": HOSPITAL, "value": "h100200"},
        ],
    )
    assert results(import_resources([sent], by=nurse))[("Patient", "p")] == "matched"


# --- 2. A dead patient registered alive


@pytest.mark.parametrize("death", [{"deceasedBoolean": True}, {"deceasedDateTime": "2025"}])
def test_a_deceased_patient_without_a_day_is_not_imported_as_alive(nurse, death):
    outcomes = import_resources([patient(nhs="9434765870", **death), hip()], by=nurse)
    assert results(outcomes)[("Patient", "p")] == "skipped"
    assert not Patient.objects.exists()


def test_a_matched_patient_the_import_says_died_is_not_silently_matched(listed, nurse):
    outcomes = import_resources([patient(deceasedDateTime="2026-01-10")], by=nurse)
    (said,) = [o for o in outcomes if o.type == "Patient"]
    assert said.result != "matched" or said.message


# --- 3-5. "Already recorded" that is not, and the same record twice


def test_an_active_allergy_is_kept_where_coxa_holds_it_as_refuted(listed, nurse, bert):
    with at_time(LISTED_ON):
        record_entry(
            kind=Kind.ALLERGY,
            episode=listed,
            payload={"substance": "Penicillin", "status": "refuted", "recorded_on": LISTED_ON},
            by=nurse,
            via=Via.WEB,
        )
    outcomes = import_resources([patient(), allergy()], by=nurse)
    assert results(outcomes)[("AllergyIntolerance", "a")] == "recorded"
    assert Allergy.objects.filter(patient=bert, is_current=True, status="active").exists()


def test_a_medicine_taken_is_kept_where_coxa_holds_it_as_stopped(listed, nurse, bert):
    with at_time(LISTED_ON):
        record_entry(
            kind=Kind.MEDICATION,
            episode=listed,
            payload={
                "name": "Glucosamine 500 mg",
                "class": "other",
                "active": False,
                "recorded_on": LISTED_ON,
            },
            by=nurse,
            via=Via.WEB,
        )
    outcomes = import_resources([patient(), medicine()], by=nurse)
    assert results(outcomes)[("MedicationStatement", "m")] == "recorded"
    assert Medication.objects.filter(patient=bert, is_current=True, active=True).exists()


def test_a_measurement_exported_in_coxas_unit_is_not_added_again(listed, nurse, bert):
    with at_time(LISTED_ON):
        typed = record_entry(
            kind=Kind.OBSERVATION,
            episode=listed,
            payload={
                "code": "haemoglobin",
                "value": 13.1,
                "unit": "g/dL",
                "observed_on": LISTED_ON,
            },
            by=nurse,
            via=Via.WEB,
        )
    exported = observation_resource(typed) | {"subject": {"reference": "Patient/p"}}
    assert exported["valueQuantity"]["code"] == "g/L"
    outcomes = import_resources([patient(), exported], by=nurse)
    assert results(outcomes)[("Observation", str(typed.public_id))] == "already-recorded"
    assert (
        Observation.objects.filter(patient=bert, code="haemoglobin", is_current=True).count() == 1
    )


def test_the_same_records_twice_in_one_import_are_recorded_once(listed, nurse, bert):
    before = Observation.objects.filter(patient=bert, is_current=True).count()
    twice = [patient(), allergy(), measurement(value=129), medicine()] * 2
    import_resources(twice, by=nurse)
    assert Allergy.objects.filter(patient=bert, is_current=True).count() == 1
    assert Medication.objects.filter(patient=bert, is_current=True).count() == 1
    assert Observation.objects.filter(patient=bert, is_current=True).count() == before + 1


# --- 6. A bound taken as a measurement


def test_a_value_with_a_comparator_is_not_taken_as_exact(listed, nurse, bert):
    bound = measurement(code="", value=90, unit="mL/min/{1.73_m2}", comparator=">")
    bound["code"] = {"coding": [{"system": "urn:coxa:code-system:observation", "code": "egfr"}]}
    outcomes = import_resources([patient(), bound], by=nurse)
    assert results(outcomes)[("Observation", "o")] == "skipped"
    assert not Observation.objects.filter(patient=bert, code="egfr").exists()


# --- 7-9. POST /fhir/: answers, entries passed over, a transaction half taken


def test_a_batch_answers_why_a_patient_was_refused(nurse):
    sent = bundle("batch", patient(nhs="9434765870"), hip(), measurement(value=900))
    answer = post(nurse, sent)
    assert answer.status_code == 200
    said = [e["response"]["outcome"]["issue"][0]["diagnostics"] for e in answer.json()["entry"]]
    assert "900 g/L" in said[0]  # the reason, on the patient's entry
    assert not Patient.objects.exists()


@pytest.mark.parametrize(
    ("entry", "where"),
    [
        ({"request": {"method": "DELETE", "url": "Patient/1"}}, "entry[0]"),
        (
            {"resource": patient("q", nhs="9434765919"), "request": {"method": "PUT"}},
            "entry[0].request.method",
        ),
    ],
)
def test_an_entry_coxa_cannot_answer_in_place_refuses_the_bundle(nurse, entry, where):
    sent = bundle("batch", patient(nhs="9434765870"))
    sent["entry"].insert(0, entry)
    answer = post(nurse, sent)
    assert answer.status_code == 400
    assert answer.json()["issue"][0]["expression"] == [where]
    assert not Patient.objects.exists()


def test_a_transaction_with_a_resource_coxa_does_not_take_keeps_nothing(nurse):
    condition = {"resourceType": "Condition", "id": "c", "subject": {"reference": "Patient/p"}}
    answer = post(nurse, bundle("transaction", patient(nhs="9434765870"), hip(), condition))
    assert answer.status_code == 400
    assert "Condition/c" in answer.json()["issue"][0]["diagnostics"]
    assert not Patient.objects.exists()


def test_entries_without_ids_get_their_own_answers(nurse):
    preliminary = measurement(value=129) | {"status": "preliminary"}
    final = measurement(value=131)
    for resource in (preliminary, final):
        del resource["id"]
    answer = post(nurse, bundle("batch", patient(nhs="9434765870"), hip(), preliminary, final))
    statuses = [e["response"]["status"] for e in answer.json()["entry"]]
    assert statuses[2:] == ["422 Unprocessable Entity", "201 Created"]


def test_a_malformed_element_is_refused_not_a_server_error(nurse):
    answer = post(nurse, bundle("batch", patient(nhs="9434765870", telecom=["0121 496 0000"])))
    assert answer.status_code in (200, 400)


# --- 10-12. What leaves: addenda, plans after signing, a plan that stopped, end days


@pytest.fixture
def ehr(connected_system):
    return Client(headers={"Authorization": f"Bearer {smart_token(connected_system)}"})


def exported(client, **query):
    path = "/fhir/$export?" + "&".join(f"{k}={v}" for k, v in query.items())
    started = client.get(path, headers=ASYNC)
    status = started["Content-Location"].removeprefix("http://testserver")
    found = {}
    for output in client.get(status).json()["output"]:
        taken = client.get(output["url"].removeprefix("http://testserver"))
        found[output["type"]] = [json.loads(line) for line in taken.content.decode().splitlines()]
    return found


def since_now():
    return clock.now().astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def test_an_addendum_leaves_with_the_procedure_and_in_a_since_export(surgeon, nurse, bert, ehr):
    episode = walk_to("recovering", patient=bert, by=surgeon, listed_on=LISTED_ON)
    since = since_now()
    add_addendum(episode=episode, text="Lot of the cup corrected: 4LX21.", by=surgeon, via=Via.WEB)
    bundle_ = get(nurse, f"/fhir/Procedure?patient={bert.public_id}").json()
    (procedure,) = [e["resource"] for e in bundle_["entry"]]
    assert procedure["note"][0]["text"] == "Lot of the cup corrected: 4LX21."
    assert [p["id"] for p in exported(ehr, _type="Procedure", _since=since)["Procedure"]] == [
        procedure["id"]
    ]


def test_an_adjusted_plan_is_in_a_since_export(surgeon, ada, ehr):
    episode = walk_to(
        "recovering",
        patient=ada,
        by=surgeon,
        listed_on=LISTED_ON,
        procedure="core-decompression",
        side="right",
    )
    since = since_now()
    adjust_plan(
        episode=episode,
        phase_end_days={"offload": 56},
        appointment_days={},
        reason="Slow to heal: offload for eight weeks.",
        by=surgeon,
        via=Via.WEB,
    )
    plans = exported(ehr, _type="CarePlan", _since=since)["CarePlan"]
    assert [p["id"] for p in plans] == [str(episode.public_id)]


def test_the_plan_of_a_patient_who_died_is_revoked_and_its_visits_cancelled(surgeon, nurse, bert):
    today = clock.today()
    episode = walk_to("recovering", patient=bert, by=surgeon, listed_on=today - dt.timedelta(25))
    record_death(
        patient=bert, on=today - dt.timedelta(1), related_to_hip="no", by=surgeon, via=Via.WEB
    )
    plan = get(nurse, f"/fhir/CarePlan/{episode.public_id}").json()
    assert plan["status"] == "revoked"
    statuses = {a["detail"]["status"] for a in plan["activity"]}
    assert "cancelled" in statuses
    assert not statuses & {"scheduled", "in-progress"}


def test_an_episode_ends_on_the_services_day_not_utcs(surgeon, nurse, bert):
    summer = dt.date(clock.today().year - 1, 7, 1)
    with at_time(summer - dt.timedelta(days=10)):
        episode = pathways.open_episode(
            patient=bert, side="left", procedure="bhr", by=surgeon, via=Via.WEB
        )
    with at_time(summer, 0):  # midnight in London in summer is 23:00 UTC the day before
        pathways.move_episode(
            episode=episode,
            to="withdrawn",
            reason="Chose not to go ahead.",
            by=surgeon,
            via=Via.WEB,
        )
    care = get(nurse, f"/fhir/EpisodeOfCare/{episode.public_id}").json()
    assert care["status"] == "cancelled"
    assert care["period"]["end"] == summer.isoformat()


def test_a_hip_ends_on_the_day_its_patient_died(surgeon, nurse, bert):
    today = clock.today()
    episode = walk_to("recovering", patient=bert, by=surgeon, listed_on=today - dt.timedelta(60))
    died = today - dt.timedelta(10)
    record_death(patient=bert, on=died, related_to_hip="no", by=surgeon, via=Via.WEB)
    care = get(nurse, f"/fhir/EpisodeOfCare/{episode.public_id}").json()
    assert care["period"]["end"] == died.isoformat()


# --- 13. A corrected record gets a new id, so an incremental reader keeps the old value too


@pytest.mark.xfail(strict=True, reason="finding 13: a correction is a new resource, not a version")
def test_a_correction_replaces_the_resource_an_incremental_reader_holds(surgeon, bert, ehr):
    episode = walk_to("ready", patient=bert, by=surgeon, listed_on=LISTED_ON)
    old = Observation.objects.get(patient=bert, code="haemoglobin", is_current=True)
    since = since_now()
    record_entry(
        kind=Kind.OBSERVATION,
        episode=episode,
        payload={"code": "haemoglobin", "value": 139, "unit": "g/L", "observed_on": old.on},
        by=surgeon,
        via=Via.WEB,
        corrects=str(old.public_id),
        reason="typed from the wrong report",
    )
    (changed,) = exported(ehr, _type="Observation", _since=since)["Observation"]
    assert changed["id"] == str(old.public_id)


# --- 14. Paging


def test_a_page_past_the_last_match_gives_no_total(surgeon, nurse, bert):
    walk_to("ready", patient=bert, by=surgeon, listed_on=LISTED_ON)
    far = get(nurse, f"/fhir/Observation?patient={bert.public_id}&_page=50").json()
    assert far["entry"] == []
    assert "total" not in far  # it was 49 x 50 = 2,450 for a handful of matches
