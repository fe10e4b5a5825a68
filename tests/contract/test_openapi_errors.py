"""The OpenAPI documents every error: each operation's 4xx answers are Error, coded by ErrorCode."""

import re

import pytest
from django.test import Client

from coxa.config.api import api
from coxa.core.errors import ErrorCode

pytestmark = pytest.mark.contract

ERROR = "#/components/schemas/Error"
WRITES = {"post", "put", "patch", "delete"}


@pytest.fixture(scope="module")
def schema():
    return api.get_openapi_schema()


def _operations(schema):
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            yield path, method, operation


def _refs(answer):
    body = answer["content"]["application/json"]["schema"]
    return [body.get("$ref")] + [s.get("$ref") for s in body.get("anyOf", [])]


def test_the_error_schema_is_code_message_field_and_errors(schema):
    error = schema["components"]["schemas"]["Error"]
    assert set(error["properties"]) == {"code", "message", "field", "errors"}
    assert set(error["required"]) == {"code", "message", "field"}
    assert error["properties"]["code"] == {"$ref": "#/components/schemas/ErrorCode"}


def test_the_enum_in_the_schema_is_error_code(schema):
    assert schema["components"]["schemas"]["ErrorCode"]["enum"] == [c.value for c in ErrorCode]


def test_every_4xx_answer_of_every_operation_is_an_error(schema):
    wrong = [
        f"{method.upper()} {path} {status}"
        for path, method, operation in _operations(schema)
        for status, answer in operation["responses"].items()
        if 400 <= int(status) < 500 and ERROR not in _refs(answer)
    ]
    assert wrong == []


def test_every_operation_lists_the_4xx_it_can_give(schema):
    missing = []
    for path, method, operation in _operations(schema):
        declared = {int(s) for s in operation["responses"]}
        needed = {400}
        if operation.get("security"):
            needed |= {401, 403}
        if re.search(r"\{\w+\}", path):
            needed.add(404)
        if method in WRITES and method != "delete":
            needed.add(413)
        if needed - declared:
            missing.append(f"{method.upper()} {path}: {sorted(needed - declared)}")
    assert missing == []
    assert len(list(_operations(schema))) > 50


def test_writes_list_409_and_the_token_endpoint_429(schema):
    token = schema["paths"]["/api/v1/auth/token"]["post"]["responses"]
    assert {401, 429} <= {int(s) for s in token}
    writes = [
        (path, method, operation)
        for path, method, operation in _operations(schema)
        if method in WRITES and path.startswith("/api/v1/episodes/")
    ]
    assert writes
    assert all("409" in map(str, o["responses"]) for _, _, o in writes), "episode writes: 409"


def test_the_possible_duplicate_is_one_of_the_409s_of_registering(schema):
    answer = schema["paths"]["/api/v1/patients"]["post"]["responses"][409]
    assert _refs(answer)[1:] == [ERROR, "#/components/schemas/PossibleDuplicateOut"]


def test_the_served_schema_documents_the_errors():
    served = Client().get("/api/v1/openapi.json").json()
    responses = served["paths"]["/api/v1/patients/{patient_id}"]["get"]["responses"]
    assert {"400", "401", "403", "404"} <= set(responses)
