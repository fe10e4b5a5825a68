"""Forms for signing in and for administering users."""

import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from django import forms

from coxa.accounts.domain import Role
from coxa.accounts.models import User
from coxa.accounts.selectors import SYSTEM, patient_query_problem
from coxa.core.audit_labels import ACTION_LABELS, AREA_LABELS, OTHER_AREA
from coxa.core.forms import date_input
from coxa.core.text import QUERY_MAX, SECRET_MAX

EMAIL_MAX = 254  # the User model's column

# A person's roles: a connected system's account is made by `coxa systems` (ADR 0033).
ROLE_CHOICES = [(r.value, r.label) for r in Role if r is not Role.SYSTEM]
_DATE_ERRORS = {"invalid": "Not a date: pick one, or type it as 31/05/2026."}


class UserCreateForm(forms.Form):
    username = forms.CharField(max_length=150)
    first_name = forms.CharField(max_length=150, required=False)
    last_name = forms.CharField(max_length=150, required=False)
    email = forms.EmailField(max_length=EMAIL_MAX, required=False)
    role = forms.ChoiceField(choices=ROLE_CHOICES)
    password = forms.CharField(
        max_length=SECRET_MAX,
        widget=forms.PasswordInput,
        help_text="At least 8 characters, not a common password.",
    )


class UserEditForm(forms.Form):
    first_name = forms.CharField(max_length=150, required=False)
    last_name = forms.CharField(max_length=150, required=False)
    email = forms.EmailField(max_length=EMAIL_MAX, required=False)
    role = forms.ChoiceField(choices=ROLE_CHOICES)
    is_active = forms.BooleanField(required=False, label="May sign in")


class PasswordForm(forms.Form):
    password = forms.CharField(
        max_length=SECRET_MAX, widget=forms.PasswordInput, label="New password"
    )


class AuditFilterForm(forms.Form):
    """The audit log's search; posted, so no name, number or id is ever in a URL."""

    patient = forms.CharField(
        max_length=QUERY_MAX,
        required=False,
        label="Patient",
        help_text="Name, NHS number, hospital number or date of birth (31/05/1970).",
    )
    patient_id = forms.UUIDField(required=False, widget=forms.HiddenInput)
    actor = forms.ChoiceField(required=False, label="User")
    action = forms.ChoiceField(required=False, label="Action")
    date_from = forms.DateField(
        required=False, label="From", widget=date_input(), error_messages=_DATE_ERRORS
    )
    date_to = forms.DateField(
        required=False,
        label="To",
        widget=date_input(),
        error_messages=_DATE_ERRORS,
        help_text="Both days are included.",
    )

    def __init__(self, data: Mapping[str, Any] | None = None, *, people: Sequence[User] = ()):
        if data is not None:
            data = _with_patient_id(data)
        super().__init__(data)
        self.fields["actor"].choices = [  # type: ignore[attr-defined]
            ("", "Anyone"),
            *((u.username, _person(u)) for u in people),
            (SYSTEM, "Coxa itself (scheduled jobs)"),
        ]
        self.fields["action"].choices = [("", "Any action"), *action_choices()]  # type: ignore[attr-defined]

    def clean_patient(self) -> str:
        typed: str = self.cleaned_data["patient"].strip()
        problem = patient_query_problem(typed) if typed else None
        if problem is not None:
            raise forms.ValidationError(problem[0].upper() + problem[1:])
        return typed

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and end < start:
            self.add_error(
                "date_to",
                f"“To” ({end:%-d %b %Y}) is before “From” ({start:%-d %b %Y}): "
                "put the later day in “To”.",
            )
        return data

    def stored(self) -> dict[str, str]:
        """What the session keeps of a search (as typed; re-read by the form next time)."""
        return {name: str(self.data.get(name, "") or "") for name in self.fields}


def _with_patient_id(data: Mapping[str, Any]) -> dict[str, Any]:
    """A patient given by record id (a row's button, an old link) is a choice, not a query."""
    given = {k: data.get(k, "") for k in AuditFilterForm.base_fields}
    try:
        chosen = uuid.UUID(str(given["patient"]).strip())
    except ValueError:
        return given
    return {**given, "patient": "", "patient_id": str(chosen)}


def _person(user: User) -> str:
    name = user.get_full_name()
    who = f"{name} ({user.username})" if name else user.username
    return f"{who}, {user.role_label}" + ("" if user.is_active else ", no longer active")


def action_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    """Every action Coxa records, in words, grouped by the part of Coxa it touches."""
    groups: dict[str, list[tuple[str, str]]] = {}
    for action, label in ACTION_LABELS.items():
        area = AREA_LABELS.get(action.split(".", 1)[0], OTHER_AREA)
        groups.setdefault(area, []).append((action, label))
    return [(area, sorted(choices, key=lambda c: c[1])) for area, choices in sorted(groups.items())]


class CodeForm(forms.Form):
    code = forms.CharField(
        max_length=12,
        label="Code from your authenticator app",
        help_text="6 digits; a new code appears every 30 seconds.",
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )
