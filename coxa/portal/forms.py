"""The portal's forms: a questionnaire the patient answers about their own hip; invitations."""

from typing import Any

from django import forms
from django.contrib.auth.validators import UnicodeUsernameValidator

from coxa.core.forms import PageForm
from coxa.core.text import SECRET_MAX
from coxa.outcomes.selectors import Questionnaire


class MyQuestionnaireForm(PageForm):
    """One radio group per question (a number for a 0-to-100 scale); answered today."""

    def __init__(self, *args: Any, questionnaire: Questionnaire, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.questionnaire = questionnaire
        for q in questionnaire.questions:
            values = [c.value for c in q.choices]
            self.fields[q.code] = (
                forms.IntegerField(
                    label=q.text,
                    min_value=min(values),
                    max_value=max(values),
                    required=q.required,
                    help_text=f"A number from {min(values)} to {max(values)}.",
                )
                if q.scale
                else forms.TypedChoiceField(
                    label=q.text,
                    choices=[(c.value, c.label) for c in q.choices],
                    coerce=int,
                    widget=forms.RadioSelect,
                    required=q.required,
                )
            )

    def field_for(self, path: str) -> str | None:
        item = path.removeprefix("answers.")
        return item if item in self.fields else None

    def answers(self) -> dict[str, int]:
        return {
            q.code: self.cleaned_data[q.code]
            for q in self.questionnaire.questions
            if self.cleaned_data.get(q.code) not in (None, "")
        }


class InviteForm(PageForm):
    """The staff's button: (re)send the invitation. The service's refusals name patient fields.

    The address on record may have come from a consultation request typed by anyone, and
    whoever reads the email gets the patient's account: staff confirm it with the patient
    first (H80).
    """

    address_checked = forms.BooleanField(
        label="I have checked this address with the patient",
        error_messages={
            "required": "tick the box to say you have checked this email address with the "
            "patient: whoever reads the invitation gets their records"
        },
    )

    words_for = {
        "email": "Email address",
        "user": "Portal account",
        "date_of_death": "Date of death",
    }


USERNAME_MAX = 150  # the User model's column


class AcceptForm(PageForm):
    """What the invited patient chooses: a username and a password, typed twice."""

    username = forms.CharField(
        max_length=USERNAME_MAX,
        label="Choose a username",
        help_text="You type it each time you sign in. Your email address is fine. Use letters, "
        "numbers and @ . + - _ only, with no spaces.",
        validators=[
            UnicodeUsernameValidator(
                message="Use letters, numbers and @ . + - _ only, with no spaces."
            )
        ],
        widget=forms.TextInput(attrs={"autocomplete": "username", "spellcheck": "false"}),
    )
    password = forms.CharField(
        max_length=SECRET_MAX,
        label="Choose a password",
        help_text="At least 8 characters. Not a common password, not only numbers, and not "
        "like your name, username or email address.",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password_again = forms.CharField(
        max_length=SECRET_MAX,
        label="Type the password again",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        first, again = data.get("password"), data.get("password_again")
        if first and again and first != again:
            self.add_error("password_again", "The two passwords are not the same: type it again.")
        return data
