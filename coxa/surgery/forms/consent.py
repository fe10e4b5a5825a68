"""The consent forms of the operation page: record the patient's consent, or its withdrawal.

The risks and alternatives offered are the procedure's in the catalogue; the side and the
operation are chosen, not filled in, so that the surgeon confirms them with the patient
(a wrong one is refused by the service, naming the field).
"""

import datetime as dt
from typing import Any

from django import forms
from django.utils import timezone

from coxa.catalogue.registry import all_procedures
from coxa.catalogue.schema import Procedure
from coxa.core.forms import PageForm
from coxa.core.text import NOTE_MAX, REASON_MAX
from coxa.surgery.domain.consent import ConsentIn, frequency_of

_MOMENT_FORMAT = "%Y-%m-%dT%H:%M"
_LISTS = ("risks", "alternatives")


def risk_label(title: str, frequency: str) -> str:
    return f"{title}: {frequency}"


class ConsentForm(PageForm):
    """What was discussed, what was given, and when; the surgeon taking it is the one signed in."""

    def __init__(self, *args: Any, procedure: Procedure, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "consent-%s")
        super().__init__(*args, **kwargs)
        add = self.fields.__setitem__
        choose = [("", "Choose…")]
        add(
            "procedure",
            forms.ChoiceField(
                choices=[*choose, *((p.code, p.title) for p in all_procedures())],
                label="Operation consented to",
            ),
        )
        add(
            "side",
            forms.ChoiceField(
                choices=[("left", "Left"), ("right", "Right")],
                widget=forms.RadioSelect,
                label="Side, as the patient confirmed it",
            ),
        )
        add(
            "risks",
            forms.MultipleChoiceField(
                choices=[(r.code, risk_label(r.title, frequency_of(r))) for r in procedure.risks],
                widget=forms.CheckboxSelectMultiple,
                required=False,
                label="Risks discussed",
                help_text="Every material risk must be discussed. Tick the restricted head "
                "size only if it was discussed."
                if any(r.discussed != "always" for r in procedure.risks)
                else "Every material risk must be discussed.",
            ),
        )
        add(
            "alternatives",
            forms.MultipleChoiceField(
                choices=[(a.code, f"{a.title}: {a.text}") for a in procedure.alternatives],
                widget=forms.CheckboxSelectMultiple,
                required=False,
                label="Alternatives discussed",
            ),
        )
        version = procedure.patient_information.version
        add(
            "information_version",
            forms.ChoiceField(
                choices=[*choose, (version, f"{procedure.title} information, version {version}")],
                label="Patient information given",
            ),
        )
        add(
            "taken_at",
            forms.DateTimeField(
                label="Consent taken at",
                input_formats=[_MOMENT_FORMAT],
                widget=forms.DateTimeInput({"type": "datetime-local"}, format=_MOMENT_FORMAT),
            ),
        )
        add(
            "note",
            forms.CharField(
                required=False,
                max_length=NOTE_MAX,
                widget=forms.Textarea({"rows": 2}),
                label="Anything else discussed (the patient's questions)",
            ),
        )

    def field_for(self, path: str) -> str | None:
        head = path.split(".", 1)[0]
        return head if head in _LISTS else super().field_for(path)

    def entry(self, data: dict[str, Any]) -> ConsentIn:
        moment: dt.datetime = data["taken_at"]
        if timezone.is_naive(moment):
            moment = timezone.make_aware(moment)
        return ConsentIn.model_validate(
            {
                "procedure": data["procedure"],
                "side": data["side"],
                "risks": data["risks"],
                "alternatives": data["alternatives"],
                "information_version": data["information_version"],
                "taken_at": moment,
                "note": data["note"],
            }
        )


class WithdrawConsentForm(PageForm):
    consent = forms.UUIDField(widget=forms.HiddenInput)
    reason = forms.CharField(
        required=False,
        max_length=REASON_MAX,
        widget=forms.Textarea({"rows": 2}),
        label="Why the patient withdraws consent",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "withdraw-%s")
        super().__init__(*args, **kwargs)
