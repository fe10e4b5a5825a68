"""The operation note's VTE prophylaxis fields (``vte-<name>``), from the procedure's options."""

from typing import Any

from django import forms

from coxa.catalogue.schema import Procedure
from coxa.surgery.domain.prophylaxis import Choice, ProphylaxisIn

PREFIX = "vte-"
_CHOICES = {
    Choice.REGIMEN: "A regimen from NICE NG89",
    Choice.CUSTOM: "The clinician's own agent, dose and duration (not from NG89)",
    Choice.NONE: "None (say why)",
}


def prophylaxis_fields(procedure: Procedure) -> dict[str, forms.Field]:
    """The fields, named ``vte-<input name>``; a procedure with no regimens offers none."""
    regimens = procedure.vte_prophylaxis.regimens
    choices = [(c.value, text) for c, text in _CHOICES.items() if regimens or c != Choice.REGIMEN]
    fields: dict[str, forms.Field] = {
        "choice": forms.ChoiceField(
            choices=[("", "Choose…"), *choices], required=False, label="VTE prophylaxis"
        ),
    }
    if regimens:
        fields["regimen"] = forms.ChoiceField(
            choices=[("", "Choose…"), *((r.code, r.title) for r in regimens)],
            required=False,
            label="Regimen",
        )
    fields["agent"] = forms.CharField(required=False, label="Agent (the clinician's own)")
    fields["dose"] = forms.CharField(required=False, label="Dose as prescribed")
    fields["duration_days"] = forms.IntegerField(
        required=False, min_value=1, label="Duration in days (where the regimen does not set it)"
    )
    fields["reason"] = forms.CharField(
        required=False, label="Reason (for none, a second-line or the clinician's own)"
    )
    return {f"{PREFIX}{name}": field for name, field in fields.items()}


def prophylaxis_input(data: dict[str, Any]) -> dict[str, Any] | None:
    """The input's ``vte_prophylaxis`` from the cleaned form; None if no choice was made."""
    if not data.get(f"{PREFIX}choice"):
        return None
    return {
        name: data.get(f"{PREFIX}{name}")
        for name in ProphylaxisIn.model_fields
        if data.get(f"{PREFIX}{name}") not in (None, "")
    }


def prophylaxis_initial(stored: dict[str, Any] | None) -> dict[str, Any]:
    return {f"{PREFIX}{k}": v for k, v in (stored or {}).items() if v not in (None, "")}


def field_for(path: str) -> str | None:
    """``vte_prophylaxis.dose`` is the form's ``vte-dose``."""
    head, _, name = path.partition(".")
    return f"{PREFIX}{name or 'choice'}" if head == "vte_prophylaxis" else None
