"""Django forms built from the entry schemas, so every kind of entry has a page form."""

import datetime as dt
import re
import types
import typing
from enum import Enum
from typing import Any

from django import forms
from pydantic import BaseModel
from pydantic.fields import FieldInfo

from coxa.assessment.domain.entries import CLINICIAN_ACTIONS, DATE_FIELDS, SCHEMAS, Kind
from coxa.assessment.domain.labels import (
    MEASUREMENT_NAMES,
    UNIT_SYMBOLS,
    choice_label,
    field_label,
    unit_symbol,
)
from coxa.catalogue.loader import get_catalogue
from coxa.core import clock
from coxa.core.forms import PageForm, date_input
from coxa.core.text import REASON_MAX
from coxa.terminology.codes import CLASS_LABELS, DRUG_CLASSES, SUBSTANCES
from coxa.terminology.units import MEASUREMENTS, OBSERVATION_CODES, ucum

_DATE = date_input()
_BOOLEAN_CHOICES = [("", "Not known"), ("true", "Yes"), ("false", "No")]
_CODES = re.compile(r"\b[a-z0-9]+(?:_[a-z0-9]+)+\b")


def _unwrap(annotation: Any) -> tuple[Any, bool]:
    """The inner type of ``X | None``, and whether None is allowed."""
    args = typing.get_args(annotation)
    if typing.get_origin(annotation) in (typing.Union, types.UnionType) and type(None) in args:
        inner = [a for a in args if a is not type(None)]
        return inner[0], True
    return annotation, False


def _choices(name: str, annotation: Any) -> list[tuple[str, str]] | None:
    if typing.get_origin(annotation) is typing.Literal:
        return [(str(v), choice_label(name, str(v))) for v in typing.get_args(annotation)]
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        return [(m.value, choice_label(name, m.value)) for m in annotation]
    metadata = getattr(annotation, "__metadata__", None)
    if metadata:
        return _choices(name, typing.get_args(annotation)[0])
    return None


class UnitField(forms.ChoiceField):
    """A unit chosen from those a measurement accepts.

    A common spelling ("mmHg") is read as its UCUM code (``terminology.units.ucum``), which
    is the option's value.
    """

    def to_python(self, value: Any) -> str:
        return ucum(str(super().to_python(value)))


def unit_choices(code: str | None) -> list[tuple[str, str]]:
    """The units a measurement accepts, its usual (stored) unit first; every unit if None."""
    codes = [code] if code in MEASUREMENTS else list(OBSERVATION_CODES)
    units = dict.fromkeys(u for c in codes for u in MEASUREMENTS[c].accepted)  # type: ignore[index]
    return [(u, unit_symbol(u)) for u in units]


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
        choices=[
            ("", "Choose…"),
            *((c, CLASS_LABELS[c][:1].upper() + CLASS_LABELS[c][1:]) for c in DRUG_CLASSES),
        ],
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
    label = field_label(name)
    if typing.get_origin(inner) is tuple:
        options = _choices(name, typing.get_args(inner)[0]) or []
        return forms.MultipleChoiceField(
            choices=options, label=label, widget=forms.CheckboxSelectMultiple
        )
    choices = _choices(name, inner)
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
        return forms.DateField(
            widget=_DATE,
            required=required and not optional,
            label=label,
            initial=clock.today if name in DATE_FIELDS else None,  # the day of the clinic
        )
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


def form_for(
    kind: Kind,
    *,
    correction: bool = False,
    code: str | None = None,
    clinician: bool = True,
) -> type["KindForm"]:
    """A form class for one kind of entry; a correction form also asks for the reason.

    ``code``: an observation's form for one measurement (the code a hidden field, the units
    those it accepts, its usual unit first and chosen); in a correction the code stays a
    choice. ``clinician``: False leaves out what only a clinician records (a haematologist's
    plan received), as the service would refuse it.
    """
    schema: type[BaseModel] = SCHEMAS[kind]
    fields: dict[str, forms.Field] = {}
    for name, info in schema.model_fields.items():
        fields[info.alias or name] = _field(name, info)
    measured = code if code in MEASUREMENTS else None
    if kind is Kind.OBSERVATION:
        units = unit_choices(measured)
        fields["unit"] = UnitField(
            choices=units, label="Unit", initial=units[0][0] if measured else None
        )
        if measured and not correction:
            fields["code"] = forms.ChoiceField(
                choices=fields["code"].choices,  # type: ignore[attr-defined]
                initial=measured,
                widget=forms.HiddenInput,
            )
            fields["value"].label = MEASUREMENT_NAMES[measured]
    if kind is Kind.ACTION and not clinician:
        action = fields["action"]
        action.choices = [  # type: ignore[attr-defined]
            c
            for c in action.choices  # type: ignore[attr-defined]
            if c[0] not in CLINICIAN_ACTIONS
        ]
    if correction:
        fields["reason"] = forms.CharField(
            max_length=REASON_MAX,
            widget=forms.Textarea({"rows": 2}),
            label=field_label("reason"),
            help_text="Why the earlier entry was wrong.",
        )
    ids = f"{kind.value}_{measured}" if measured and not correction else kind.value
    name = f"{kind.value.title().replace('-', '')}Form"
    return type(name, (KindForm,), {**fields, "kind": kind.value, "ids": ids})


class KindForm(PageForm):
    """One page shows every kind's form: each form's ids are its own, so labels match.

    A problem's message names fields and measurements in words: the service's codes
    (``observed_on``, ``systolic_bp``, ``mm[Hg]``) are read through the clinic's labels.
    """

    kind = ""
    ids = ""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", f"id_{self.ids or self.kind}_%s")
        super().__init__(*args, **kwargs)

    def add_error(self, field: str | None, error: Any) -> None:
        if isinstance(error, str):
            error = said(error)
            label = str(self.fields[field].label) if field in self.fields else ""
            error = error.removeprefix(f"{label}: ") if label else error
            error = error[:1].upper() + error[1:]
        super().add_error(field, error)


def said(message: str) -> str:
    """A service's message in the clinic's words: codes and UCUM units as people write them."""
    for unit, symbol in UNIT_SYMBOLS.items():
        if len(unit) > 1:
            message = message.replace(unit, symbol)
    return _CODES.sub(
        lambda m: MEASUREMENT_NAMES.get(m.group(0)) or field_label(m.group(0)), message
    )


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
