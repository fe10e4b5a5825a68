"""The second factor (TOTP) for staff, required for administrators; demo accounts need DEBUG."""

import datetime as dt
import re
from io import StringIO

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.test import Client, override_settings
from django_otp.plugins.otp_totp.models import TOTPDevice

from coxa.accounts import services
from coxa.accounts.domain import Role
from coxa.accounts.models import ApiToken
from coxa.accounts.services import otp
from coxa.core.models import AuditEvent

TOKEN = "/api/v1/auth/token"  # where credentials come in, for the token service

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-test-password"

LIMIT = 5
MORNING = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


def wrong_code(device):
    right = otp.current_code(device)
    return "000000" if right != "000000" else "111111"


def form(client, username, password=PASSWORD):
    return client.post("/accounts/login/", {"username": username, "password": password})


def token_request(username, password=PASSWORD, **more):
    return Client().post(
        "/api/v1/auth/token",
        {"username": username, "password": password, **more},
        content_type="application/json",
    )


def make_user(username, role):
    return services.create_user(
        username=username,
        role=role.value,
        password=PASSWORD,
        by=None,
        check_password_strength=False,
    )


@pytest.fixture
def bare_admin(db):
    """An administrator who has not set up a second factor yet."""
    return make_user("root", Role.ADMINISTRATOR)


@pytest.fixture
def enrolled_nurse(nurse):
    TOTPDevice.objects.create(user=nurse, name=otp.DEVICE_NAME, confirmed=True)
    return nurse


# ------------------------------------------------------------------ the form, two steps
def test_a_user_with_a_device_is_asked_for_the_code_before_being_signed_in(
    enrolled_nurse, otp_code
):
    client = Client()
    first = form(client, "nia")
    assert first.status_code == 302
    assert first["Location"].startswith("/accounts/login/code/")
    assert "_auth_user_id" not in client.session
    assert client.get("/staff/").status_code == 302
    assert not AuditEvent.objects.filter(action="auth.sign-in").exists()
    done = client.post(first["Location"], {"code": otp_code(enrolled_nurse)})
    assert done.status_code == 302
    assert done["Location"] == "/accounts/welcome/"
    assert client.get("/staff/").status_code == 200
    assert AuditEvent.objects.filter(action="auth.sign-in", actor_username="nia").count() == 1


def test_a_wrong_code_is_refused_and_counts_towards_the_lock_out(enrolled_nurse):
    device = otp.confirmed_device(enrolled_nurse)
    client = Client()
    step = form(client, "nia")["Location"]
    for attempt in range(LIMIT - 1):
        refused = client.post(step, {"code": wrong_code(device)})
        assert refused.status_code == 200, attempt
        assert "wrong or has expired" in refused.text
    locked = client.post(step, {"code": wrong_code(device)})
    assert locked.status_code == 429
    assert "_auth_user_id" not in client.session
    # locked: neither the password nor the right code gets in
    assert form(Client(), "nia").status_code == 429
    failed = AuditEvent.objects.filter(action="auth.sign-in-failed")
    assert failed.count() == LIMIT
    assert {e.reason for e in failed} == {"wrong second-factor code"}


def test_the_code_step_without_a_password_first_goes_back_to_sign_in(enrolled_nurse):
    response = Client().post("/accounts/login/code/", {"code": "123456"})
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/"


def test_the_code_step_expires(enrolled_nurse, otp_code):
    with time_machine.travel(MORNING, tick=False) as clock:
        client = Client()
        step = form(client, "nia")["Location"]
        clock.shift(dt.timedelta(minutes=6))
        late = client.post(step, {"code": otp_code(enrolled_nurse)})
        assert late["Location"] == "/accounts/login/"
        assert "_auth_user_id" not in client.session


def test_the_code_step_keeps_to_this_site(enrolled_nurse, otp_code):
    client = Client()
    form(client, "nia")
    done = client.post(
        "/accounts/login/code/?next=https://evil.example/", {"code": otp_code(enrolled_nurse)}
    )
    assert done["Location"] == "/accounts/welcome/"


# ------------------------------------------------------------------ administrators must enrol
def test_an_administrator_without_a_device_is_sent_to_set_one_up(bare_admin):
    client = Client()
    assert form(client, "root").status_code == 302
    for url in ("/staff/", "/staff/users/", "/staff/audit/", "/accounts/welcome/"):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"] == "/accounts/two-factor/"
    assert client.get("/api/v1/auth/me").status_code == 401  # the session is not enough
    page = client.get("/accounts/two-factor/")
    assert page.status_code == 200
    assert "must sign in with a second factor" in page.text


def test_setting_up_a_device_shows_the_secret_and_confirms_with_a_code(bare_admin):
    client = Client()
    form(client, "root")
    started = client.post("/accounts/two-factor/", {"action": "start"}, follow=True)
    pending = otp.pending_device(bare_admin)
    assert pending is not None
    assert otp.secret_of(pending) in started.text
    assert "otpauth://totp/Coxa%3Aroot?secret=" in started.text
    assert "<svg" in started.text
    assert "https://" not in re.sub(r'href="[^"]*"', "", started.text.split("<main")[1])
    wrong = client.post("/accounts/two-factor/", {"action": "confirm", "code": wrong_code(pending)})
    assert "wrong or has expired" in wrong.text
    assert otp.confirmed_device(bare_admin) is None
    confirmed = client.post(
        "/accounts/two-factor/", {"action": "confirm", "code": otp.current_code(pending)}
    )
    assert confirmed.status_code == 302
    assert otp.confirmed_device(bare_admin) is not None
    assert client.get("/staff/users/").status_code == 200  # this session is now verified
    assert AuditEvent.objects.filter(action="otp.enrol", actor_username="root").exists()


def test_setting_up_a_device_revokes_tokens_issued_without_it(rf, nurse):
    services.issue_token(username="nia", password=PASSWORD, request=rf.post(TOKEN))
    device = otp.start_enrolment(user=nurse)
    otp.confirm_enrolment(user=nurse, code=otp.current_code(device))
    assert not ApiToken.objects.exists()


def test_removing_a_device_needs_a_current_code(admin, web_as, otp_code):
    client = web_as(admin)
    device = otp.confirmed_device(admin)
    refused = client.post("/accounts/two-factor/", {"action": "remove", "code": wrong_code(device)})
    assert refused.status_code == 400
    assert otp.confirmed_device(admin) is not None
    removed = client.post("/accounts/two-factor/", {"action": "remove", "code": otp_code(admin)})
    assert removed.status_code == 302
    assert not TOTPDevice.objects.filter(user=admin).exists()
    assert AuditEvent.objects.filter(action="otp.remove").exists()
    assert client.get("/staff/")["Location"] == "/accounts/two-factor/"  # required: enrol again


def test_starting_again_with_a_device_set_up_is_refused_on_the_form(admin, web_as):
    refused = web_as(admin).post("/accounts/two-factor/", {"action": "start"})
    assert refused.status_code == 400
    assert "remove your authenticator app before adding another" in refused.text
    assert TOTPDevice.objects.filter(user=admin).count() == 1


def test_a_lost_device_is_removed_from_the_command_line(admin):
    call_command("otp_remove", "alex", stdout=StringIO())
    assert otp.confirmed_device(admin) is None
    assert AuditEvent.objects.get(action="otp.remove").via == "cli"
    with pytest.raises(CommandError):
        call_command("otp_remove", "alex", stdout=StringIO())


def test_a_session_from_before_the_device_must_sign_in_again(nurse, web_as):
    client = web_as(nurse)
    TOTPDevice.objects.create(user=nurse, name=otp.DEVICE_NAME, confirmed=True)
    response = client.get("/staff/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize("role", [Role.SURGEON, Role.NURSE, Role.ANALYST, Role.PATIENT])
def test_other_roles_need_no_second_factor(role):
    user = make_user("someone", role)
    assert form(Client(), "someone").status_code == 302
    assert token_request("someone").status_code == 200
    assert not otp.needs_code(user)


def test_patients_cannot_set_up_a_second_factor(ada_user, web_as):
    assert web_as(ada_user).get("/accounts/two-factor/").status_code == 403
    assert web_as(ada_user).post("/accounts/two-factor/", {"action": "start"}).status_code == 403
    assert not TOTPDevice.objects.exists()


@override_settings(OTP_REQUIRED_ROLES=frozenset({"surgeon"}))
def test_the_roles_that_must_use_a_second_factor_are_a_setting(surgeon):
    client = Client()
    form(client, "sam")
    assert client.get("/staff/")["Location"] == "/accounts/two-factor/"


# ------------------------------------------------------------------ the API's otp field
def test_the_api_asks_for_the_code_of_a_user_with_a_device(admin, otp_code):
    missing = token_request("alex")
    assert missing.status_code == 401
    assert (missing.json()["code"], missing.json()["field"]) == ("otp-required", "otp")
    wrong = token_request("alex", otp=wrong_code(otp.confirmed_device(admin)))
    assert wrong.status_code == 401
    assert (wrong.json()["code"], wrong.json()["field"]) == ("wrong-otp", "otp")
    right = token_request("alex", otp=otp_code(admin))
    assert right.status_code == 200
    assert not ApiToken.objects.exclude(user=admin).exists()


def test_the_api_refuses_an_administrator_without_a_device(bare_admin):
    response = token_request("root", otp="123456")
    assert response.status_code == 401
    assert (response.json()["code"], response.json()["field"]) == ("otp-not-set-up", "otp")


def test_a_code_works_once(admin, otp_code):
    code = otp_code(admin)
    assert token_request("alex", otp=code).status_code == 200
    assert token_request("alex", otp=code).status_code == 401


def test_wrong_codes_to_the_api_lock_out(admin, otp_code):
    device = otp.confirmed_device(admin)
    for _ in range(LIMIT - 1):
        assert token_request("alex", otp=wrong_code(device)).status_code == 401
    assert token_request("alex", otp=wrong_code(device)).status_code == 429
    assert token_request("alex", otp=otp_code(admin)).status_code == 429


def test_a_code_needs_the_right_password_first(admin, otp_code):
    response = token_request("alex", password="wrong-password", otp=otp_code(admin))
    assert response.status_code == 401
    assert response.json()["field"] == "password"
