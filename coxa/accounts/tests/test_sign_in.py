"""Sign-in resists guessing: lock-out on every way in, audit of each event, revocable tokens."""

import datetime as dt
import json

import pytest
import time_machine
from django.core.management import call_command
from django.test import Client

from coxa.accounts import services
from coxa.accounts.models import ApiToken
from coxa.core.models import AuditEvent

TOKEN = "/api/v1/auth/token"  # where credentials come in, for the token service

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-test-password"

LIMIT = 5  # COXA_LOGIN_FAILURE_LIMIT's default
WRONG = "not-the-password"


def form(client, username="nia", password=PASSWORD):
    return client.post("/accounts/login/", {"username": username, "password": password})


def token_request(client, username="nia", password=PASSWORD, **more):
    body = {"username": username, "password": password, **more}
    return client.post("/api/v1/auth/token", body, content_type="application/json")


def actions(prefix=""):
    return list(
        AuditEvent.objects.filter(action__startswith=prefix)
        .order_by("at", "id")
        .values_list("action", flat=True)
    )


# ------------------------------------------------------------------ lock-out
def test_the_form_locks_out_after_the_limit_even_the_right_password(nurse):
    client = Client()
    for _ in range(LIMIT - 1):
        assert form(client, password=WRONG).status_code == 200  # the form, with its error
    locked = form(client, password=WRONG)
    assert locked.status_code == 429
    assert "Signing in is paused" in locked.text
    assert 14 * 60 < int(locked["Retry-After"]) <= 15 * 60
    refused = form(client)
    assert refused.status_code == 429
    assert "_auth_user_id" not in client.session
    assert client.get("/staff/").status_code == 302  # still signed out


def test_the_api_locks_out_after_the_limit_in_coxas_error_shape(nurse):
    client = Client()
    for _ in range(LIMIT - 1):
        wrong = token_request(client, password=WRONG)
        assert wrong.status_code == 401
        assert wrong.json()["code"] == "invalid-credentials"
    locked = token_request(client, password=WRONG)
    assert locked.status_code == 429
    assert set(locked.json()) == {"code", "message", "field"}
    assert locked.json()["code"] == "locked-out"
    assert locked.json()["field"] is None
    assert "try again in 15 minutes" in locked.json()["message"]
    assert int(locked["Retry-After"]) > 14 * 60
    right = token_request(client)
    assert right.status_code == 429
    assert right.json()["code"] == "locked-out"
    assert not ApiToken.objects.exists()


def test_failures_by_form_and_api_count_together(nurse):
    client = Client()
    for _ in range(LIMIT - 2):
        form(client, password=WRONG)
    token_request(client, password=WRONG)
    assert token_request(client, password=WRONG).status_code == 429
    assert form(client).status_code == 429


def test_the_lock_is_per_username_and_address(nurse, surgeon):
    for _ in range(LIMIT):
        token_request(Client(), password=WRONG)
    assert token_request(Client()).status_code == 429
    assert token_request(Client(REMOTE_ADDR="10.1.2.3")).status_code == 200
    assert token_request(Client(), username="sam").status_code == 200


def test_the_lock_ends_after_the_cool_off(nurse):
    with time_machine.travel(dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC), tick=False) as clock:
        for _ in range(LIMIT):
            token_request(Client(), password=WRONG)
        clock.shift(dt.timedelta(minutes=14, seconds=59))
        assert token_request(Client()).status_code == 429
        clock.shift(dt.timedelta(seconds=2))
        assert token_request(Client()).status_code == 200


def test_a_success_below_the_limit_starts_the_count_again(nurse):
    client = Client()
    for _ in range(LIMIT - 1):
        token_request(client, password=WRONG)
    assert token_request(client).status_code == 200
    for _ in range(LIMIT - 1):
        token_request(client, password=WRONG)
    assert token_request(client).status_code == 200


def test_an_administrator_unlocks_a_username_from_the_command_line(nurse):
    for _ in range(LIMIT):
        form(Client(), password=WRONG)
    assert form(Client()).status_code == 429
    call_command("axes_reset_username", "nia")
    assert form(Client()).status_code == 302


def test_a_smaller_limit_from_the_settings(settings, nurse):
    settings.AXES_FAILURE_LIMIT = 2
    token_request(Client(), password=WRONG)
    assert token_request(Client(), password=WRONG).status_code == 429


# ------------------------------------------------------------------ audit
def test_each_sign_in_event_is_audited_without_the_password(nurse):
    client = Client()
    form(client, password=WRONG)
    form(Client(), username="nobody-here", password=WRONG)
    assert form(client).status_code == 302
    client.post("/accounts/logout/")
    token_request(Client())
    assert actions("auth.") == [
        "auth.sign-in-failed",
        "auth.sign-in-failed",
        "auth.sign-in",
        "auth.sign-out",
        "auth.sign-in",
    ]
    failed = AuditEvent.objects.filter(action="auth.sign-in-failed").order_by("id")
    assert [e.details["username"] for e in failed] == ["nia", "nobody-here"]
    assert [e.reason for e in failed] == ["wrong password", "unknown username"]
    assert failed[0].object_id == str(nurse.pk)
    assert failed[0].details["ip"] == "127.0.0.1"
    sign_ins = AuditEvent.objects.filter(action="auth.sign-in").order_by("id")
    assert [(e.actor_username, e.via) for e in sign_ins] == [("nia", "web"), ("nia", "api")]
    everything = json.dumps(list(AuditEvent.objects.values("summary", "reason", "details")))
    assert WRONG not in everything
    assert PASSWORD not in everything


def test_a_lock_out_is_audited(nurse):
    for _ in range(LIMIT):
        token_request(Client(), password=WRONG)
    token_request(Client())
    # the failure that locks, then the refusal of the right password while locked
    assert sorted(actions("auth.")) == ["auth.locked-out"] * 2 + ["auth.sign-in-failed"] * LIMIT
    locked = AuditEvent.objects.filter(action="auth.locked-out").first()
    assert locked.details["username"] == "nia"
    assert locked.via == "api"


# ------------------------------------------------------------------ tokens
def test_delete_revokes_the_token_presented_and_no_other(nurse):
    first = token_request(Client()).json()["token"]
    second = token_request(Client()).json()["token"]
    revoked = Client().delete("/api/v1/auth/token", headers={"Authorization": f"Bearer {first}"})
    assert revoked.status_code == 204
    assert (
        Client().get("/api/v1/auth/me", headers={"Authorization": f"Bearer {first}"}).status_code
        == 401
    )
    assert (
        Client().get("/api/v1/auth/me", headers={"Authorization": f"Bearer {second}"}).status_code
        == 200
    )
    assert ApiToken.objects.count() == 1
    event = AuditEvent.objects.get(action="token.revoke")
    assert event.actor_username == "nia"
    assert event.reason == "revoked by its holder"
    again = Client().delete("/api/v1/auth/token", headers={"Authorization": f"Bearer {first}"})
    assert again.status_code == 401


def test_delete_without_a_token_revokes_nothing(nurse, web_as):
    token_request(Client())
    assert Client().delete("/api/v1/auth/token").status_code == 401
    answer = web_as(nurse).delete("/api/v1/auth/token")
    assert answer.status_code == 400
    assert answer.json()["code"] == "no-token"
    assert answer.json()["field"] == "Authorization"
    assert "Authorization header" in answer.json()["message"]
    assert ApiToken.objects.count() == 1
    assert not AuditEvent.objects.filter(action="token.revoke").exists()


@pytest.mark.parametrize("header", ["Bearer coxa_not-a-token", "Bearer", "Basic abc"])
def test_a_session_with_no_live_bearer_token_is_answered_400(nurse, web_as, header):
    live = token_request(Client()).json()["token"]
    answer = web_as(nurse).delete("/api/v1/auth/token", headers={"Authorization": header})
    assert answer.status_code == 400
    assert answer.json()["field"] == "Authorization"
    assert "Authorization header" in answer.json()["message"]
    assert services.user_for_token(live) == nurse
    assert not AuditEvent.objects.filter(action="token.revoke").exists()


def test_a_session_presenting_a_revoked_token_is_told_nothing_was_revoked(nurse, web_as):
    old = {"Authorization": f"Bearer {token_request(Client()).json()['token']}"}
    assert Client().delete("/api/v1/auth/token", headers=old).status_code == 204
    answer = web_as(nurse).delete("/api/v1/auth/token", headers=old)
    assert answer.status_code == 400
    assert answer.json()["code"] == "token-not-live"
    assert AuditEvent.objects.filter(action="token.revoke").count() == 1


def test_a_user_holds_at_most_the_cap_and_the_oldest_goes(rf, settings, nurse):
    settings.API_TOKENS_PER_USER = 3
    issued = []
    with time_machine.travel(dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)) as clock:
        for _ in range(4):
            issued.append(
                services.issue_token(username="nia", password=PASSWORD, request=rf.post(TOKEN))
            )
            clock.shift(dt.timedelta(seconds=5))
        assert ApiToken.objects.filter(user=nurse).count() == 3
        assert services.user_for_token(issued[0]) is None
        assert all(services.user_for_token(t) == nurse for t in issued[1:])
    revoke = AuditEvent.objects.get(action="token.revoke")
    assert "more than 3 tokens" in revoke.reason


def test_the_default_cap_is_five(rf, nurse):
    for _ in range(7):
        services.issue_token(username="nia", password=PASSWORD, request=rf.post(TOKEN))
    assert ApiToken.objects.filter(user=nurse).count() == 5


def test_signing_out_of_the_web_revokes_the_users_tokens(rf, nurse, surgeon):
    mine = services.issue_token(username="nia", password=PASSWORD, request=rf.post(TOKEN))
    theirs = services.issue_token(username="sam", password=PASSWORD, request=rf.post(TOKEN))
    client = Client()
    form(client)
    client.post("/accounts/logout/")
    assert services.user_for_token(mine) is None
    assert services.user_for_token(theirs) == surgeon
    assert AuditEvent.objects.get(action="token.revoke").reason == "signed out"


def test_tokens_stay_stored_as_hashes_only(nurse):
    token = token_request(Client()).json()["token"]
    stored = ApiToken.objects.get()
    assert token not in json.dumps(list(ApiToken.objects.values()), default=str)
    assert len(stored.key_hash) == 64
