"""CDS Hooks 2.0 as an EHR meets it: OperationOutcome errors, CORS, discovery, cards."""

import copy
import uuid

import pytest
from django.test import Client

from coxa.cds.domain.cards import OVERRIDE_REASON_SYSTEM, OVERRIDE_REASONS
from coxa.cds.domain.prefetch import TEMPLATES
from coxa.cds.models import IssuedCard
from coxa.cds.tests.conftest import SERVICE
from coxa.cds.tests.test_cds_hooks import REQUEST
from coxa.core.models import AuditEvent

pytestmark = pytest.mark.django_db

FEEDBACK = f"{SERVICE}/feedback"
PATHS = ("/cds-services", SERVICE, FEEDBACK)


def _outcome(response, status):
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/fhir+json"
    body = response.json()
    assert body["resourceType"] == "OperationOutcome"
    (issue,) = body["issue"]
    assert issue["severity"] == "error"
    assert issue["diagnostics"]
    return issue


def test_discovery_offers_the_bounded_templates(client):
    (service,) = client.get("/cds-services").json()["services"]
    assert service["prefetch"] == TEMPLATES


@pytest.mark.parametrize("path", [SERVICE, FEEDBACK])
def test_every_refusal_is_an_operation_outcome_with_todays_status(
    path, cds_as, surgeon, analyst, settings
):
    assert _outcome(cds_as(None)({}, path), 401)["code"] == "login"
    assert _outcome(cds_as(analyst)({}, path), 403)["code"] == "forbidden"
    refused = AuditEvent.objects.get(action="access.refused", actor=analyst)
    assert refused.details["path"] == path  # the refusal is audited as before
    ehr = cds_as(surgeon)
    other = path.replace("coxa-hip-decisions", "no-such-service")
    assert _outcome(ehr(REQUEST, other), 404)["code"] == "not-found"
    assert _outcome(ehr("{not json", path), 400)["code"] == "invalid"
    assert _outcome(Client().get(path), 405)["code"] == "not-supported"
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    assert _outcome(ehr('{"hook": "' + "x" * 5000 + '"}', path), 413)["code"] == "too-costly"


def test_missing_prefetch_is_412_as_an_operation_outcome(cds_as, surgeon):
    body = copy.deepcopy(REQUEST)
    del body["prefetch"]["patient"]
    issue = _outcome(cds_as(surgeon)(body), 412)
    assert issue["code"] == "incomplete"
    assert "prefetch 'patient'" in issue["diagnostics"]
    assert "fhirServer" in issue["diagnostics"]  # the request named none with a token


def test_a_body_too_large_for_the_middleware_is_an_operation_outcome_with_cors(settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = Client().generic(
        "POST", SERVICE, "x" * 2000, content_type="application/json", CONTENT_LENGTH="2000"
    )
    _outcome(response, 413)
    assert response["Access-Control-Allow-Origin"] == "*"


@pytest.mark.parametrize("path", PATHS)
def test_browser_preflights_are_answered_without_credentials(path):
    response = Client().options(
        path,
        headers={
            "Origin": "https://ehr.example.org",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization, content-type",
        },
    )
    assert response.status_code == 204
    assert response["Access-Control-Allow-Origin"] == "*"
    assert response["Access-Control-Allow-Headers"] == "Authorization, Content-Type"
    assert {"GET", "POST"} <= set(response["Access-Control-Allow-Methods"].split(", "))
    assert "Access-Control-Allow-Credentials" not in response  # bearer tokens, never cookies


def test_every_cds_answer_carries_cors_and_nothing_else_does(client, cds_as, surgeon):
    origin = {"Origin": "https://ehr.example.org"}
    for response in (
        client.get("/cds-services", headers=origin),
        cds_as(None)(REQUEST, **origin),  # 401
        cds_as(surgeon)(REQUEST, **origin),  # 200
    ):
        assert response["Access-Control-Allow-Origin"] == "*"
        assert response["Access-Control-Expose-Headers"] == "X-Request-ID"
    elsewhere = client.options("/api/v1/auth/me", headers=origin)
    assert "Access-Control-Allow-Origin" not in elsewhere
    assert "Access-Control-Allow-Origin" not in client.get("/healthz", headers=origin)


def test_each_card_has_a_uuid_coxa_keeps_and_reasons_a_clinician_may_give(cds_as, surgeon):
    cards = cds_as(surgeon)(REQUEST).json()["cards"]
    assert len(cards) == 2
    for card in cards:
        assert uuid.UUID(card["uuid"])
        reasons = card["overrideReasons"]
        assert [r["code"] for r in reasons] == list(OVERRIDE_REASONS)
        assert all(r["system"] == OVERRIDE_REASON_SYSTEM and r["display"] for r in reasons)
    kept = IssuedCard.objects.filter(issued_to=surgeon)
    assert {str(c.public_id) for c in kept} == {c["uuid"] for c in cards}
    assert {c.hook_instance for c in kept} == {REQUEST["hookInstance"]}
    assert {c.summary for c in kept} == {c["summary"] for c in cards}
    event = AuditEvent.objects.get(action="cds.patient-view")
    assert set(event.details["cards"]) == {c["uuid"] for c in cards}


def test_the_card_about_unsided_conditions_offers_no_override(cds_as, surgeon):
    body = copy.deepcopy(REQUEST)
    for entry in body["prefetch"]["conditions"]["entry"]:
        entry["resource"].pop("bodySite")
    (card,) = cds_as(surgeon)(body).json()["cards"]
    assert "overrideReasons" not in card
    assert IssuedCard.objects.filter(public_id=card["uuid"]).exists()
