"""Forms of consultation requests: the public form, a change of status, turning one into care."""

from typing import Any

from django import forms

from coxa.catalogue.registry import all_procedures
from coxa.core.forms import PageForm, date_input
from coxa.core.text import NAME_MAX, REASON_MAX
from coxa.enquiries.domain import (
    BY_HAND,
    EMAIL_MAX,
    MESSAGE_MAX,
    NAME_LONGEST,
    NOT_SURE,
    PHONE_MAX,
    EnquiryIn,
)
from coxa.pathways.domain import Side
from coxa.patients.domain import PatientDetails, Sex

TRAP = "website"  # the hidden field: people never see it; programs fill it in


def _procedures() -> list[tuple[str, str]]:
    return [(p.code, p.title) for p in all_procedures()]


class ConsultationForm(PageForm):
    """The public form. Required fields carry the class ``required`` (marked on the label)."""

    required_css_class = "required"

    name = forms.CharField(
        max_length=NAME_LONGEST,
        label="Your name",
        error_messages={"required": "enter your name"},
        widget=forms.TextInput({"autocomplete": "name"}),
    )
    email = forms.CharField(
        max_length=EMAIL_MAX,
        label="Your email address",
        help_text="We use it only to reply to this request. It is never shown on the site.",
        error_messages={"required": "enter your email address"},
        widget=forms.EmailInput({"autocomplete": "email", "spellcheck": "false"}),
    )
    procedure = forms.ChoiceField(
        label="The operation you are asking about",
        error_messages={
            "required": "choose the operation you are asking about, or Not sure yet",
            "invalid_choice": "choose one of the operations listed",
        },
    )
    phone = forms.CharField(
        max_length=PHONE_MAX,
        required=False,
        label="Your phone number",
        help_text="If you would rather we rang you.",
        widget=forms.TextInput({"type": "tel", "autocomplete": "tel"}),
    )
    message = forms.CharField(
        max_length=MESSAGE_MAX,
        required=False,
        label="Anything you would like us to know",
        help_text="Please do not send results or images here; we will ask for what we need.",
        widget=forms.Textarea({"rows": 4}),
    )
    consent = forms.BooleanField(
        label="I agree that the hip team may contact me by email or phone about this request",
        error_messages={
            "required": "tick the box to agree that the hip team may contact you: we cannot "
            "reply without it"
        },
    )
    # The trap: hidden by its class, out of the tab order, and said to be left empty, so that
    # a person never fills it, whatever they read the page with (ADR 0026).
    website = forms.CharField(
        required=False,
        label="Leave this field empty",
        widget=forms.TextInput({"tabindex": "-1", "autocomplete": "off"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")  # "Your name (required)", not "Your name: (required)"
        super().__init__(*args, **kwargs)
        self.fields["procedure"].choices = [  # type: ignore[attr-defined]
            ("", "Choose…"),
            *_procedures(),
            (NOT_SURE, "Not sure yet"),
        ]

    @property
    def trap(self) -> forms.BoundField:
        return self[TRAP]

    def visible(self) -> list[forms.BoundField]:
        return [self[name] for name in self.fields if name != TRAP]

    def entry(self) -> EnquiryIn:
        data = self.cleaned_data
        return EnquiryIn(
            name=str(data["name"]),
            email=str(data["email"]),
            procedure=str(data["procedure"]),
            consent=bool(data["consent"]),
            phone=str(data.get("phone") or ""),
            message=str(data.get("message") or ""),
        )

    def trap_filled(self) -> bool:
        return bool(str(self.cleaned_data.get(TRAP) or "").strip())


class StatusForm(forms.Form):
    status = forms.ChoiceField(
        label="Change the status to",
        choices=[("", "Choose…")] + [(s.value, s.label) for s in BY_HAND],
    )
    note = forms.CharField(
        required=False,
        max_length=REASON_MAX,
        label="Note (optional)",
        help_text="For example: rang, left a message; or why the request is closed.",
        widget=forms.Textarea({"rows": 2}),
    )


NEW_PATIENT = "new"
_NEW_PATIENT_FIELDS = ("given_name", "family_name", "date_of_birth", "sex")


class ConvertForm(PageForm):
    """Link the request to a patient already registered, or register a new one; and a hip."""

    patient = forms.ChoiceField(
        label="Who this is",
        widget=forms.RadioSelect,
        error_messages={"required": "choose a patient already registered, or a new patient"},
    )
    given_name = forms.CharField(max_length=NAME_MAX, required=False)
    family_name = forms.CharField(max_length=NAME_MAX, required=False)
    date_of_birth = forms.DateField(required=False, widget=date_input())
    sex = forms.ChoiceField(
        required=False,
        choices=[("", "Choose…")] + [(s.value, s.value.title()) for s in Sex],
        help_text="As recorded.",
    )
    side = forms.ChoiceField(
        label="Which hip",
        choices=[("", "Choose…")] + [(s.value, s.value.title()) for s in Side],
        help_text="One referral per hip: for both hips, open the second from the patient's chart.",
    )
    procedure = forms.ChoiceField(label="Referred for")
    confirm_not_duplicate = forms.BooleanField(
        required=False, label="This is not the same person as any patient listed above"
    )
    not_duplicate_reason = forms.CharField(
        required=False,
        max_length=REASON_MAX,
        label="How you know",
        widget=forms.Textarea({"rows": 2}),
        help_text="For example: a different address and GP, checked with the person "
        "(kept in the audit record).",
    )

    def __init__(self, *args: Any, candidates: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["patient"].choices = [  # type: ignore[attr-defined]
            *candidates,
            (NEW_PATIENT, "A new patient: register them with the details below"),
        ]
        self.fields["procedure"].choices = [("", "Choose…"), *_procedures()]  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        """A new patient needs names, a date of birth and a sex (what the request lacks)."""
        cleaned = super().clean() or {}
        if cleaned.get("patient") == NEW_PATIENT:
            for name in _NEW_PATIENT_FIELDS:
                if not cleaned.get(name) and name not in self.errors:
                    label = self.fields[name].label or name.replace("_", " ")
                    self.add_error(name, f"enter the {str(label).lower()} of the new patient")
        return cleaned

    @property
    def is_new(self) -> bool:
        return self.cleaned_data.get("patient") == NEW_PATIENT

    def details(self, *, email: str, phone: str) -> PatientDetails:
        data = self.cleaned_data
        return PatientDetails(
            given_name=str(data.get("given_name") or ""),
            family_name=str(data.get("family_name") or ""),
            date_of_birth=data.get("date_of_birth"),
            sex=str(data.get("sex") or ""),
            email=email,
            phone=phone,
        )
