"""Forms for signing in and for administering users."""

from django import forms

from coxa.accounts.domain import Role
from coxa.core.forms import date_input
from coxa.core.text import QUERY_MAX, SECRET_MAX

EMAIL_MAX = 254  # the User model's column

ROLE_CHOICES = [(r.value, r.label) for r in Role]


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
    actor = forms.CharField(max_length=QUERY_MAX, required=False, label="User")
    action = forms.CharField(
        max_length=QUERY_MAX, required=False, help_text="e.g. patient.view, episode.transition"
    )
    patient = forms.UUIDField(required=False, label="Patient id")
    date_from = forms.DateField(required=False, label="From", widget=date_input())
    date_to = forms.DateField(required=False, label="To", widget=date_input())


class CodeForm(forms.Form):
    code = forms.CharField(
        max_length=12,
        label="Code from your authenticator app",
        help_text="6 digits; a new code appears every 30 seconds.",
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )
