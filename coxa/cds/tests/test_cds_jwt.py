"""CDS Hooks callers by signed JWT (CDS Hooks 2.0, "Trusting CDS Clients"; H97)."""

import uuid

import pytest
from django.test import Client

from coxa.accounts.services import systems
from coxa.accounts.tests.systems import Signer, connect, key_pair
from coxa.cds import views
from coxa.conftest import token_for
from coxa.core.models import AuditEvent

pytestmark = pytest.mark.django_db

SERVICE = "/cds-services/coxa-hip-decisions"


def _request() -> dict:
    """A patient-view call with each prefetch the service asks for (empty bundles)."""
    prefetch = {
        key: (
            {"resourceType": "Patient", "id": "p1", "gender": "male", "birthDate": "1975-03-02"}
            if template.startswith("Patient/")
            else {"resourceType": "Bundle", "type": "searchset", "entry": []}
        )
        for key, template in views.SERVICES[views.SERVICE_ID]["prefetch"].items()
    }
    return {
        "hook": "patient-view",
        "hookInstance": str(uuid.uuid4()),
        "context": {"userId": "Practitioner/1", "patientId": "p1"},
        "prefetch": prefetch,
    }


def call(token: str):
    return Client().post(
        SERVICE, _request(), content_type="application/json",
        headers={"Authorization": f"Bearer {token}"},
    )  # fmt: skip


def test_an_ehr_whose_issuer_and_key_coxa_trusts_is_answered_as_its_system(connected_system):
    answer = call(connected_system.cds_jwt())
    assert answer.status_code == 200, answer.content
    assert "cards" in answer.json()
    view = AuditEvent.objects.get(action="cds.patient-view")
    assert view.actor_id == connected_system.user.pk
    assert view.actor_role == "connected-system"


def test_an_rs384_signature_is_trusted_too():
    signer = connect(algorithm="RS384", scopes=())
    assert call(signer.cds_jwt()).status_code == 200


def test_a_coxa_token_still_calls_the_service(surgeon):
    assert call(token_for(surgeon)).status_code == 200


def _forged(signer: Signer) -> str:
    other, _ = key_pair()
    return Signer(signer.client, other).cds_jwt()


@pytest.mark.parametrize(
    ("forge", "said"),
    [
        (lambda s: s.cds_jwt(iss="https://stranger.example/"), "not a CDS client"),
        (lambda s: s.cds_jwt(seconds=-60), "expired"),
        (lambda s: s.cds_jwt(seconds=3600), "five minutes"),
        (lambda s: s.cds_jwt(audience="https://coxa.example/cds-services/other"), "aud must be"),
        (lambda s: s.cds_jwt(audience="http://testserver/cds-services"), "aud must be"),
        (_forged, "signature"),
        (lambda s: s.cds_jwt(iat=None), "no iat"),
        (lambda s: s.cds_jwt(jti=None), "no jti"),
        (lambda s: s.cds_jwt(header={"kid": "not-ours"}), "no single"),
        (lambda s: s.cds_jwt(header={"jku": "https://stranger.example/jwks"}), "jku"),
        (lambda s: "coxasys_a-system-access-token", "not a signed JWT"),
    ],
)
def test_a_forged_expired_or_misaddressed_jwt_is_401_and_recorded(connected_system, forge, said):
    answer = call(forge(connected_system))
    assert answer.status_code == 401
    assert not AuditEvent.objects.filter(action="cds.patient-view").exists()
    refused = AuditEvent.objects.get(action="access.refused", object_type="cds-hook")
    assert said in refused.reason
    assert refused.details["path"] == SERVICE


def test_a_jwt_is_used_once(connected_system):
    token = connected_system.cds_jwt()
    assert call(token).status_code == 200
    assert call(token).status_code == 401
    assert (
        "jti was used before"
        in AuditEvent.objects.get(action="access.refused", object_type="cds-hook").reason
    )


def test_a_revoked_system_is_an_unknown_issuer(connected_system):
    systems.revoke_system(client_id=connected_system.client.client_id, reason="left the region")
    assert call(connected_system.cds_jwt()).status_code == 401


def test_a_system_registered_without_an_issuer_cannot_call(db):
    signer = connect(cds_issuer="")
    assert call(signer.cds_jwt(iss=signer.client.client_id)).status_code == 401
