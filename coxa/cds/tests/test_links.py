"""A card links to the patient's episode in Coxa only when it is surely the same patient, and
only for a caller who may open that page; nobody else learns whether Coxa knows them (H96)."""

import copy

import pytest

from coxa.accounts.domain import Capability
from coxa.accounts.permissions import TABLE, Op, needs
from coxa.cds.domain.links import NHS_NUMBER_SYSTEM, identity_of
from coxa.cds.tests.test_cds_hooks import REQUEST
from coxa.core.audit import Via
from coxa.core.models import AuditEvent
from coxa.pathways import services as pathways

pytestmark = pytest.mark.django_db

BERT_NHS = "9434765919"  # coxa.conftest's Bert, born 1971-03-14


def _request(nhs=BERT_NHS, born="1971-03-14", **patient):
    body = copy.deepcopy(REQUEST)
    body["prefetch"]["patient"] |= {
        "birthDate": born,
        "identifier": [{"system": NHS_NUMBER_SYSTEM, "value": nhs}] if nhs else [],
        **patient,
    }
    body["prefetch"]["patient"]["gender"] = "male"
    return body


@pytest.fixture
def berts_left_hip(bert, surgeon):
    return pathways.open_episode(
        patient=bert, side="left", procedure="bhr", by=surgeon, via=Via.WEB
    )


def _links(response):
    assert response.status_code == 200, response.content
    return {c["summary"].split(" hip")[0]: c.get("links") for c in response.json()["cards"]}


def test_h96_a_card_links_to_the_matching_patients_episode_of_that_hip(
    cds_as, surgeon, berts_left_hip
):
    links = _links(cds_as(surgeon)(_request()))
    (link,) = links["Left"]
    assert link["type"] == "absolute"
    assert link["url"] == f"http://testserver/staff/episodes/{berts_left_hip.public_id}/"
    assert "left hip" in link["label"]
    assert links["Right"] is None  # no episode of the right hip in Coxa
    event = AuditEvent.objects.get(action="cds.patient-view")
    assert event.patient_id == berts_left_hip.patient.public_id
    assert event.details["linked"] == [str(berts_left_hip.public_id)]


@pytest.mark.parametrize(
    "body",
    [
        _request(born="1971-03-15"),  # the same number, another date of birth
        _request(nhs="9434765870"),  # a valid number Coxa does not hold
        _request(nhs="9434765918"),  # fails its check digit
        _request(nhs=None),  # no NHS number
        _request(born="1971"),  # a partial date of birth
        _request(id="someone-else"),  # not the patient the hook is about
        _request(
            identifier=[
                {"system": NHS_NUMBER_SYSTEM, "value": BERT_NHS},
                {"system": NHS_NUMBER_SYSTEM, "value": "9434765870"},
            ]
        ),  # two numbers: which?
    ],
    ids=[
        "other-birth-date",
        "unknown",
        "bad-check-digit",
        "none",
        "partial-date",
        "other-id",
        "two",
    ],
)
def test_h96_no_link_unless_the_nhs_number_and_date_of_birth_match_one_patient(
    cds_as, surgeon, berts_left_hip, body
):
    assert all(link is None for link in _links(cds_as(surgeon)(body)).values())
    assert AuditEvent.objects.get(action="cds.patient-view").patient_id is None


def _without_uuids(response):
    return [{k: v for k, v in c.items() if k != "uuid"} for c in response.json()["cards"]]


def test_h96_a_caller_who_may_not_open_the_episode_learns_nothing_of_the_patient(
    cds_as, surgeon, berts_left_hip, monkeypatch
):
    monkeypatch.setitem(TABLE, Op.PAGE_EPISODE, needs(Capability.MANAGE_USERS))
    known = cds_as(surgeon)(_request())
    unknown = cds_as(surgeon)(_request(nhs="9434765870"))
    assert _without_uuids(known) == _without_uuids(unknown)
    assert all(link is None for link in _links(known).values())
    assert not AuditEvent.objects.filter(action="patient.search").exists()  # never asked


def test_the_identity_read_from_the_patient_resource():
    patient = {
        "resourceType": "Patient",
        "id": "p1",
        "birthDate": "1971-03-14",
        "identifier": [
            {"system": "https://example.org/mrn", "value": "H1"},
            {"system": NHS_NUMBER_SYSTEM, "value": "943 476 5919"},
            {"system": NHS_NUMBER_SYSTEM, "value": "9434765919"},  # the same, written twice
        ],
    }
    found = identity_of(patient, patient_id="p1")
    assert found is not None
    assert (found.nhs_number, found.born.isoformat()) == (BERT_NHS, "1971-03-14")
    assert identity_of(patient, patient_id="p2") is None
    assert identity_of(None, patient_id="p1") is None


def test_h96_an_ehr_calling_with_its_signed_jwt_gets_the_link_for_its_clinician(
    connected_system, berts_left_hip
):
    from django.test import Client

    response = Client().post(
        "/cds-services/coxa-hip-decisions",
        _request(),
        content_type="application/json",
        headers={"Authorization": f"Bearer {connected_system.cds_jwt()}"},
    )
    (link,) = _links(response)["Left"]
    assert link["url"].endswith(f"/staff/episodes/{berts_left_hip.public_id}/")
