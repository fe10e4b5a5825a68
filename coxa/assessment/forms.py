"""Django forms built from the entry schemas, so every kind of entry has a page form."""

import datetime as dt
import types
import typing
from enum import Enum
from typing import Any

from django import forms
from pydantic import BaseModel
from pydantic.fields import FieldInfo

from coxa.assessment.domain.entries import SCHEMAS, Kind
from coxa.catalogue.loader import get_catalogue
from coxa.core.forms import PageForm, date_input
from coxa.core.text import REASON_MAX
from coxa.terminology.codes import CLASS_LABELS, DRUG_CLASSES, SUBSTANCES

_DATE = date_input()
_BOOLEAN_CHOICES = [("", "Not known"), ("true", "Yes"), ("false", "No")]


# Labels that say what a number means, where the field's name cannot.
_LABELS = {
    "creatinine_clearance_ml_min": "Creatinine clearance, mL/min (Cockcroft-Gault, not eGFR)",
    "days_before": "Days without it before the operation (the last dose is the day before)",
    "restart_days_after": "Restart, days after the operation",
    "inr_check_days_before": "INR check, days before the operation",
    "bridging": "Heparin bridging needed",
}


def _label(name: str) -> str:
    if name in _LABELS:
        return _LABELS[name]
    words = name.replace("_deg", " (degrees)").replace("_mm", " (mm)").replace("_", " ")
    return words.replace("avn", "AVN").replace("hba1c", "HbA1c").capitalize()


def _unwrap(annotation: Any) -> tuple[Any, bool]:
    """The inner type of ``X | None``, and whether None is allowed."""
    args = typing.get_args(annotation)
    if typing.get_origin(annotation) in (typing.Union, types.UnionType) and type(None) in args:
        inner = [a for a in args if a is not type(None)]
        return inner[0], True
    return annotation, False


def _choices(annotation: Any) -> list[tuple[str, str]] | None:
    if typing.get_origin(annotation) is typing.Literal:
        return [
            (str(v), str(v).replace("-", " ").capitalize()) for v in typing.get_args(annotation)
        ]
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        return [(m.value, m.value.replace("-", " ").capitalize()) for m in annotation]
    metadata = getattr(annotation, "__metadata__", None)
    if metadata:
        return _choices(typing.get_args(annotation)[0])
    return None


def _medicine_field() -> forms.Field:
    """The coded medicine: chosen from the catalogue's list, never typed."""
    known = sorted(get_catalogue().medicines.values(), key=lambda m: m.name)
    return forms.ChoiceField(
        choices=[("", "Not in the list"), *((m.atc, f"{m.name} ({m.atc})") for m in known)],
        required=False,
        label="Medicine (coded)",
        help_text="Choose it when it is on the list: rules about a medicine read its code.",
    )


def _substance_field() -> forms.Field:
    """An allergy's coded substance, from Coxa's table (SNOMED CT)."""
    listed = sorted(SUBSTANCES.items(), key=lambda item: item[1])
    return forms.ChoiceField(
        choices=[("", "Not in the list (not coded)"), *listed],
        required=False,
        label="Substance (coded)",
        help_text="Choose it when it is on the list: an allergy not coded leaves the metal "
        "allergy check unknown.",
    )


def _class_field() -> forms.Field:
    return forms.ChoiceField(
        choices=[("", "Choose…"), *((c, CLASS_LABELS[c].capitalize()) for c in DRUG_CLASSES)],
        label="Class",
        help_text="A coded medicine's class is its code's; for one not on the list, a "
        "clinician decides what happens to it before the operation.",
    )


def _regimen_field() -> forms.Field:
    """A VTE prophylaxis regimen: one the catalogue offers (the service checks the procedure)."""
    offered = {
        r.code: r.title
        for p in get_catalogue().procedures.values()
        for r in p.vte_prophylaxis.regimens
    }
    return forms.ChoiceField(
        choices=[("", "Not chosen yet"), *offered.items()],
        required=False,
        label="Regimen (NICE NG89)",
        help_text="Only when the risk of VTE outweighs the risk of bleeding.",
    )


def _max_length(info: FieldInfo) -> int | None:
    """The longest text the entry's schema takes for a field (its form field says the same)."""
    inner, _ = _unwrap(info.annotation)
    metadata = [*info.metadata, *getattr(inner, "__metadata__", ())]
    metadata += [m for f in metadata if isinstance(f, FieldInfo) for m in f.metadata]
    lengths = [m.max_length for m in metadata if getattr(m, "max_length", None) is not None]
    return min(lengths) if lengths else None


def _field(name: str, info: FieldInfo) -> forms.Field:  # noqa: PLR0911
    annotation, required = info.annotation, info.is_required()
    if name == "atc":
        return _medicine_field()
    if name == "substance_code":
        return _substance_field()
    if name == "drug_class":
        return _class_field()
    if name == "regimen":
        return _regimen_field()
    inner, optional = _unwrap(annotation)
    label = _label(name)
    if typing.get_origin(inner) is tuple:
        options = _choices(typing.get_args(inner)[0]) or []
        return forms.MultipleChoiceField(
            choices=options, label=label, widget=forms.CheckboxSelectMultiple
        )
    choices = _choices(inner)
    if choices is not None:
        return forms.ChoiceField(
            choices=[("", "Choose…" if required else "Not recorded"), *choices],
            required=required and not optional,
            label=label,
        )
    if inner is bool:
        return forms.TypedChoiceField(
            choices=_BOOLEAN_CHOICES,
            required=False,
            label=label,
            coerce=lambda v: v == "true",
            empty_value=None,
        )
    if inner is dt.date:
        return forms.DateField(widget=_DATE, required=required and not optional, label=label)
    if inner in (float, int):
        return forms.FloatField(
            required=required and not optional,
            label=label,
            widget=forms.NumberInput(attrs={"step": "any"}),
        )
    return forms.CharField(
        required=required and not optional,
        label=label,
        max_length=_max_length(info),
        widget=forms.Textarea({"rows": 2}) if "note" in name else None,
    )


def form_for(kind: Kind, *, correction: bool = False) -> type[forms.Form]:
    """A form class for one kind of entry; a correction form also asks for the reason."""
    schema: type[BaseModel] = SCHEMAS[kind]
    fields: dict[str, forms.Field] = {}
    for name, info in schema.model_fields.items():
        key = info.alias or name
        fields[key] = _field(name, info)
    if correction:
        fields["reason"] = forms.CharField(
            max_length=REASON_MAX,
            widget=forms.Textarea({"rows": 2}),
            help_text="Why the earlier entry was wrong.",
        )
    return type(f"{kind.value.title()}Form", (_KindForm,), {**fields, "kind": kind.value})


class _KindForm(PageForm):
    """One page shows every kind's form: each kind's ids are its own, so labels match."""

    kind = ""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", f"id_{self.kind}_%s")
        super().__init__(*args, **kwargs)


def payload(form: forms.Form) -> dict[str, Any]:
    """The cleaned form as an entry payload: empty values left out, so they stay unknown."""
    data = {k: v for k, v in form.cleaned_data.items() if v not in (None, "", []) and k != "reason"}
    return {k: (tuple(v) if isinstance(v, list) else v) for k, v in data.items()}


class OperationDateForm(PageForm):
    """The planned operation date (empty clears it), with the reason for a change."""

    operation_on = forms.DateField(
        required=False,
        label="Planned operation date",
        widget=date_input(),
    )
    reason = forms.CharField(required=False, max_length=REASON_MAX, label="Reason for a change")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "od-%s")
        super().__init__(*args, **kwargs)


class AcknowledgeForm(PageForm):
    """A surgeon acknowledges the hip's candidacy cautions; the service judges the reason."""

    reason = forms.CharField(
        required=False,
        max_length=REASON_MAX,
        label="Why surgery should go ahead despite these cautions",
        widget=forms.Textarea({"rows": 2}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "ack-%s")
        super().__init__(*args, **kwargs)
