"""Fixtures shared by every app's tests: a cast of personas and API clients.

The cast: Sam the surgeon, Nia the pre-assessment nurse, Ada the anaesthetist, Phil the
physiotherapist, Alex the administrator, Ana the analyst; patients Ada Lovelace-Byron
(``ada``, has a portal account) and Bert Okafor (``bert``, no account). And a connected
system, the Ward EHR (``connected_system``: its key made in the test, never committed).

Administrators must use a second factor, so ``make_user`` gives them a confirmed TOTP device;
``sign_in(client, user)`` and ``token_for(user)`` pass it as a real sign-in would. Signing in
with ``Client.login`` needs a request for the lock-out: ``client.login(request=HttpRequest(),
...)``; ``force_login`` alone leaves an administrator's session without its second factor.
"""

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.http import HttpRequest
from django.test import Client, RequestFactory
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice
from hypothesis import settings as hypothesis_settings

from coxa.accounts import services as accounts
from coxa.accounts.domain import Role
from coxa.accounts.models import User
from coxa.accounts.services import otp
from coxa.accounts.tests.systems import Signer, connect
from coxa.core.audit import Via
from coxa.patients import services as patients
from coxa.patients.domain import PatientDetails
from coxa.patients.models import Patient

PASSWORD = "a-long-test-password"

# Property tests never fail on time: a busy machine of two cores (helpers, the PostgreSQL
# suite beside the SQLite one) can take hypothesis past its default 200 ms deadline, and
# performance is measured in bench/, never asserted in tests.
hypothesis_settings.register_profile("coxa", deadline=None)
hypothesis_settings.load_profile("coxa")


def make_user(username: str, role: Role) -> User:
    user = accounts.create_user(
        username=username,
        role=role.value,
        password=PASSWORD,
        by=None,
        first_name=username.title(),
        check_password_strength=False,
    )
    if otp.required_for(user):
        TOTPDevice.objects.create(user=user, name=otp.DEVICE_NAME, confirmed=True)
    return user


def code_for(user: User) -> str:
    """The current code of the user's device, usable again (tests sign in more than once)."""
    TOTPDevice.objects.filter(user=user).update(last_t=-1, throttling_failure_count=0)
    device = otp.confirmed_device(user)
    assert device is not None, f"{user.username} has no second factor"
    return otp.current_code(device)


def sign_in(client: Client, user: User) -> Client:
    """Sign a test client in as the user, second factor included when they have one."""
    client.force_login(user)
    device = otp.confirmed_device(user)
    if device is not None:
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
    return client


def sign_in_request() -> HttpRequest:
    """A request for a token from this machine, as the token service needs one."""
    return RequestFactory().post("/api/v1/auth/token")


def token_for(user: User) -> str:
    """A bearer token for the user, through the service (with their code when they need one)."""
    code = code_for(user) if otp.confirmed_device(user) is not None else ""
    return accounts.issue_token(
        username=user.username, password=PASSWORD, request=sign_in_request(), otp=code
    )


@pytest.fixture
def connected_system(db: Any) -> Signer:
    return connect()


@pytest.fixture
def system_account(connected_system: Signer) -> User:
    """The connected system's service account (role "connected-system")."""
    return connected_system.user


@pytest.fixture
def surgeon(db: Any) -> User:
    return make_user("sam", Role.SURGEON)


@pytest.fixture
def nurse(db: Any) -> User:
    return make_user("nia", Role.NURSE)


@pytest.fixture
def anaesthetist(db: Any) -> User:
    return make_user("ada-gas", Role.ANAESTHETIST)


@pytest.fixture
def physio(db: Any) -> User:
    return make_user("phil", Role.PHYSIOTHERAPIST)


@pytest.fixture
def admin(db: Any) -> User:
    return make_user("alex", Role.ADMINISTRATOR)


@pytest.fixture
def analyst(db: Any) -> User:
    return make_user("ana", Role.ANALYST)


def details(**overrides: Any) -> PatientDetails:
    fields: dict[str, Any] = {
        "given_name": "Bert",
        "family_name": "Okafor",
        "date_of_birth": dt.date(1971, 3, 14),
        "sex": "male",
        "nhs_number": "943 476 5919",
        "hospital_number": "h100200",
    }
    return PatientDetails(**(fields | overrides))


@pytest.fixture
def bert(nurse: User) -> Patient:
    return patients.register_patient(details=details(), by=nurse, via=Via.WEB)


@pytest.fixture
def ada_user(db: Any) -> User:
    return make_user("ada", Role.PATIENT)


@pytest.fixture
def ada(nurse: User, ada_user: User) -> Patient:
    patient = patients.register_patient(
        details=details(
            given_name="Ada",
            family_name="Lovelace-Byron",
            sex="female",
            date_of_birth=dt.date(1985, 12, 10),
            nhs_number="",
            hospital_number="H100300",
        ),
        by=nurse,
        via=Via.WEB,
    )
    return patients.link_account(patient=patient, user=ada_user, by=nurse, via=Via.WEB)


@pytest.fixture
def otp_code(db: Any) -> Callable[[User], str]:
    """The current code of a user's second factor (see ``code_for``)."""
    return code_for


@pytest.fixture
def api_as(db: Any) -> Callable[[User], Client]:
    """A client that sends a bearer token for the given user, obtained through the API."""

    def client_for(user: User) -> Client:
        body = {"username": user.username, "password": PASSWORD}
        if otp.confirmed_device(user) is not None:
            body["otp"] = code_for(user)
        response = Client().post("/api/v1/auth/token", body, content_type="application/json")
        assert response.status_code == 200, response.content
        return Client(headers={"Authorization": f"Bearer {response.json()['token']}"})

    return client_for


@pytest.fixture
def web_as(db: Any) -> Callable[[User], Client]:
    """A browser-like client signed in as the given user."""

    def client_for(user: User) -> Client:
        return sign_in(Client(), user)

    return client_for


@pytest.fixture
def database_queue(settings: Any) -> None:
    """Tasks wait in the database's queue, as in production, until a worker runs them."""
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}
    }


@pytest.fixture(autouse=True)
def _empty_cache() -> Any:
    """Each test starts with an empty cache.

    Results cached under a data version of one test's records are never read by another's
    (the versions repeat as tests roll back).
    """
    from django.core.cache import caches  # noqa: PLC0415 (settings are ready only in tests)

    for name in ("default", "counts"):
        caches[name].clear()
    yield
    for name in ("default", "counts"):
        caches[name].clear()
