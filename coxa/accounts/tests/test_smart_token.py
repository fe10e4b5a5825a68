"""SMART Backend Services: POST /oauth/token, as a connected system (and an impostor) calls it."""

import datetime as dt
from urllib.parse import urlencode

import jwt
import pytest
import time_machine
from django.test import Client, RequestFactory

from coxa.accounts.domain import Interaction, allows
from coxa.accounts.models import SystemToken
from coxa.accounts.services import issue_token, smart, systems, tokens
from coxa.accounts.tests.systems import TOKEN_URL, connect, key_pair
from coxa.core.models import AuditEvent

pytestmark = pytest.mark.django_db

ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"


def ask(client, assertion, scope="system/*.rs", **fields):
    form = {
        "grant_type": "client_credentials",
        "client_assertion_type": ASSERTION_TYPE,
        "client_assertion": assertion,
        "scope": scope,
    } | fields
    sent = urlencode({k: v for k, v in form.items() if v is not None})
    return client.post("/oauth/token", sent, content_type="application/x-www-form-urlencoded")


@pytest.mark.parametrize("algorithm", ["ES384", "RS384"])
def test_a_registered_system_gets_a_five_minute_token_for_the_scopes_it_may_have(client, algorithm):
    signer = connect(scopes=("system/Patient.rs", "system/Observation.rs"), algorithm=algorithm)
    answer = ask(client, signer.assertion(), scope="system/*.read system/Condition.rs")
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 300
    assert body["scope"] == "system/Patient.read system/Observation.read"
    assert answer["Cache-Control"].startswith("no-store")
    stored = SystemToken.objects.get()
    assert stored.key_hash == tokens.hash_token(body["access_token"])  # only its hash is kept
    assert body["access_token"] not in str(list(SystemToken.objects.values()))
    assert stored.expires_at - stored.created_at == dt.timedelta(minutes=5)
    issued = AuditEvent.objects.get(action="token.system-issue")
    assert issued.actor_id == signer.user.pk
    assert issued.object_id == signer.client.client_id
    assert issued.details["granted"] == body["scope"]


def test_the_access_token_names_the_system_and_its_scopes_and_nothing_more(client):
    signer = connect(scopes=("system/Patient.rs",))
    token = ask(client, signer.assertion()).json()["access_token"]
    caller = smart.caller_for(f"Bearer {token}")
    assert caller is not None
    assert caller.user == signer.user
    assert caller.scopes is not None
    assert allows(caller.scopes, "Patient", Interaction.SEARCH)
    assert not allows(caller.scopes, "Observation", Interaction.READ)
    assert smart.caller_for("Bearer coxasys_not-a-token") is None
    assert smart.caller_for(f"Basic {token}") is None
    with time_machine.travel(dt.datetime.now(tz=dt.UTC) + dt.timedelta(minutes=6)):
        assert smart.caller_for(f"Bearer {token}") is None


def test_a_persons_coxa_token_is_a_caller_whose_role_decides(surgeon):
    request = RequestFactory().post("/api/v1/auth/token")
    token = issue_token(username=surgeon.username, password="a-long-test-password", request=request)
    caller = smart.caller_for(f"Bearer {token}")
    assert caller is not None
    assert caller.user == surgeon
    assert caller.scopes is None


def test_a_system_token_opens_no_page_and_no_json_api_operation(client):
    signer = connect()
    token = ask(client, signer.assertion()).json()["access_token"]
    assert tokens.user_for_token(token) is None
    bearer = Client(headers={"Authorization": f"Bearer {token}"})
    assert bearer.get("/api/v1/auth/me").status_code == 401
    assert bearer.get("/api/v1/patients?q=okafor").status_code == 401
    page = bearer.get("/staff/patients/")
    assert page.status_code == 302
    assert "/accounts/login/" in page["Location"]


def test_a_revoked_system_or_a_narrowed_one_loses_its_token_at_once(client):
    signer = connect()
    token = ask(client, signer.assertion()).json()["access_token"]
    systems.set_scopes(client_id=signer.client.client_id, scopes=["system/Patient.rs"])
    assert smart.caller_for(f"Bearer {token}") is None
    token = ask(client, signer.assertion()).json()["access_token"]
    systems.revoke_system(client_id=signer.client.client_id, reason="contract ended")
    assert smart.caller_for(f"Bearer {token}") is None
    refused = ask(client, signer.assertion())
    assert (refused.status_code, refused.json()["error"]) == (400, "invalid_grant")


def _other_key_signer(signer):
    other, _ = key_pair()
    return type(signer)(signer.client, other)


@pytest.mark.parametrize(
    ("forge", "said"),
    [
        (lambda s: s.assertion(audience="https://elsewhere.example/token"), "aud must be"),
        (lambda s: s.assertion(seconds=301 + 60), "five minutes"),
        (lambda s: s.assertion(seconds=-60), "expired"),
        (lambda s: s.assertion(exp=None), "no exp"),
        (lambda s: s.assertion(exp="soon"), "seconds since 1970"),
        (lambda s: s.assertion(exp=float("nan")), "seconds since 1970"),
        (lambda s: s.assertion(exp=10**400), "seconds since 1970"),
        (lambda s: s.assertion(iat=2_000_000_000_000), "dated in the future"),
        (lambda s: s.assertion(jti=None), "no jti"),
        (lambda s: s.assertion(sub="someone-else"), "sub must be"),
        (lambda s: s.assertion(iss="no-such-client", sub="no-such-client"), "no connected"),
        (lambda s: _other_key_signer(s).assertion(), "signature"),
        (lambda s: s.assertion(header={"kid": "key-2"}), "no single"),
        (lambda s: s.assertion(header={"jku": "https://evil.example/k"}), "jku"),
        (lambda s: "not.a.jwt", "not a signed JWT"),
        (
            lambda s: jwt.encode(
                {"iss": s.client.client_id, "sub": s.client.client_id, "aud": TOKEN_URL},
                "a-shared-secret-long-enough-for-hs384-signing-of-tokens",
                algorithm="HS384",
                headers={"kid": "key-1"},
            ),
            "sign with RS384 or ES384",
        ),
        (
            lambda s: jwt.encode(
                {"iss": s.client.client_id, "sub": s.client.client_id},
                None,
                algorithm="none",
                headers={"kid": "key-1"},
            ),
            "sign with RS384 or ES384",
        ),
    ],
)
def test_a_forged_expired_or_misaddressed_assertion_is_invalid_client(client, forge, said):
    signer = connect()
    answer = ask(client, forge(signer))
    assert answer.status_code == 401
    assert answer.json()["error"] == "invalid_client"
    assert said in answer.json()["error_description"]
    assert not SystemToken.objects.exists()
    refusal = AuditEvent.objects.get(action="auth.sign-in-failed")
    assert refusal.details["username"] == smart.PROBE
    assert "invalid_client" in refusal.reason


def test_an_assertion_is_used_once(client):
    signer = connect()
    assertion = signer.assertion()
    assert ask(client, assertion).status_code == 200
    replayed = ask(client, assertion)
    assert replayed.status_code == 401
    assert "jti was used before" in replayed.json()["error_description"]
    assert SystemToken.objects.count() == 1


@pytest.mark.parametrize(
    ("fields", "error", "status"),
    [
        ({"grant_type": "password"}, "unsupported_grant_type", 400),
        ({"grant_type": None}, "invalid_request", 400),
        ({"client_assertion": None}, "invalid_request", 400),
        ({"client_assertion_type": "urn:other"}, "invalid_client", 401),
        ({"scope": "system/Condition.rs"}, "invalid_scope", 400),
        ({"scope": "patient/*.rs"}, "invalid_scope", 400),
        ({"scope": None}, "invalid_scope", 400),
        ({"client_id": "someone-else"}, "invalid_client", 401),
    ],
)
def test_requests_refused_in_oauths_words(client, fields, error, status):
    signer = connect(scopes=("system/Patient.rs",))
    answer = ask(client, signer.assertion(), **({"scope": "system/Patient.rs"} | fields))
    assert (answer.status_code, answer.json()["error"]) == (status, error)
    assert answer.json()["error_description"]
    assert not SystemToken.objects.exists()


def test_only_a_form_posted_is_taken(client):
    signer = connect()
    as_json = client.post(
        "/oauth/token", {"client_assertion": signer.assertion()}, content_type="application/json"
    )
    assert (as_json.status_code, as_json.json()["error"]) == (400, "invalid_request")
    got = client.get("/oauth/token")
    assert got.status_code == 405
    assert got["Allow"] == "POST"


def test_repeated_refusals_lock_the_address_out_for_the_cool_off(client, settings):
    settings.AXES_FAILURE_LIMIT = 3
    signer = connect()
    for _ in range(3):
        last = ask(client, signer.assertion(audience="https://wrong.example/token"))
    assert last.status_code == 429
    assert int(last["Retry-After"]) > 0
    locked = ask(client, signer.assertion())  # even a good assertion, until the cool-off ends
    assert locked.status_code == 429
    assert locked.json()["error"] == "invalid_client"
    assert not SystemToken.objects.exists()
    assert AuditEvent.objects.filter(action="auth.locked-out").exists()


def test_the_smart_configuration_says_how_to_ask_at_the_root_and_the_fhir_base(client):
    for path in ("/.well-known/smart-configuration", "/fhir/.well-known/smart-configuration"):
        answer = client.get(path)
        assert answer.status_code == 200
        assert answer["Content-Type"] == "application/json"
        said = answer.json()
        assert said["token_endpoint"] == TOKEN_URL
        assert said["grant_types_supported"] == ["client_credentials"]
        assert said["token_endpoint_auth_methods_supported"] == ["private_key_jwt"]
        assert set(said["token_endpoint_auth_signing_alg_values_supported"]) == {
            "RS384",
            "ES384",
        }
        assert "client-confidential-asymmetric" in said["capabilities"]
        assert {"permission-v1", "permission-v2"} <= set(said["capabilities"])
        assert "system/*.rs" in said["scopes_supported"]
