"""Demo accounts: marked, refused unless COXA_DEBUG is on; the admin's published second factor."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import Client, override_settings

from coxa.accounts import services
from coxa.accounts.domain import Role
from coxa.accounts.models import User
from coxa.accounts.services import otp
from coxa.conftest import sign_in_request
from coxa.core.errors import NotAuthenticated
from coxa.core.models import AuditEvent
from coxa.demo import logins

pytestmark = pytest.mark.django_db


def form(client, username, password):
    return client.post("/accounts/login/", {"username": username, "password": password})


def token_request(username, password):
    return Client().post(
        "/api/v1/auth/token",
        {"username": username, "password": password},
        content_type="application/json",
    )


@pytest.fixture
def demo_users(db):
    with override_settings(DEBUG=True):
        users, _ = logins.ensure_users("coxa-demo")
    return users


def test_demo_accounts_are_marked_and_the_demo_admin_has_the_published_secret(demo_users):
    assert all(u.is_demo for u in demo_users.values())
    device = otp.confirmed_device(demo_users[Role.ADMINISTRATOR])
    assert device is not None
    assert device.key == logins.DEMO_TOTP_KEY
    assert otp.confirmed_device(demo_users[Role.NURSE]) is None
    lines = "\n".join(logins.second_factor_lines(demo_users))
    assert otp.secret_of(device) in lines
    assert "coxa otp_code admin" in lines


def test_demo_accounts_are_refused_with_debug_off_on_every_way_in(demo_users, settings):
    settings.DEBUG = True
    token = services.issue_token(username="nurse", password="coxa-demo", request=sign_in_request())
    session = Client()
    assert form(session, "nurse", "coxa-demo").status_code == 302
    settings.DEBUG = False
    refused = form(Client(), "nurse", "coxa-demo")
    assert refused.status_code == 200
    assert "_auth_user_id" not in refused.wsgi_request.session
    assert token_request("nurse", "coxa-demo").status_code == 401
    with pytest.raises(NotAuthenticated):
        services.issue_token(username="nurse", password="coxa-demo", request=sign_in_request())
    assert services.user_for_token(token) is None
    assert session.get("/staff/").status_code == 302  # the old session no longer signs in
    failed = AuditEvent.objects.filter(action="auth.sign-in-failed").first()
    assert "demo account" in failed.reason


def test_demo_accounts_sign_in_with_debug_on(demo_users, settings):
    settings.DEBUG = True
    client = Client()
    step = form(client, "admin", "coxa-demo")["Location"]
    assert step.startswith("/accounts/login/code/")
    device = otp.confirmed_device(demo_users[Role.ADMINISTRATOR])
    assert client.post(step, {"code": otp.current_code(device)}).status_code == 302
    assert client.get("/staff/users/").status_code == 200


def test_an_ordinary_account_is_not_a_demo_account(nurse, settings):
    settings.DEBUG = False
    assert not User.objects.get(pk=nurse.pk).is_demo
    assert token_request("nia", "a-long-test-password").status_code == 200


def test_the_current_demo_code_is_printed_only_with_debug_on(demo_users, nurse, settings):
    settings.DEBUG = True
    out = StringIO()
    call_command("otp_code", "admin", stdout=out)
    device = otp.confirmed_device(demo_users[Role.ADMINISTRATOR])
    assert out.getvalue().strip() == otp.current_code(device)
    with pytest.raises(CommandError, match="not a demo account"):
        call_command("otp_code", "nia", stdout=StringIO())
    settings.DEBUG = False
    with pytest.raises(CommandError, match="COXA_DEBUG"):
        call_command("otp_code", "admin", stdout=StringIO())


def test_a_published_secret_is_only_for_demo_accounts(admin):
    with pytest.raises(Exception, match="demo"):
        otp.ensure_demo_device(user=admin, key=logins.DEMO_TOTP_KEY)
