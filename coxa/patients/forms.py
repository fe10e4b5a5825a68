"""Forms for registering and correcting patients."""

from typing import Any

from django import forms

from coxa.core import clock
from coxa.core.forms import date_input
from coxa.core.text import ADDRESS_MAX, NAME_MAX, QUERY_MAX, REASON_MAX
from coxa.patients.domain import (
    EMAIL_MAX,
    HOSPITAL_NUMBER_MAX,
    PHONE_MAX,
    POSTCODE_MAX,
    PatientDetails,
    Sex,
    patient_problems,
)

_DATE = date_input()


class PatientForm(forms.Form):
    given_name = forms.CharField(max_length=NAME_MAX)
    family_name = forms.CharField(max_length=NAME_MAX)
    date_of_birth = forms.DateField(widget=_DATE)
    sex = forms.ChoiceField(
        choices=[("", "Choose…")] + [(s.value, s.value.title()) for s in Sex],
        help_text="As recorded.",
    )
    nhs_number = forms.CharField(
        max_length=12, required=False, label="NHS number", help_text="10 digits, if known."
    )
    hospital_number = forms.CharField(max_length=HOSPITAL_NUMBER_MAX, required=False)
    email = forms.CharField(max_length=EMAIL_MAX, required=False, widget=forms.EmailInput)
    phone = forms.CharField(
        max_length=PHONE_MAX, required=False, widget=forms.TextInput({"type": "tel"})
    )
    address = forms.CharField(
        max_length=ADDRESS_MAX, required=False, widget=forms.Textarea({"rows": 3})
    )
    postcode = forms.CharField(max_length=POSTCODE_MAX, required=False)
    date_of_death = forms.DateField(required=False, widget=_DATE)

    def clean(self) -> dict[str, Any]:
        """Add the domain's checks to Django's, so that every problem shows at once."""
        cleaned = super().clean() or {}
        for problem in patient_problems(self.details(), today=clock.today()):
            if problem.field in self.fields and problem.field not in self.errors:
                self.add_error(problem.field, problem.message)
        return cleaned

    def details(self) -> PatientDetails:
        data: dict[str, Any] = self.cleaned_data

        def text(field: str) -> str:
            return str(data.get(field) or "")

        return PatientDetails(
            given_name=text("given_name"),
            family_name=text("family_name"),
            date_of_birth=data.get("date_of_birth"),
            sex=text("sex"),
            nhs_number=text("nhs_number"),
            hospital_number=text("hospital_number"),
            email=text("email"),
            phone=text("phone"),
            address=text("address"),
            postcode=text("postcode"),
            date_of_death=data.get("date_of_death"),
        )


class PatientEditForm(PatientForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Recorded through "Record a death" on the chart, which closes the episodes (H60).
        died = self.fields["date_of_death"]
        died.disabled = True
        died.help_text = "Recorded with “Record a death” on the patient's chart."

    reason = forms.CharField(
        required=False,
        max_length=REASON_MAX,
        widget=forms.Textarea({"rows": 2}),
        help_text="Why the details are being changed (kept in the audit record).",
    )


class PatientSearchForm(forms.Form):
    """The search box; posted, so that names and numbers never appear in a URL."""

    q = forms.CharField(
        max_length=QUERY_MAX,
        required=False,
        label="Name, date of birth, hospital or NHS number",
        help_text='Names match the start of each word: "smi jo" finds John Smith. '
        "Dates as 31/05/1970.",
        widget=forms.TextInput(attrs={"type": "search", "autofocus": True}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "%s")  # the box is #q, as on the dashboard's search
        super().__init__(*args, **kwargs)


class PatientRegisterForm(PatientForm):
    """Registration; the two last fields show only beside possible duplicates."""

    confirm_not_duplicate = forms.BooleanField(
        required=False,
        label="This is not the same person as any patient listed above",
    )
    not_duplicate_reason = forms.CharField(
        required=False,
        max_length=REASON_MAX,
        label="How you know",
        widget=forms.Textarea({"rows": 2}),
        help_text="For example: a different address and GP, checked with the patient "
        "(kept in the audit record).",
    )
