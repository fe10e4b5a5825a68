"""One error shape, one code per situation, one test of who a request is for."""

import json

import pytest
from django import forms
from django.test import RequestFactory
from pydantic import BaseModel, ConfigDict, ValidationError

from coxa.core.errors import (
    ErrorCode,
    Forbidden,
    Hidden,
    InvalidInput,
    Problem,
    errors_table,
    validation_problems,
)
from coxa.core.forms import add_problems
from coxa.core.web import (
    Audience,
    answered_as,
    error_body,
    error_response,
    is_api,
)


class _Shape(BaseModel):
    model_config = ConfigDict(extra="forbid")

    age: int
    name: str


def _errors(data):
    with pytest.raises(ValidationError) as caught:
        _Shape.model_validate(data)
    return caught.value.errors()


def test_a_value_that_fails_validation_is_invalid_value_naming_its_field():
    problems = validation_problems(_errors({"age": "old", "name": "Ada"}))
    assert [(p.code, p.field) for p in problems] == [(ErrorCode.INVALID_VALUE, "age")]
    assert problems[0].message.startswith("age: ")


def test_a_field_no_schema_defines_is_unknown_field_and_every_fault_is_listed():
    problems = validation_problems(_errors({"age": 3, "colour": "blue"}))
    # "name" is not given: the code a domain check gives a missing value too.
    assert sorted((p.code.value, p.field) for p in problems) == [
        ("required", "name"),
        ("unknown-field", "colour"),
    ]


def test_locations_that_name_no_field_are_skipped_and_an_empty_one_is_the_whole():
    ninja = [{"loc": ("body", "payload", "age"), "msg": "bad", "type": "int_parsing"}]
    assert validation_problems(ninja, skip=("body", "payload"))[0].field == "age"
    whole = validation_problems([{"loc": (), "msg": "bad"}], whole="document")[0]
    assert (whole.field, whole.message) == (None, "document: bad")


def test_an_error_body_is_the_first_problem_and_errors_only_when_there_are_more():
    one = Problem(ErrorCode.REQUIRED, "name is required", "name")
    two = Problem(ErrorCode.TOO_LONG, "too long", "address")
    assert error_body([one]) == {"code": "required", "message": "name is required", "field": "name"}
    assert error_body([one, two])["errors"] == [one.as_dict(), two.as_dict()]


def test_an_error_response_carries_its_status_headers_and_the_body():
    response = error_response(429, [Problem(ErrorCode.LOCKED_OUT, "wait")], {"Retry-After": "60"})
    assert (response.status_code, response["Retry-After"]) == (429, "60")
    assert json.loads(response.content) == {"code": "locked-out", "message": "wait", "field": None}


@pytest.mark.parametrize(
    ("path", "audience"),
    [
        ("/api/v1/patients", Audience.API),
        ("/api/v1/", Audience.API),
        ("/cds-services", Audience.CDS),
        ("/cds-services/coxa-hip-decisions", Audience.CDS),
        ("/cds-servicesx", Audience.PAGE),
        ("/api/v2/patients", Audience.PAGE),
        ("/staff/api/v1/", Audience.PAGE),
        ("/portal/", Audience.PAGE),
    ],
)
def test_who_a_request_is_for_is_decided_by_its_path(path, audience):
    request = RequestFactory().get(path)
    assert answered_as(request) is audience
    assert is_api(request) is (audience is Audience.API)


def test_codes_are_the_wire_values_and_a_problem_sends_the_value():
    assert ErrorCode("invalid-value") is ErrorCode.INVALID_VALUE
    assert Problem(ErrorCode.NOT_FOUND, "gone").as_dict()["code"] == "not-found"
    assert InvalidInput(ErrorCode.REQUIRED, "give it", "x").code == "required"
    with pytest.raises(ValueError, match="invalid-input"):
        ErrorCode("invalid-input")  # merged into invalid-value (issue 12)


def test_the_table_of_codes_lists_each_code_once_with_its_statuses():
    rows = errors_table().splitlines()[2:]
    assert len(rows) == len(ErrorCode)
    assert "| `no-plan` | 404, 409 |" in errors_table()
    assert "| `invalid-json` | exit 2 |" in errors_table()


class _Form(forms.Form):
    name = forms.CharField()


def test_a_form_shows_bad_input_beside_its_field_but_raises_a_refusal_on():
    form = _Form({"name": "x"})
    assert form.is_valid()
    add_problems(form, InvalidInput(ErrorCode.TOO_LONG, "name is too long", "name"))
    assert form.errors == {"name": ["name is too long"]}
    for refusal in (
        Forbidden(ErrorCode.FORBIDDEN, "not this role"),
        Hidden(ErrorCode.NOT_FOUND, "no patient with this id"),
    ):
        with pytest.raises(type(refusal)):  # @page answers it 403 or 404, as on every page
            add_problems(_Form({"name": "x"}), refusal)
