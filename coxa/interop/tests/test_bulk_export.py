"""Bulk Data export through HTTP: kick-off, progress, manifest, files, deletion, scopes."""

import datetime as dt
import json
from urllib.parse import urlencode

import pytest
from django.test import Client
from fhir.resources.R4B import get_fhir_model_class

from coxa.accounts.tests.systems import connect
from coxa.conftest import token_for
from coxa.core.models import AuditEvent
from coxa.interop.models import ExportFile
from tests.journeys import walk_to

pytestmark = pytest.mark.django_db
LISTED_ON = dt.date(2026, 1, 5)
ASYNC = {"Prefer": "respond-async", "Accept": "application/fhir+json"}


def smart_token(signer, scope="system/*.rs"):
    return signer.access_token(scope)


@pytest.fixture
def hips(surgeon, bert, ada):
    return [
        walk_to("recovering", patient=bert, by=surgeon, listed_on=LISTED_ON),
        walk_to(
            "recovering",
            patient=ada,
            by=surgeon,
            listed_on=LISTED_ON,
            procedure="core-decompression",
            side="right",
        ),
    ]


@pytest.fixture
def ehr(connected_system):
    return Client(headers={"Authorization": f"Bearer {smart_token(connected_system)}"})


def kick_off(client, path="/fhir/$export", **query):
    url = path + ("?" + urlencode(query) if query else "")
    return client.get(url, headers=ASYNC)


def finished(client, response):
    assert response.status_code == 202, response.content
    status = response["Content-Location"].removeprefix("http://testserver")
    polled = client.get(status)
    assert polled.status_code == 200, polled.content  # the immediate backend ran it at once
    return status, polled.json()


def lines(client, url):
    taken = client.get(url.removeprefix("http://testserver"))
    assert taken.status_code == 200
    assert taken["Content-Type"] == "application/fhir+ndjson"
    return [json.loads(line) for line in taken.content.decode().splitlines()]


def test_an_export_writes_every_type_as_valid_ndjson(hips, ehr, bert, ada):
    _, manifest = finished(ehr, kick_off(ehr))
    assert manifest["requiresAccessToken"] is True
    assert manifest["request"].endswith("/fhir/$export")
    by_type = {}
    for output in manifest["output"]:
        resources = lines(ehr, output["url"])
        assert len(resources) == output["count"]
        for resource in resources:
            assert resource["resourceType"] == output["type"]
            get_fhir_model_class(output["type"]).model_validate(resource)
        by_type.setdefault(output["type"], []).extend(resources)
    assert {p["id"] for p in by_type["Patient"]} == {str(bert.public_id), str(ada.public_id)}
    assert len(by_type["EpisodeOfCare"]) == 2
    assert len(by_type["Procedure"]) == 2
    searched = ehr.get(f"/fhir/Observation?patient={bert.public_id}&_count=100").json()
    berts = [
        o for o in by_type["Observation"] if o["subject"]["reference"].endswith(str(bert.public_id))
    ]
    assert len(berts) == searched["total"]


def test_type_since_and_group_narrow_the_export(hips, ehr, ada):
    _, only = finished(ehr, kick_off(ehr, _type="Patient,Procedure"))
    assert {o["type"] for o in only["output"]} == {"Patient", "Procedure"}
    later = "2030-01-01T00:00:00Z"
    _, since = finished(ehr, kick_off(ehr, _type="Observation,Patient", _since=later))
    assert {o["type"] for o in since["output"]} == {"Patient"}  # a patient's change is not known
    _, group = finished(
        ehr, kick_off(ehr, "/fhir/Group/core-decompression/$export", _type="Patient")
    )
    (patients,) = group["output"]
    assert [p["id"] for p in lines(ehr, patients["url"])] == [str(ada.public_id)]


@pytest.mark.parametrize(
    ("query", "headers", "field"),
    [
        ({}, {"Accept": "application/fhir+json"}, "Prefer"),
        ({"_type": "Encounter"}, ASYNC, "_type"),
        ({"_since": "2026-01-01"}, ASYNC, "_since"),
        ({"_since": "yesterday"}, ASYNC, "_since"),
        ({"_outputFormat": "text/csv"}, ASYNC, "_outputFormat"),
        ({"_typeFilter": "Observation?code=x"}, ASYNC, "_typeFilter"),
    ],
)
def test_a_bad_kick_off_is_refused_naming_what(ehr, query, headers, field):
    response = ehr.get("/fhir/$export?" + urlencode(query), headers=headers)
    assert response.status_code == 400
    issue = response.json()["issue"][0]
    assert issue["expression"] == [field]
    assert ExportFile.objects.count() == 0


def test_an_unknown_group_is_not_found(ehr):
    response = kick_off(ehr, "/fhir/Group/knee/$export")
    assert response.status_code == 404
    assert "bhr" in response.json()["issue"][0]["diagnostics"]


def test_progress_is_shown_while_the_worker_has_not_run(hips, ehr, database_queue):
    response = kick_off(ehr)
    assert response.status_code == 202
    polled = ehr.get(response["Content-Location"].removeprefix("http://testserver"))
    assert polled.status_code == 202
    assert polled["X-Progress"].startswith("0%")
    assert polled["Retry-After"]


def test_only_the_system_that_asked_may_poll_take_or_delete(hips, ehr, nurse):
    status, manifest = finished(ehr, kick_off(ehr))
    other = Client(
        headers={
            "Authorization": f"Bearer {smart_token(connect('Registry', cds_issuer='https://registry.example/'))}"
        }
    )
    assert other.get(status).status_code == 404
    file_url = manifest["output"][0]["url"].removeprefix("http://testserver")
    assert other.get(file_url).status_code == 404
    person = Client(headers={"Authorization": f"Bearer {token_for(nurse)}"})
    assert person.get(status).status_code == 403
    assert kick_off(person).status_code == 403
    assert Client().get(status).status_code == 401


def test_delete_ends_the_export_and_its_files(hips, ehr):
    status, manifest = finished(ehr, kick_off(ehr))
    assert ehr.delete(status).status_code == 202
    assert ehr.get(status).status_code == 404
    assert (
        ehr.get(manifest["output"][0]["url"].removeprefix("http://testserver")).status_code == 404
    )
    assert ExportFile.objects.count() == 0


def test_scopes_limit_what_is_exported(hips, connected_system):
    token = smart_token(connected_system, scope="system/Patient.rs")
    narrow = Client(headers={"Authorization": f"Bearer {token}"})
    _, manifest = finished(narrow, kick_off(narrow))
    assert {o["type"] for o in manifest["output"]} == {"Patient"}
    assert kick_off(narrow, _type="Observation").status_code == 403
    assert narrow.get("/fhir/Observation?patient=x").status_code == 403


def test_the_export_and_each_file_taken_are_audited(hips, ehr, connected_system):
    _, manifest = finished(ehr, kick_off(ehr, _type="Patient"))
    lines(ehr, manifest["output"][0]["url"])
    system = connected_system.user
    assert AuditEvent.objects.filter(actor=system, action="fhir.export").count() == 1
    taken = AuditEvent.objects.get(actor=system, action="fhir.export-file")
    assert taken.details == {"type": "Patient", "part": 1, "count": 2}


def test_an_expired_token_or_an_unknown_system_is_refused(hips, connected_system):
    import time_machine

    token = smart_token(connected_system)
    later = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=6)
    with time_machine.travel(later, tick=False):
        expired = Client(headers={"Authorization": f"Bearer {token}"})
        answer = kick_off(expired)
    assert answer.status_code == 401
    forged = Client(headers={"Authorization": "Bearer coxasys_not-a-token-coxa-issued"})
    assert kick_off(forged).status_code == 401
