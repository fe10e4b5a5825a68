"""The one way a page's form meets a service: build the input, or show every problem on the form.

A page operation has a Django form (``<app>/forms.py``). The view calls :func:`submit` with
the form, a function that builds the service's input from the cleaned data, and a function
that calls the service with it. What comes back is either the service's answer or None; on
None the form carries every problem, beside its field or at the top of the form, and the
view re-shows the page with status 400 (what was typed is still in the bound form). The
service writes in one transaction, so a refusal leaves nothing half-saved.

Problems are placed the same way everywhere (:func:`add_problems`):

- the form's own checks (Django's field errors) come first: nothing is built from a form
  that does not clean;
- a pydantic ``ValidationError`` raised while building the input, and a ``CoxaError`` the
  service raises with status 400 or 409, become errors on the field each problem names
  (``PageForm.field_for`` translates an input's dotted path, ``implants.0.size_mm``, into the
  form's field name), or non-field errors when the form has no such field.

Forbidden and NotFound are not the form's business: they propagate to ``@page``.
"""

from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from django import forms
from pydantic import ValidationError

from coxa.core.errors import CoxaError, Problem, validation_problems

Built = TypeVar("Built")
Answer = TypeVar("Answer")

_SHOWN_ON_THE_FORM = (400, 409)  # refusals of the input; 403 and 404 are pages of their own


def date_input() -> forms.DateInput:
    """The one date widget: a browser date picker, always given the ISO date it needs.

    A date field shown again (a correction, a form sent back with problems) keeps its value
    only when the value is written as YYYY-MM-DD; the locale's format leaves it blank.
    """
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class PageForm(forms.Form):
    """A page form whose problems may be named by the service input's dotted paths."""

    def field_for(self, path: str) -> str | None:
        """The form field that shows a problem at ``path``, or None (then at the top)."""
        return path if path in self.fields else None


def problems_of(error: CoxaError | ValidationError) -> list[Problem]:
    """The problems of a refusal, each with the dotted path of its field."""
    if isinstance(error, CoxaError):
        return list(error.problems)
    # The codes of every validation error (core.errors.validation_problems); beside its
    # field, the message needs no field name in front of it.
    errors = error.errors()
    return [
        Problem(problem.code, str(e["msg"]), problem.field)
        for problem, e in zip(validation_problems(errors), errors, strict=True)
    ]


def _field_for(form: forms.Form, path: str | None) -> str | None:
    if not path:
        return None
    if isinstance(form, PageForm):
        return form.field_for(path)
    return path if path in form.fields else None


def add_problems(form: forms.Form, error: CoxaError | ValidationError) -> None:
    """Put each problem beside its field, or at the top of the form if it has none.

    A refusal or a missing record (403, 404) is no form error: it is raised on, for
    ``@page`` to answer and audit as every page does.
    """
    if isinstance(error, CoxaError) and error.status not in _SHOWN_ON_THE_FORM:
        raise error
    place_problems(form, problems_of(error))


def place_problems(form: forms.Form, problems: Iterable[Problem]) -> None:
    for problem in problems:
        field = _field_for(form, problem.field)
        if field is None and problem.field:
            form.add_error(None, f"{problem.field}: {problem.message}")
        else:  # beside its field, a message needs no field name in front of it
            message = problem.message.removeprefix(f"{problem.field}: ")
            form.add_error(field, message)


def built(form: forms.Form, build: Callable[[dict[str, Any]], Built]) -> Built | None:
    """The service's input from the form's cleaned data; None when the form shows why not."""
    if not form.is_valid():
        return None
    try:
        return build(form.cleaned_data)
    except (CoxaError, ValidationError) as error:
        add_problems(form, error)
        return None


def submit(
    form: forms.Form,
    build: Callable[[dict[str, Any]], Built],
    call: Callable[[Built], Answer],
) -> Answer | None:
    """Build the input and call the service; None when refused, with the problems on the form."""
    entry = built(form, build)
    if entry is None:
        return None
    try:
        return call(entry)
    except (CoxaError, ValidationError) as error:
        add_problems(form, error)
        return None


def status_of(*shown: forms.Form) -> int:
    """400 when a posted form is re-shown with its problems, else 200."""
    return 400 if any(f.is_bound and f.errors for f in shown) else 200
