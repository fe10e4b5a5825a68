import datetime as dt

import pytest
from django.test import Client, RequestFactory

from coxa.accounts import services
from coxa.accounts.models import ApiToken, User
from coxa.core import clock
from coxa.core.errors import Conflict, InvalidInput, NotAuthenticated
from coxa.core.models import AuditEvent

TOKEN = "/api/v1/auth/token"  # where credentials come in, for the token service

pytestmark = pytest.mark.django_db


def test_tokens_are_stored_only_as_hashes(rf, nurse):
    token = services.issue_token(
        username="nia", password="a-long-test-password", request=rf.post(TOKEN)
    )
    stored = ApiToken.objects.get()
    assert token not in stored.key_hash
    assert services.user_for_token(token) == nurse


def test_expired_tokens_and_inactive_users_are_refused(rf, nurse):
    token = services.issue_token(
        username="nia", password="a-long-test-password", request=rf.post(TOKEN)
    )
    with clock.replaying(clock.now() + dt.timedelta(hours=13)):
        assert services.user_for_token(token) is None
    User.objects.filter(pk=nurse.pk).update(is_active=False)
    assert services.user_for_token(token) is None


def test_the_token_service_needs_the_request_the_credentials_came_in(nurse):
    with pytest.raises(TypeError):
        services.issue_token(username="nia", password="a-long-test-password")
    request = RequestFactory(REMOTE_ADDR="10.9.8.7").post("/api/v1/auth/token")
    with pytest.raises(NotAuthenticated):
        services.issue_token(username="nia", password="nope", request=request)
    failed = AuditEvent.objects.get(action="auth.sign-in-failed")
    assert failed.details["ip"] == "10.9.8.7"


def test_wrong_passwords_get_no_token(rf, nurse):
    with pytest.raises(NotAuthenticated):
        services.issue_token(username="nia", password="nope", request=rf.post(TOKEN))


def test_usernames_are_unique_whatever_their_case(admin):
    with pytest.raises(Conflict) as error:
        services.create_user(username="ALEX", role="nurse", password="x-long-enough-1", by=admin)
    assert error.value.field == "username"


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"role": "janitor"}, "role"),
        ({"password": "123"}, "password"),
        ({"username": " "}, "username"),
    ],
)
def test_bad_accounts_are_refused_by_field(admin, fields, field):
    values = {"username": "newbie", "role": "nurse", "password": "x-long-enough-1"} | fields
    with pytest.raises(InvalidInput) as error:
        services.create_user(by=admin, **values)
    assert error.value.field == field
    assert not User.objects.filter(username="newbie").exists()


def test_deactivating_a_user_revokes_their_tokens(rf, admin, nurse):
    services.issue_token(username="nia", password="a-long-test-password", request=rf.post(TOKEN))
    services.update_user(
        user=nurse, by=admin, role="nurse", is_active=False, first_name="", last_name="", email=""
    )
    assert not ApiToken.objects.exists()
    assert AuditEvent.objects.get(action="user.update").details["after"]["is_active"] is False


def _revocations(user):
    return list(
        AuditEvent.objects.filter(action="token.revoke", object_id=str(user.pk)).values_list(
            "actor_username", "reason", "details"
        )
    )


def test_deactivation_and_a_new_password_audit_the_tokens_they_revoke(rf, admin, nurse, surgeon):
    for username in ("nia", "nia", "sam"):
        services.issue_token(
            username=username, password="a-long-test-password", request=rf.post(TOKEN)
        )
    services.update_user(
        user=nurse, by=admin, role="nurse", is_active=False, first_name="", last_name="", email=""
    )
    services.set_password(user=surgeon, password="another-long-one-2", by=admin)
    assert not ApiToken.objects.exists()
    assert _revocations(nurse) == [("alex", "account deactivated", {"tokens": 2})]
    assert _revocations(surgeon) == [("alex", "password changed", {"tokens": 1})]


def test_no_revocation_is_recorded_when_there_was_no_token(admin, nurse):
    services.update_user(
        user=nurse, by=admin, role="nurse", is_active=False, first_name="", last_name="", email=""
    )
    services.set_password(user=nurse, password="another-long-one-2", by=admin)
    services.update_user(
        user=admin,
        by=admin,
        role="administrator",
        is_active=True,
        first_name="A",
        last_name="",
        email="",
    )
    assert _revocations(nurse) == []


def test_an_active_users_update_keeps_their_tokens(rf, admin, nurse):
    services.issue_token(username="nia", password="a-long-test-password", request=rf.post(TOKEN))
    services.update_user(
        user=nurse, by=admin, role="surgeon", is_active=True, first_name="", last_name="", email=""
    )
    assert ApiToken.objects.count() == 1
    assert _revocations(nurse) == []


def test_administrators_cannot_lock_themselves_out(admin):
    with pytest.raises(InvalidInput):
        services.update_user(
            user=admin,
            by=admin,
            role="admin",
            is_active=True,
            first_name="",
            last_name="",
            email="",
        )
    with pytest.raises(InvalidInput):
        services.update_user(
            user=admin,
            by=admin,
            role="administrator",
            is_active=False,
            first_name="",
            last_name="",
            email="",
        )


def test_an_administrator_manages_users_through_the_pages(web_as, admin):
    client = web_as(admin)
    created = client.post(
        "/staff/users/new/",
        {"username": "pat", "role": "physiotherapist", "password": "x-long-enough-1"},
    )
    assert created.status_code == 302
    changed = client.post(
        "/staff/users/pat/",
        {"role": "surgeon", "is_active": "on", "first_name": "Pat", "last_name": "", "email": ""},
    )
    assert changed.status_code == 302
    assert User.objects.get(username="pat").role == "surgeon"
    reset = client.post("/staff/users/pat/", {"password": "another-long-one-2"})
    assert reset.status_code == 302
    signed_in = Client().post(
        "/accounts/login/", {"username": "pat", "password": "another-long-one-2"}
    )
    assert signed_in.status_code == 302
    assert signed_in["Location"] == "/accounts/welcome/"


def test_the_user_form_explains_a_refusal(web_as, admin, nurse):
    response = web_as(admin).post(
        "/staff/users/new/", {"username": "nia", "role": "nurse", "password": "x-long-enough-1"}
    )
    assert response.status_code == 400
    assert "taken" in response.context["form"].errors["username"][0]


def test_only_administrators_reach_user_and_audit_pages(web_as, surgeon, admin):
    for url in ("/staff/users/", "/staff/users/new/", "/staff/audit/"):
        assert web_as(surgeon).get(url).status_code == 403
        assert web_as(admin).get(url).status_code == 200


def test_the_audit_log_filters(web_as, admin, bert, nurse):
    page = web_as(admin).get(f"/staff/audit/?patient={bert.public_id}&actor=nia")
    events = page.context["events"]
    assert events
    assert all(e.patient_id == bert.public_id and e.actor_username == "nia" for e in events)
    assert AuditEvent.objects.filter(action="audit.search").exists()
