"""A connected system reaches only what the table marks for systems (H97).

Its role holds read, export and decision-support capabilities, so a mistake in the table
would open pages and the JSON API to it. Here it calls every route, with a session (as if
one could be made: it has no password) and with its own access token, and is refused all
but the public rows and the CDS service.
"""
# ruff: noqa: F811 - ``cast``, the fixture shared with test_permission_table

import pytest
from django.test import Client

from coxa.accounts.domain import Role
from coxa.accounts.permissions import TABLE, Op
from coxa.conftest import sign_in
from tests.security.test_permission_table import (
    access_token,
    api_routes,
    call,
    cast,  # noqa: F401 - the fixture, shared
    page_routes,
    url_of,
)

pytestmark = pytest.mark.django_db


def test_a_connected_system_is_refused_every_page_and_json_api_operation(cast):
    system = cast["users"][Role.SYSTEM]
    session = sign_in(Client(), system)
    bearer = Client(headers={"Authorization": f"Bearer {access_token(cast)}"})
    opened, wrong = [], []
    for route in page_routes() + api_routes():
        if TABLE[route.op].public or route.bearer_only:
            continue
        url = url_of(route, cast["other"], cast)
        refused = call(session, route, url, "")
        if refused.status_code != 403:
            wrong.append(f"{route.method} {url} with a session: {refused.status_code}")
        if route.api:
            anonymous = call(bearer, route, url, "")
            if anonymous.status_code != 401:
                wrong.append(f"{route.method} {url} with its token: {anonymous.status_code}")
        opened.append(url)
    assert len(opened) > 100
    assert wrong == []


def test_the_table_admits_a_system_only_where_a_row_says_so():
    admitted = {op for op in Op if TABLE[op].admits(Role.SYSTEM) and not TABLE[op].public}
    assert admitted == {op for op in Op if TABLE[op].systems}
    assert Op.CDS_SERVICE in admitted
    assert not any(op.value.startswith(("page.", "api.")) for op in admitted)
