"""Extreme values sent to every write endpoint: never a 5xx, always the JSON error shape.

A Hypothesis property over the published OpenAPI: each field of each request body (POST,
PUT) takes an ordinary value of its type or an extreme one (huge and negative integers,
9999-12-31, 0001-01-01, NUL, a lone surrogate, a megabyte of text, deep nesting); whole
bodies are sometimes deeply nested or a megabyte long. Seeded, so every run is the same.
"""

import json
import sys
from typing import Any

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st

from coxa.config.api import api
from coxa.core import clock
from tests.contract.conftest import token
from tests.contract.fuzzing import SEED, Tally, examples

pytestmark = [pytest.mark.contract, pytest.mark.django_db]

MEGABYTE = "x" * 1_000_000
NESTED: Any = 1
for _ in range(200):
    NESTED = [NESTED]
EXTREMES: list[Any] = [
    10**30,
    -(10**30),
    2**63,
    -1,
    0,
    1e308,
    -1e308,
    "9999-12-31",
    "0001-01-01",
    "9999-12-31T23:59:59+14:00",
    "0001-01-01T00:00:00-12:00",
    "a\x00b",
    "\ud800",
    "x\udfff",
    MEGABYTE[:600_000],
    "",
    None,
    True,
    [],
    {},
    NESTED,
]
RAW_BODIES = [
    b"[" * 100_000 + b"]" * 100_000,
    b'{"a": ' * 50_000 + b"1" + b"}" * 50_000,
    json.dumps({"text": MEGABYTE}).encode(),
    b"\xed\xa0\x80",
    b'"\\u0000"',
    b"1e999999",
    b"",
]

_SCHEMA = api.get_openapi_schema()
_COMPONENTS = _SCHEMA["components"]["schemas"]
WRITES = sorted(
    (path, method)
    for path, operations in _SCHEMA["paths"].items()
    for method, spec in operations.items()
    if method in ("post", "put") and "requestBody" in spec
)


def _resolved(schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = _COMPONENTS[schema["$ref"].rsplit("/", 1)[-1]]
    if "anyOf" in schema:
        return _resolved(next(s for s in schema["anyOf"] if s.get("type") != "null"))
    return schema


def _ordinary(schema: dict[str, Any], depth: int) -> st.SearchStrategy[Any]:
    schema = _resolved(schema)
    if "enum" in schema:
        return st.sampled_from(schema["enum"])
    kind = schema.get("type")
    if kind == "object" and depth < 3:
        return _body(schema, depth + 1)
    if kind == "array":
        return st.lists(_value(schema.get("items", {}), depth + 1), max_size=3)
    if schema.get("format") == "date":
        return st.just(str(clock.today()))
    if schema.get("format") == "date-time":
        return st.just(f"{clock.today()}T09:00:00+00:00")
    return st.just({"integer": 3, "number": 2.5, "boolean": True, "string": "ordinary"}.get(kind))


def _value(schema: dict[str, Any], depth: int = 0) -> st.SearchStrategy[Any]:
    return st.one_of(_ordinary(schema, depth), st.sampled_from(EXTREMES))


def _body(schema: dict[str, Any], depth: int = 0) -> st.SearchStrategy[dict[str, Any]]:
    schema = _resolved(schema)
    properties = schema.get("properties", {})
    required = set(schema.get("required", []))
    return st.fixed_dictionaries(
        {name: _value(p, depth) for name, p in properties.items() if name in required},
        optional={n: _value(p, depth) for n, p in properties.items() if n not in required},
    )


def _request_schema(path: str, method: str) -> dict[str, Any]:
    spec = _SCHEMA["paths"][path][method]["requestBody"]["content"]["application/json"]
    return spec["schema"]


@pytest.fixture
def client_and_ids(hips, surgeon):
    """A surgeon's client, and real ids (an entry to correct included)."""
    client = Client(headers={"Authorization": f"Bearer {token(surgeon)}"})
    client.raise_request_exception = False
    return client, hips


def test_every_write_endpoint_has_a_body_schema():
    assert len(WRITES) >= 30
    assert all(_request_schema(path, method) for path, method in WRITES)


def test_extreme_values_never_break_a_write_endpoint(client_and_ids, capsys):
    client, ids = client_and_ids
    tally = Tally()

    @seed(SEED)
    @settings(
        max_examples=150 * examples(2),  # 300 here; ``make fuzz`` sends more
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(data=st.data())
    def send(data: st.DataObject) -> None:
        path, method = data.draw(st.sampled_from(WRITES))
        url = path
        for name, choices in ids.items():
            url = url.replace(f"{{{name}}}", data.draw(st.sampled_from(choices)))
        if data.draw(st.integers(0, 9)) == 0:
            raw = data.draw(st.sampled_from(RAW_BODIES))
        else:
            raw = json.dumps(data.draw(_body(_request_schema(path, method)))).encode()
        response = getattr(client, method)(url, raw, content_type="application/json")
        where = f"{method.upper()} {path}"
        tally.add(where, response.status_code, response["Content-Type"], response.content)

    send()
    with capsys.disabled():
        sys.stdout.write(f"\nExtreme values: {tally.summary()}\n")
    assert tally.statuses[400] > 0
    assert tally.problems == {}, tally.summary()
