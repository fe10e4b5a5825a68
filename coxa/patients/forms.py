"""Forms for registering and correcting patients."""

from typing import Any

from django import forms

from coxa.core import clock
from coxa.patients.domain import PatientDetails, Sex, patient_problems

_DATE = forms.DateInput(attrs={"type": "date"})


class PatientForm(forms.Form):
    given_name = forms.CharField(max_length=100)
    family_name = forms.CharField(max_length=100)
    date_of_birth = forms.DateField(widget=_DATE)
    sex = forms.ChoiceField(
        choices=[("", "Choose…")] + [(s.value, s.value.title()) for s in Sex],
        help_text="As recorded.",
    )
    nhs_number = forms.CharField(
        max_length=12, required=False, label="NHS number", help_text="10 digits, if known."
    )
    hospital_number = forms.CharField(max_length=20, required=False)
    email = forms.CharField(max_length=254, required=False, widget=forms.EmailInput)
    phone = forms.CharField(max_length=20, required=False, widget=forms.TextInput({"type": "tel"}))
    address = forms.CharField(required=False, widget=forms.Textarea({"rows": 3}))
    postcode = forms.CharField(max_length=10, required=False)
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
    reason = forms.CharField(
        required=False,
        widget=forms.Textarea({"rows": 2}),
        help_text="Why the details are being changed (kept in the audit record).",
    )
