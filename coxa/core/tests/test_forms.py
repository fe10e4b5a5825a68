"""core/forms.py: one way for a page form to build a service's input and show its refusals."""

import datetime as dt
from typing import Any, Literal

import pytest
from django import forms
from pydantic import BaseModel, Field, ValidationError, field_validator

from coxa.core.errors import Conflict, CoxaError, Forbidden, InvalidInput, NotFound, Problem
from coxa.core.forms import PageForm, add_problems, built, plain, problems_of, status_of, submit


class Dose(BaseModel):
    amount: int = Field(gt=0)


class DoseForm(PageForm):
    amount = forms.IntegerField()
    note = forms.CharField(required=False)

    def field_for(self, path: str) -> str | None:
        return "note" if path == "entry.note" else super().field_for(path)


def test_a_form_that_does_not_clean_builds_nothing_and_keeps_its_own_errors():
    form = DoseForm({"amount": "two"})
    assert built(form, lambda data: Dose(**data)) is None
    assert list(form.errors) == ["amount"]
    assert form["amount"].value() == "two"  # what was typed is shown again


def test_a_pydantic_refusal_lands_on_the_field_it_names():
    form = DoseForm({"amount": "0"})
    assert built(form, lambda data: Dose(amount=data["amount"])) is None
    assert "amount" in form.errors


def test_a_service_refusal_lands_on_its_field_or_on_top_naming_it():
    form = DoseForm({"amount": "2"})

    def refuse(entry: Dose) -> str:
        raise InvalidInput.of(
            [
                Problem("too-much", "too much for today", "amount"),
                Problem("why", "say why", "entry.note"),
                Problem("elsewhere", "a field the form lacks", "dose.route"),
                Problem("whole", "nothing named"),
            ]
        )

    assert submit(form, lambda data: Dose(amount=data["amount"]), refuse) is None
    assert form.errors["amount"] == ["too much for today"]
    assert form.errors["note"] == ["say why"]
    # A field the form lacks is named in words, never by its code.
    assert form.non_field_errors() == ["Route: a field the form lacks", "nothing named"]
    assert status_of(form) == 400


def test_a_conflict_is_shown_on_the_form():
    form = DoseForm({"amount": "2"})

    def clash(entry: Dose) -> str:
        raise Conflict("changed", "someone changed it", "amount")

    assert submit(form, lambda data: Dose(amount=data["amount"]), clash) is None
    assert form.errors["amount"] == ["someone changed it"]


@pytest.mark.parametrize("error", [Forbidden("no", "not yours"), NotFound("gone", "no such hip")])
def test_forbidden_and_not_found_are_pages_of_their_own(error: CoxaError):
    def fail(entry: Dose) -> str:
        raise error

    with pytest.raises(type(error)):
        submit(DoseForm({"amount": "2"}), lambda data: Dose(amount=data["amount"]), fail)


def test_the_answer_comes_back_when_accepted():
    form = DoseForm({"amount": "2"})
    assert submit(form, lambda data: Dose(amount=data["amount"]), lambda d: d.amount * 2) == 4
    assert status_of(form, DoseForm()) == 200


def test_a_plain_django_form_takes_problems_the_same_way():
    class Plain(forms.Form):
        name = forms.CharField()

    form = Plain({"name": "x"})
    form.is_valid()
    try:
        Dose(amount=-1)
    except ValidationError as error:
        add_problems(form, error)
    add_problems(form, InvalidInput("bad", "not this name", "name"))
    assert form.errors["name"] == ["not this name"]
    assert form.non_field_errors() == ["Amount: enter a number above 0"]


class Discharge(BaseModel):
    destination_reason: str = Field(min_length=8, max_length=20)
    stay_days: int = Field(ge=0, le=90)
    on: dt.date
    going: Literal["home", "rehabilitation-facility"]

    @field_validator("stay_days")
    @classmethod
    def _not_thirteen(cls, value: int) -> int:
        if value == 13:
            raise ValueError("not on the thirteenth day")
        return value


class DischargeForm(PageForm):
    words_for = {"destination_reason": "Reason for the destination"}
    note = forms.CharField(required=False)


def _refusal(**given: Any) -> ValidationError:
    fields = {"destination_reason": "Home, family", "stay_days": 2, "on": "2026-12-15"}
    try:
        Discharge.model_validate(fields | {"going": "home"} | given)
    except ValidationError as error:
        return error
    raise AssertionError("accepted")


@pytest.mark.parametrize(
    ("given", "said"),
    [
        ({"destination_reason": "home"}, "enter at least 8 characters"),
        ({"destination_reason": "x" * 21}, "use at most 20 characters"),
        ({"stay_days": -1}, "enter 0 or more"),
        ({"stay_days": 91}, "enter 90 or less"),
        ({"stay_days": "two"}, "enter a whole number"),
        ({"stay_days": 13}, "not on the thirteenth day"),
        ({"on": "next week"}, "enter a date, such as 15 12 2026"),
        ({"going": "away"}, "choose one of the options"),
        ({"destination_reason": None}, "enter some text"),
    ],
)
def test_pydantic_wording_is_said_in_words(given: dict[str, Any], said: str):
    (problem,) = problems_of(_refusal(**given))
    assert problem.message == said
    for wording in ("should", "Input", "Value error", "String", "Field required", "_"):
        assert wording not in problem.message


def test_a_missing_value_and_an_unknown_error_are_said_in_words():
    assert plain({"type": "missing", "msg": "Field required"}) == "enter a value"
    assert plain({"type": "url_scheme", "msg": "URL scheme should be 'http'"}) == (
        "check this value"
    )


def test_a_field_the_form_lacks_is_named_in_its_words_not_its_code():
    form = DischargeForm({"note": ""})
    form.is_valid()
    add_problems(form, _refusal(destination_reason="home"))
    assert form.non_field_errors() == ["Reason for the destination: enter at least 8 characters"]
    plain_form = DoseForm({"amount": "1"})
    plain_form.is_valid()
    add_problems(plain_form, _refusal(destination_reason="home"))  # no words given: spoken
    assert plain_form.non_field_errors() == ["Destination reason: enter at least 8 characters"]
