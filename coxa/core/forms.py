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

Every problem is said in words (:func:`plain`): pydantic's own wording ("String should have
at least 8 characters") is said as a person would ("enter at least 8 characters"), and a
problem on a field the form does not have is named by the field's words, never its code
("Reason for the destination: ..." rather than "destination_reason: ...").

Forbidden and NotFound are not the form's business: they propagate to ``@page``.
"""

from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from django import forms
from pydantic import ValidationError

from coxa.core.errors import CoxaError, Problem, validation_problems
from coxa.core.words import spoken

Built = TypeVar("Built")
Answer = TypeVar("Answer")

_SHOWN_ON_THE_FORM = (400, 409)  # refusals of the input; 403 and 404 are pages of their own
# A refusal raised on carries the form it refused: the 403 page names what was typed by the
# form's labels (accounts.access.refused_submission).
REFUSED_FORM = "coxa_refused_form"


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

    # The words for an input's field the form does not show (a problem about it goes on
    # top, named by these words): {"destination_reason": "Reason for the destination"}.
    words_for: dict[str, str] = {}


def _limit(ctx: Any, key: str) -> str:
    value = (ctx or {}).get(key)
    return f"{value:g}" if isinstance(value, float) else str(value)


# Pydantic's wording, by the type of its error, as a person would say it (None: its own
# message is already a sentence of ours, raised by a validator).
_SAID: dict[str, Callable[[Any], str]] = {
    "missing": lambda ctx: "enter a value",
    "string_too_short": lambda ctx: (
        "enter some text"
        if _limit(ctx, "min_length") == "1"
        else f"enter at least {_limit(ctx, 'min_length')} characters"
    ),
    "string_too_long": lambda ctx: f"use at most {_limit(ctx, 'max_length')} characters",
    "too_short": lambda ctx: f"give at least {_limit(ctx, 'min_length')}",
    "too_long": lambda ctx: f"give at most {_limit(ctx, 'max_length')}",
    "greater_than": lambda ctx: f"enter a number above {_limit(ctx, 'gt')}",
    "greater_than_equal": lambda ctx: f"enter {_limit(ctx, 'ge')} or more",
    "less_than": lambda ctx: f"enter a number below {_limit(ctx, 'lt')}",
    "less_than_equal": lambda ctx: f"enter {_limit(ctx, 'le')} or less",
    "int_parsing": lambda ctx: "enter a whole number",
    "int_type": lambda ctx: "enter a whole number",
    "int_from_float": lambda ctx: "enter a whole number",
    "float_parsing": lambda ctx: "enter a number",
    "float_type": lambda ctx: "enter a number",
    "finite_number": lambda ctx: "enter a number",
    "decimal_parsing": lambda ctx: "enter a number",
    "decimal_type": lambda ctx: "enter a number",
    "bool_parsing": lambda ctx: "answer yes or no",
    "bool_type": lambda ctx: "answer yes or no",
    "date_parsing": lambda ctx: "enter a date, such as 15 12 2026",
    "date_type": lambda ctx: "enter a date, such as 15 12 2026",
    "date_from_datetime_parsing": lambda ctx: "enter a date, such as 15 12 2026",
    "datetime_parsing": lambda ctx: "enter a date and a time",
    "datetime_type": lambda ctx: "enter a date and a time",
    "timezone_aware": lambda ctx: "enter a date and a time",
    "time_parsing": lambda ctx: "enter a time, such as 14:30",
    "time_type": lambda ctx: "enter a time, such as 14:30",
    "literal_error": lambda ctx: "choose one of the options",
    "enum": lambda ctx: "choose one of the options",
    "string_pattern_mismatch": lambda ctx: "is not written the way it should be",
    "string_type": lambda ctx: "enter some text",
    "extra_forbidden": lambda ctx: "is not something this form takes",
    "uuid_parsing": lambda ctx: "choose one of the options",
}
_OWN_SENTENCE = ("Value error, ", "Assertion failed, ")


def plain(error: Any) -> str:
    """One pydantic error (an item of ``ValidationError.errors()``) in a person's words."""
    kind = str(error.get("type", ""))
    message = str(error.get("msg", ""))
    for prefix in _OWN_SENTENCE:  # a validator's own sentence: said as it was written
        if message.startswith(prefix):
            return message.removeprefix(prefix)
    said = _SAID.get(kind)
    return said(error.get("ctx")) if said is not None else "check this value"


def problems_of(error: CoxaError | ValidationError) -> list[Problem]:
    """The problems of a refusal, each with the dotted path of its field, said in words."""
    if isinstance(error, CoxaError):
        return list(error.problems)
    # The codes of every validation error (core.errors.validation_problems); beside its
    # field, the message needs no field name in front of it.
    errors = error.errors()
    return [
        Problem(problem.code, plain(e), problem.field)
        for problem, e in zip(validation_problems(errors), errors, strict=True)
    ]


def field_words(form: forms.Form, path: str) -> str:
    """How a problem on top of the form names the field at ``path``: in words, never a code."""
    named = getattr(form, "words_for", {})
    if path in named:
        return str(named[path])
    name = _field_for(form, path)
    if name is not None and form.fields[name].label:
        return str(form.fields[name].label)
    # The last resort: the last named part of the path, spoken ("destination reason").
    parts = [part for part in path.split(".") if not part.isdigit()]
    return spoken(parts[-1] if parts else path)


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
        setattr(error, REFUSED_FORM, form)
        raise error
    place_problems(form, problems_of(error))


def place_problems(form: forms.Form, problems: Iterable[Problem]) -> None:
    for problem in problems:
        field = _field_for(form, problem.field)
        message = problem.message.removeprefix(f"{problem.field}: ")
        if field is None and problem.field:
            form.add_error(None, f"{field_words(form, problem.field)}: {message}")
        else:  # beside its field, a message needs no field name in front of it
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
