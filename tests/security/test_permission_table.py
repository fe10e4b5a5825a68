"""The permission table, tested as callers meet it: every route, every role, no exceptions.

Generated from ``coxa.accounts.permissions.TABLE`` and from the routes themselves: every page
(the URL map) and every API operation (the ninja routers) is called as each role, as nobody,
and as a patient against another patient's records. A caller the table admits must get
past the guard (neither 401 nor 403, nor a redirect to sign in, nor a 5xx); a caller it
does not admit must be refused (403; 401 or the sign-in page when anonymous); a patient
asking for another patient's record is answered 404, as if it did not exist. Every route
must name its row, and every row must name a route. Any difference is listed and fails.
"""

import datetime as dt
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from coxa.accounts.access import (
    BEARER_GET_ATTRIBUTE,
    POST_ONLY_ATTRIBUTE,
    operation_of,
)
from coxa.accounts.api_access import api_operation_of
from coxa.accounts.domain import Role
from coxa.accounts.models import User
from coxa.accounts.permissions import TABLE, Op
from coxa.config.api import api
from coxa.conftest import sign_in, token_for
from coxa.core.models import AuditEvent
from tests.journeys import walk_to

pytestmark = pytest.mark.django_db

LISTED_ON = dt.date(2026, 1, 5)
API_PREFIX = "api/v1/"
NINJA_DOCS = ("openapi.json", "docs")


@dataclass(frozen=True)
class Route:
    method: str
    pattern: str  # with <converter:name> (pages) or {name} (API) placeholders
    op: Op
    api: bool
    bearer_only: bool = False  # a service an EHR calls with a token (CDS Hooks, FHIR)


def _pages(patterns: list[Any], prefix: str = "") -> Iterator[tuple[str, Any, str]]:
    for entry in patterns:
        if isinstance(entry, URLResolver):
            if str(entry.pattern) == API_PREFIX:
                continue
            yield from _pages(entry.url_patterns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), entry.callback, entry.name or ""


def page_routes() -> list[Route]:
    routes = []
    for pattern, view, name in _pages(get_resolver().url_patterns):
        ops = operation_of(view)
        assert ops, f"/{pattern} ({name}) names no row of the permission table"
        service = getattr(view, POST_ONLY_ATTRIBUTE, False)
        read = getattr(view, BEARER_GET_ATTRIBUTE, False)
        method = "POST" if service else "GET"
        routes.append(Route(method, pattern, ops[0], False, service or read))
        if len(ops) > 1:
            routes.append(Route("POST", pattern, ops[1], api=False))
    return routes


def api_routes() -> list[Route]:
    # ninja serves its own documentation (the OpenAPI and Swagger UI), public by design.
    routes = [Route("GET", API_PREFIX + path, Op.API_DOCS, api=True) for path in NINJA_DOCS]
    for prefix, router in api._routers:
        for path, path_view in router.path_operations.items():
            for operation in path_view.operations:
                op = api_operation_of(operation.auth_callbacks)
                assert op, f"{operation.methods} {path} names no row of the permission table"
                url = API_PREFIX + (prefix + path).lstrip("/")
                routes.extend(Route(method, url, op, api=True) for method in operation.methods)
    return routes


def test_every_route_names_a_row_and_every_row_a_route():
    used = {r.op for r in page_routes() + api_routes()}
    assert set(TABLE) == set(Op)
    assert set(Op) - used == set(), "rows no route uses"


@pytest.fixture
def cast(  # noqa: PLR0917
    surgeon, nurse, anaesthetist, physio, admin, analyst, ada, ada_user, bert, connected_system
):
    """One user of each role, a hip of Bert's (no account) and one of Ada's (a patient).

    And a connected system (an EHR): a session and a CDS Hooks JWT as its own, so that the
    table is seen to refuse it every page and every JSON-API operation (H97).
    """
    bert_hip = walk_to("recovering", patient=bert, by=surgeon, listed_on=LISTED_ON)
    ada_hip = walk_to(
        "recovering", patient=ada, by=surgeon, listed_on=LISTED_ON, procedure="core-decompression"
    )
    users: dict[str, User | None] = {
        Role.SURGEON: surgeon,
        Role.NURSE: nurse,
        Role.ANAESTHETIST: anaesthetist,
        Role.PHYSIOTHERAPIST: physio,
        Role.ADMINISTRATOR: admin,
        Role.ANALYST: analyst,
        Role.PATIENT: ada_user,
        Role.SYSTEM: connected_system.user,
    }
    return {
        "users": users,
        "system": connected_system,
        "other": {"episode_id": bert_hip.public_id, "patient_id": bert.public_id},
        "own": {"episode_id": ada_hip.public_id, "patient_id": ada.public_id},
        "entry_id": uuid.uuid4(),
        "username": surgeon.username,
    }


PLACEHOLDER = re.compile(r"<(?:\w+:)?(\w+)>|\{(\w+)\}")
FIXED = {
    "kind": "observation",
    "service_id": "coxa-hip-decisions",
    "code": "hoos-jr",
    "instrument": "pain-nrs",
    # A follow-up review that does not exist: admitted callers get past the guard to a 404.
    "review_id": "00000000-0000-4000-8000-000000000066",
    "complication_id": uuid.UUID(int=14),  # no such entry: the service answers 404
    "response_id": uuid.UUID(int=63),  # no such questionnaire response: 404 past the guard
    "record_id": uuid.UUID(int=15),  # no such surveillance record: 404 past the guard
    "enquiry_id": uuid.UUID(int=26),  # no such consultation request: 404 past the guard
    "job_id": uuid.UUID(int=18),  # no such print run of the caller's: 404 past the guard
    "token": "not-a-real-token",
    # The FHIR API: a type it serves, and an id no record has (404 past the guard).
    "resource_type": "Observation",
    "resource_id": uuid.UUID(int=19),
    "group_id": "bhr",  # a FHIR Group: a procedure's patients
    "export_id": uuid.UUID(int=20),  # no such export of the caller's: 404 past the guard
    "name": "Patient-1.ndjson",
}


def url_of(route: Route, ids: dict[str, Any], cast: dict[str, Any]) -> str:
    def fill(match: re.Match[str]) -> str:
        name = match.group(1) or match.group(2)
        for source in (ids, FIXED, cast):
            if name in source:
                return str(source[name])
        raise AssertionError(f"no value for {name} in {route.pattern}")

    return "/" + PLACEHOLDER.sub(fill, route.pattern).lstrip("^").rstrip("$")


def access_token(cast: dict[str, Any], scope: str = "system/*.rs") -> str:
    """A connected system's SMART access token, from /oauth/token with a signed assertion."""
    return str(cast["system"].access_token(scope))


def credential(
    cast: dict[str, Any], user: User | None, route: Route | None = None, url: str = ""
) -> str:
    """What a caller sends a bearer-only service: a Coxa token, or a system's own.

    A connected system sends the FHIR API its SMART access token, and CDS Hooks a JWT it
    signed for the URL it calls.
    """
    if user is None:
        return ""
    if user.role == Role.SYSTEM:
        if route is not None and route.pattern.startswith("fhir/"):
            if "smart" not in cast:
                cast["smart"] = access_token(cast)
            return str(cast["smart"])
        return (
            cast["system"].cds_jwt(audience=f"http://testserver{url}")
            if url
            else cast["system"].cds_jwt()
        )
    return token_for(user)


def call(client: Client, route: Route, url: str, token: str) -> Any:
    if route.bearer_only:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        if route.method == "GET":
            return Client().get(url, headers=headers)  # the token alone, no session
        return client.post(url, "{}", content_type="application/json", headers=headers)
    if route.method == "GET":
        return client.get(url)
    if route.api:
        return client.generic(route.method, url, "{}", content_type="application/json")
    return client.post(url, {})


def outcome(response: Any) -> str:
    """What the guard did: 'refused', 'anonymous' (sign in first), 'error' or 'admitted'."""
    status = response.status_code
    if status >= 500:
        return "error"
    if status == 403:
        return "refused"
    if status == 401 or (status == 302 and "/accounts/login/" in response.get("Location", "")):
        return "anonymous"
    return "admitted"


def expected(route: Route, role: str | None) -> str:
    rule = TABLE[route.op]
    if rule.admits(role):
        return "admitted"
    return "anonymous" if role is None else "refused"


def judged(got: str, route: Route) -> str:
    """A public page may send a caller to sign in (the second step of signing in does)."""
    return "admitted" if got == "anonymous" and TABLE[route.op].public else got


def _client_for(user: User | None) -> Client:
    """A client signed in as ``user`` (a session: the API admits sessions as it does tokens)."""
    return Client() if user is None else sign_in(Client(), user)


def test_the_permission_table_holds_for_every_route_and_caller(cast):
    routes = page_routes() + api_routes()
    differences = []
    another = "patient, another's record"
    callers: list[tuple[str, str | None, User | None, str]] = [
        ("anonymous", None, None, "other"),
        *(
            (
                role.value,
                role.value,
                cast["users"][role],
                "own" if role == Role.PATIENT else "other",
            )
            for role in Role
        ),
        (another, Role.PATIENT.value, cast["users"][Role.PATIENT], "other"),
    ]
    clients = {label: _client_for(user) for label, _, user, _ in callers}
    users = {label: user for label, _, user, _ in callers}
    for route in routes:
        for label, role, _, whose in callers:
            if label == another and not TABLE[route.op].own:
                continue
            url = url_of(route, cast[whose], cast)
            token = credential(cast, users[label], route, url)
            response = call(clients[label], route, url, token)
            got = judged(outcome(response), route)
            if label == another:  # may not learn the record exists: as if it did not (404)
                got = "hidden" if response.status_code == 404 else got
            want = "hidden" if label == another else expected(route, role)
            if got != want:
                differences.append(
                    f"{route.method} {url} [{route.op}] as {label}: {got}, table says {want}"
                )
    assert differences == [], "\n" + "\n".join(differences)


def test_a_refusal_is_audited(cast, api_as):
    analyst = cast["users"][Role.ANALYST]
    episode_id = cast["other"]["episode_id"]
    response = api_as(analyst).get(f"/api/v1/episodes/{episode_id}/entries")
    assert response.status_code == 403
    refused = AuditEvent.objects.filter(action="access.refused", actor=analyst)
    assert refused.count() == 1
    assert f"/api/v1/episodes/{episode_id}/entries" in refused.get().details["path"]


def test_the_grid_in_docs_security_is_the_table():
    from io import StringIO
    from pathlib import Path

    from django.core.management import call_command

    printed = StringIO()
    call_command("permissions", "--markdown", stdout=printed)
    text = (Path(__file__).resolve().parents[2] / "docs" / "security.md").read_text()
    documented = text.split("<!-- permission-grid:start -->\n")[1].split("<!-- permission-grid")[0]
    assert documented.strip() == printed.getvalue().strip(), "run: coxa permissions --markdown"


def test_a_session_post_without_its_csrf_token_is_refused_in_shape_and_audited(cast):
    nurse = cast["users"][Role.NURSE]
    client = sign_in(Client(enforce_csrf_checks=True), nurse)
    response = client.post("/api/v1/patients", "{}", content_type="application/json")
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"
    assert AuditEvent.objects.filter(action="access.refused", actor=nurse).exists()
