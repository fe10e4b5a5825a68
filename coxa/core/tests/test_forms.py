"""core/forms.py: one way for a page form to build a service's input and show its refusals."""

import pytest
from django import forms
from pydantic import BaseModel, Field, ValidationError

from coxa.core.errors import Conflict, CoxaError, Forbidden, InvalidInput, NotFound, Problem
from coxa.core.forms import PageForm, add_problems, built, status_of, submit


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
    assert form.non_field_errors() == ["dose.route: a field the form lacks", "nothing named"]
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
    assert form.non_field_errors() == ["amount: Input should be greater than 0"]
