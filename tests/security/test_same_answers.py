"""The same situation gets the same answer in every app, on pages and on the API alike.

- Not signed in: every page sends the caller to sign in; every API operation answers 401
  (``not-authenticated``); the CDS service and the FHIR API answer 401 as a FHIR
  OperationOutcome.
- Signed in, but the role may not: 403 everywhere (the 403 page, the API's ``forbidden``),
  whichever app the route belongs to; an analyst gets it on every clinical page.
- No such record, or one the caller may not learn exists (a patient asking for another
  patient's record): 404, the same answer either way, and the attempt is audited.

Every route comes from the URL map and the API's routers (``test_permission_table``).
"""
# ruff: noqa: F811 - ``cast``, the fixture shared with test_permission_table

import uuid

import pytest
from django.test import Client

from coxa.accounts.domain import Role
from coxa.accounts.permissions import TABLE
from coxa.conftest import sign_in, token_for
from coxa.core.models import AuditEvent
from tests.security.test_permission_table import (
    Route,
    api_routes,
    call,
    cast,  # noqa: F401 - the fixture, shared
    credential,
    page_routes,
    url_of,
)

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"


def _routes() -> list[Route]:
    return page_routes() + api_routes()


def _templates(response) -> set[str]:
    return {t.name for t in getattr(response, "templates", []) if t.name}


def _json(response) -> dict:
    return response.json() if "json" in response.get("Content-Type", "") else {}


def _outcome(response) -> str:
    """The issue type of a FHIR OperationOutcome (the CDS service's errors), else ''."""
    body = _json(response)
    if body.get("resourceType") != "OperationOutcome":
        return ""
    return str(body["issue"][0]["code"])


def test_signed_out_pages_send_to_sign_in_and_the_api_answers_401(cast):
    client = Client()
    wrong = []
    for route in _routes():
        if TABLE[route.op].public:
            continue
        url = url_of(route, cast["other"], cast)
        response = call(client, route, url, "")
        if route.bearer_only:
            ok = response.status_code == 401 and _outcome(response) == "login"
        elif route.api:
            ok = response.status_code == 401 and _json(response).get("code") == "not-authenticated"
        else:
            ok = response.status_code == 302 and response["Location"].startswith(LOGIN)
        if not ok:
            wrong.append(f"{route.method} {url}: {response.status_code}")
    assert wrong == []


@pytest.mark.parametrize("role", [r for r in Role if r != Role.PATIENT] + [Role.PATIENT])
def test_a_role_the_table_refuses_gets_403_in_the_shape_of_its_interface(cast, role):
    user = cast["users"][role]
    client = sign_in(Client(), user)
    whose = "own" if role == Role.PATIENT else "other"
    wrong = []
    for route in _routes():
        if TABLE[route.op].admits(role.value):
            continue
        url = url_of(route, cast[whose], cast)
        response = call(client, route, url, credential(cast, user, route, url))
        if route.bearer_only:
            ok = response.status_code == 403 and _outcome(response) == "forbidden"
        elif route.api:
            ok = response.status_code == 403 and _json(response).get("code") == "forbidden"
        else:
            ok = response.status_code == 403 and "403.html" in _templates(response)
        if not ok:
            wrong.append(f"{route.method} {url}: {response.status_code}")
    assert wrong == []


def test_an_analyst_gets_403_on_every_clinical_page_of_every_app(cast):
    analyst = cast["users"][Role.ANALYST]
    client = sign_in(Client(), analyst)
    token = token_for(analyst)
    clinical = [r for r in page_routes() if not TABLE[r.op].admits(Role.ANALYST.value)]
    apps = {r.pattern.split("/")[1] for r in clinical if r.pattern.startswith("staff/")}
    assert {"patients", "episodes", "operations"} & apps, apps  # several apps are covered
    statuses = {
        f"{r.method} /{r.pattern}": call(
            client, r, url_of(r, cast["other"], cast), token
        ).status_code
        for r in clinical
    }
    assert set(statuses.values()) == {403}, statuses


def _own_routes() -> list[Route]:
    """Routes a patient may call for their own records, with a record's id in the path."""
    return [
        r
        for r in _routes()
        if TABLE[r.op].own and ("episode_id" in r.pattern or "patient_id" in r.pattern)
    ]


def test_another_patients_record_is_answered_as_a_missing_one(cast):
    ada = cast["users"][Role.PATIENT]
    client = sign_in(Client(), ada)
    token = token_for(ada)
    missing = {"episode_id": uuid.uuid4(), "patient_id": uuid.uuid4()}
    routes = _own_routes()
    assert any(r.api for r in routes)
    assert any(not r.api for r in routes)
    differences = []
    probed = []
    for route in routes:
        probed.append(url_of(route, cast["other"], cast))
        others = call(client, route, probed[-1], token)
        nobodys = call(client, route, url_of(route, missing, cast), token)
        same = (others.status_code, _json(others)) == (nobodys.status_code, _json(nobodys))
        if others.status_code != 404 or not same:
            differences.append(f"{route.method} /{route.pattern}: {others.status_code}")
        if route.bearer_only:
            if _outcome(others) != "not-found":
                differences.append(f"{route.method} /{route.pattern}: not an OperationOutcome")
        elif not route.api and "404.html" not in _templates(others):
            differences.append(f"{route.method} /{route.pattern}: not the 404 page")
    assert differences == []
    refused = AuditEvent.objects.filter(action="access.refused", actor=ada)
    audited = {event.details["path"] for event in refused}
    assert set(probed) <= audited  # each attempt on another's record, though answered 404


def test_a_record_that_does_not_exist_is_404_for_staff_on_pages_and_the_api(cast):
    surgeon = cast["users"][Role.SURGEON]
    client = sign_in(Client(), surgeon)
    token = token_for(surgeon)
    missing = {"episode_id": uuid.uuid4(), "patient_id": uuid.uuid4()}
    wrong = []
    for route in _routes():
        reads = route.method == "GET" and TABLE[route.op].admits(Role.SURGEON.value)
        if not reads or not ("episode_id" in route.pattern or "patient_id" in route.pattern):
            continue
        url = url_of(route, missing, cast)
        response = call(client, route, url, token)
        if response.status_code != 404:
            wrong.append(f"GET {url}: {response.status_code}")
        elif route.api and _json(response).get("code") != "not-found":
            wrong.append(f"GET {url}: {_json(response)}")
    assert wrong == []
