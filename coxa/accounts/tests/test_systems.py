"""Connected systems: registered with public keys only, a service account with no password."""

import json
from io import StringIO

import pytest
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command
from django.test import Client, RequestFactory

from coxa.accounts import services
from coxa.accounts.domain import Role
from coxa.accounts.models import SystemClient, SystemToken, User
from coxa.accounts.services import systems, tokens
from coxa.accounts.tests.systems import EHR_ISSUER, connect, key_pair
from coxa.core.errors import Conflict, CoxaError, Forbidden, InvalidInput
from coxa.core.models import AuditEvent

pytestmark = pytest.mark.django_db


def _one_key(**changes):
    _, public = key_pair()
    return {"keys": [public | changes]}


@pytest.mark.parametrize("member", ["d", "p", "q", "dp", "dq", "qi", "oth", "k"])
def test_a_key_set_with_any_private_member_is_refused_and_nothing_is_stored(member):
    with pytest.raises(InvalidInput) as refused:
        systems.register_system(name="Leaky", jwks=_one_key(**{member: "c2VjcmV0"}))
    assert "private key's member" in refused.value.message
    assert refused.value.problems[0].field == "jwks.keys.0"
    assert not SystemClient.objects.exists()
    assert not User.objects.filter(role=Role.SYSTEM).exists()


@pytest.mark.parametrize(
    ("changes", "said"),
    [
        ({"kty": "oct"}, "asymmetric"),
        ({"kid": ""}, "kid is required"),
        ({"alg": "RS384"}, "alg must be ES384"),
        ({"use": "enc"}, "use must be sig"),
        ({"crv": "P-256"}, "P-384"),
        ({"x": "bm90IGEgcG9pbnQ"}, "can be read"),
    ],
)
def test_a_key_that_is_not_an_rs384_or_es384_public_key_is_refused(changes, said):
    with pytest.raises(InvalidInput) as refused:
        systems.register_system(name="Odd", jwks=_one_key(**changes))
    assert said in refused.value.message


def test_short_rsa_keys_repeated_kids_and_empty_sets_are_refused():
    from cryptography.hazmat.primitives.asymmetric import rsa
    from jwt.algorithms import RSAAlgorithm

    short = rsa.generate_private_key(public_exponent=65537, key_size=1024).public_key()  # noqa: S505
    weak = json.loads(RSAAlgorithm.to_jwk(short)) | {"kid": "old"}
    with pytest.raises(InvalidInput, match="at least 2048 bits"):
        systems.register_system(name="Old", jwks={"keys": [weak]})
    _, one = key_pair(kid="same")
    _, two = key_pair(kid="same")
    with pytest.raises(InvalidInput, match="kid must be unique"):
        systems.register_system(name="Twice", jwks={"keys": [one, two]})
    for empty in ({}, {"keys": []}, [], "keys"):
        with pytest.raises(InvalidInput, match="JWK Set"):
            systems.register_system(name="Empty", jwks=empty)


def test_keys_inline_or_by_an_https_url_never_both_nor_neither():
    with pytest.raises(InvalidInput, match="public keys"):
        systems.register_system(name="None")
    with pytest.raises(InvalidInput, match="public keys"):
        systems.register_system(name="Both", jwks=_one_key(), jwks_url="https://e.example/k")
    with pytest.raises(InvalidInput, match="https"):
        systems.register_system(name="Plain", jwks_url="http://ehr.example.org/jwks.json")
    local = systems.register_system(name="Sidecar", jwks_url="http://127.0.0.1:8099/jwks.json")
    assert local.jwks_url.startswith("http://127.0.0.1")


def test_scopes_are_system_reads_and_an_issuer_is_one_system_s():
    with pytest.raises(InvalidInput) as refused:
        systems.register_system(
            name="Greedy", jwks=_one_key(), scopes=["system/*.write patient/*.rs"]
        )
    assert len(refused.value.problems) == 2
    connect(cds_issuer=EHR_ISSUER)
    with pytest.raises(Conflict, match="CDS issuer"):
        connect(name="Impostor", cds_issuer=EHR_ISSUER)


def test_registering_makes_a_client_id_and_an_account_that_has_no_password():
    signer = connect(scopes=("system/Patient.rs", "system/Observation.read system/Patient.rs"))
    client = signer.client
    assert client.scopes == "system/Patient.rs system/Observation.read"
    account = client.account
    assert account.role == Role.SYSTEM
    assert account.role_label == "Connected system"
    assert not account.has_usable_password()
    assert client.jwks["keys"][0]["kid"] == "key-1"
    assert "d" not in client.jwks["keys"][0]
    event = AuditEvent.objects.get(action="user.create", object_type="system-client")
    assert event.object_id == client.client_id
    assert event.details["scopes"] == client.scopes


def test_a_system_account_never_signs_in_with_a_password_nor_gets_a_coxa_token():
    account = connect().user
    account.set_password("a-long-test-password")  # set by hand, past the services
    account.save()
    request = RequestFactory().post("/api/v1/auth/token")
    assert authenticate(request, username=account.username, password="a-long-test-password") is None
    failed = AuditEvent.objects.get(action="auth.sign-in-failed")
    assert "connected system" in failed.reason
    with pytest.raises(CoxaError):
        services.issue_token(
            username=account.username, password="a-long-test-password", request=request
        )
    with pytest.raises(Forbidden):
        tokens.create_token(user=account)
    answer = Client().post(
        "/api/v1/auth/token",
        {"username": account.username, "password": "a-long-test-password"},
        content_type="application/json",
    )
    assert answer.status_code == 401


def test_no_person_is_made_a_system_nor_a_system_changed_as_a_person(admin):
    with pytest.raises(InvalidInput) as refused:
        services.create_user(username="bot", role=Role.SYSTEM, password="x" * 20, by=admin)
    assert refused.value.code == "system-account"
    account = connect().user
    with pytest.raises(InvalidInput, match="coxa systems"):
        services.set_password(user=account, password="a-long-test-password", by=admin)
    with pytest.raises(InvalidInput, match="coxa systems"):
        services.update_user(
            user=account, by=admin, role="surgeon", is_active=True, first_name="", last_name="",
            email="",
        )  # fmt: skip
    nurse = services.create_user(username="nell", role="nurse", password="x" * 20, by=admin,
                                 check_password_strength=False)  # fmt: skip
    with pytest.raises(InvalidInput):
        services.update_user(
            user=nurse, by=admin, role=Role.SYSTEM, is_active=True, first_name="", last_name="",
            email="",
        )  # fmt: skip


def test_revoking_ends_its_tokens_and_closes_its_account():
    signer = connect()
    SystemToken.objects.create(
        client=signer.client, key_hash="0" * 64, scopes="system/*.rs",
        created_at=signer.client.created_at, expires_at=signer.client.created_at,
    )  # fmt: skip
    systems.revoke_system(client_id=signer.client.client_id, reason="contract ended")
    signer.client.refresh_from_db()
    assert not signer.client.active
    assert not User.objects.get(pk=signer.user.pk).is_active
    assert not SystemToken.objects.exists()
    event = AuditEvent.objects.get(action="user.update", reason="contract ended")
    assert event.reason == "contract ended"
    assert event.details["tokens_ended"] == 1
    with pytest.raises(Conflict):
        systems.revoke_system(client_id=signer.client.client_id, reason="again")


def test_the_command_adds_lists_changes_scopes_and_revokes(tmp_path):
    _, public = key_pair(kid="ward-2026")
    keys = tmp_path / "keys.json"
    keys.write_text(json.dumps({"keys": [public]}))
    out = StringIO()
    call_command(
        "systems", "add", "Ward EHR", "--jwks", str(keys), "--scope", "system/*.rs",
        "--cds-issuer", "https://ehr.example.org/", stdout=out,
    )  # fmt: skip
    client = SystemClient.objects.get()
    said = out.getvalue()
    assert f"Client id: {client.client_id}" in said
    assert "Connected system" in said
    assert "as a connected system" in said
    listed = StringIO()
    call_command("systems", "list", stdout=listed)
    assert client.client_id in listed.getvalue()
    assert "active" in listed.getvalue()
    assert "ward-2026" in listed.getvalue()
    call_command("systems", "scopes", client.client_id, "system/Patient.read", stdout=StringIO())
    client.refresh_from_db()
    assert client.scopes == "system/Patient.read"
    assert AuditEvent.objects.filter(
        action="user.update", object_type="system-client", via="cli"
    ).exists()
    call_command("systems", "revoke", client.client_id, "--reason", "replaced", stdout=StringIO())
    listed = StringIO()
    call_command("systems", "list", stdout=listed)
    assert "revoked" in listed.getvalue()


def test_the_command_says_what_is_wrong_and_registers_nothing(tmp_path):
    leaky = tmp_path / "private.json"
    leaky.write_text(json.dumps(_one_key(d="c2VjcmV0")))
    with pytest.raises(CommandError, match="private key's member"):
        call_command("systems", "add", "Leaky", "--jwks", str(leaky), stdout=StringIO())
    (tmp_path / "bad.json").write_text("{")
    with pytest.raises(CommandError, match="not JSON"):
        call_command("systems", "add", "Bad", "--jwks", str(tmp_path / "bad.json"))
    with pytest.raises(CommandError, match="no connected system"):
        call_command("systems", "scopes", "nobody", stdout=StringIO())
    assert not SystemClient.objects.exists()
