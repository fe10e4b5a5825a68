"""The forms of one hip's surveillance: blood metal levels, imaging, a review, a strike-out.

Each builds the service's input (``domain.inputs``) from what was typed, and names the form
field for each of the input's paths (``cobalt.unit`` → ``cobalt_unit``), so a refusal lands
beside what caused it. Every finding starts at "Not assessed" and every symptom at "Not
asked": neither is ever read as normal.
"""

from typing import Any

from django import forms

from coxa.core.forms import PageForm, date_input
from coxa.core.text import REASON_MAX
from coxa.surveillance.domain.imaging import (
    CLASSIFICATIONS,
    MODALITY_LABELS,
    XRAY_FINDINGS,
    Seen,
)
from coxa.surveillance.domain.inputs import ImagingIn, MetalIonsIn, ReviewIn
from coxa.surveillance.domain.recommend import SYMPTOMS, Answer, Recommendation
from coxa.surveillance.domain.results import Matrix
from coxa.terminology.units import METAL_UNITS, METALS

_CHOOSE = ("", "Choose")
SIZE_MAX_MM = 400  # ImagingIn.size_mm's bound
# Each UCUM unit as staff read it (the choice posts the code: ug/L, [ppb], nmol/L).
UNIT_SHOWN = {"ug/L": "µg/L", "[ppb]": "ppb", "nmol/L": "nmol/L"}
UNIT_CHOICES = [("", "Choose the unit"), *((u, UNIT_SHOWN.get(u, u)) for u in METAL_UNITS)]
SEEN_CHOICES = [(s.value, s.label) for s in (Seen.NOT_ASSESSED, Seen.ABSENT, Seen.PRESENT)]
ANSWER_CHOICES = [
    (Answer.NOT_ASKED.value, "Not asked"),
    (Answer.NO.value, "No"),
    (Answer.YES.value, "Yes"),
]
SOFT_TISSUE = ("fluid_collection", "solid_mass", "muscle_involvement", "bone_involvement")
SOFT_TISSUE_LABELS = {
    "fluid_collection": "Fluid collection",
    "solid_mass": "Solid mass",
    "muscle_involvement": "Muscle involvement",
    "bone_involvement": "Bone involvement",
}
PLANS = {
    "follow": "Follow the recommendation",
    **{
        r.value: r.label
        for r in (
            Recommendation.ROUTINE,
            Recommendation.REPEAT_BLOODS,
            Recommendation.IMAGE,
            Recommendation.REFER,
        )
    },
}


def xray_field(code: str) -> str:
    return f"xray_{code.replace('-', '_')}"


def symptom_field(code: str) -> str:
    return f"symptom_{code.replace('-', '_')}"


class MetalIonsForm(PageForm):
    """One blood sample's cobalt and chromium, as the laboratory reported them."""

    sampled_on = forms.DateField(widget=date_input(), label="Sampled on")
    matrix = forms.ChoiceField(
        choices=[_CHOOSE, *((m.value, m.label) for m in Matrix)],
        label="Sample",
        help_text="Whole blood is compared with the 7 µg/L threshold; serum and plasma are "
        "stored but never compared with it.",
    )
    cobalt_value = forms.FloatField(required=False, label="Cobalt")
    cobalt_unit = forms.ChoiceField(required=False, choices=UNIT_CHOICES, label="Cobalt unit")
    chromium_value = forms.FloatField(required=False, label="Chromium")
    chromium_unit = forms.ChoiceField(required=False, choices=UNIT_CHOICES, label="Chromium unit")
    laboratory = forms.CharField(max_length=120, label="Laboratory")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "result-%s")
        super().__init__(*args, **kwargs)

    def clean(self) -> dict[str, Any]:
        """A level needs its unit, and a unit its level: said in words, beside the field."""
        data = super().clean() or {}
        for metal in METALS:
            value, unit = data.get(f"{metal}_value"), data.get(f"{metal}_unit")
            if value is not None and not unit and f"{metal}_unit" not in self.errors:
                self.add_error(f"{metal}_unit", "Give the unit the laboratory reported.")
            if unit and value is None and f"{metal}_value" not in self.errors:
                self.add_error(
                    f"{metal}_value", "Give the level the laboratory reported, or no unit."
                )
        return data

    def field_for(self, path: str) -> str | None:
        parts = path.split(".")
        if parts[0] in METALS:
            return f"{parts[0]}_{parts[1] if len(parts) > 1 else 'value'}"
        return super().field_for(path)

    def entry(self, data: dict[str, Any]) -> MetalIonsIn:
        given: dict[str, Any] = {
            "sampled_on": data["sampled_on"],
            "matrix": data["matrix"],
            "laboratory": data["laboratory"],
        }
        for metal in METALS:
            value, unit = data.get(f"{metal}_value"), data.get(f"{metal}_unit") or ""
            if value is not None or unit:
                given[metal] = {"value": value, "unit": unit}
        return MetalIonsIn.model_validate(given)


class ImagingForm(PageForm):
    """A MARS MRI, ultrasound or X-ray, with what it showed and what it did not assess."""

    performed_on = forms.DateField(widget=date_input(), label="Performed on")
    modality = forms.ChoiceField(
        choices=[_CHOOSE, *((m.value, label) for m, label in MODALITY_LABELS.items())],
        label="Kind of imaging",
    )
    fluid_collection = forms.ChoiceField(
        required=False, choices=SEEN_CHOICES, label="Fluid collection"
    )
    solid_mass = forms.ChoiceField(required=False, choices=SEEN_CHOICES, label="Solid mass")
    muscle_involvement = forms.ChoiceField(
        required=False, choices=SEEN_CHOICES, label="Muscle involvement"
    )
    bone_involvement = forms.ChoiceField(
        required=False, choices=SEEN_CHOICES, label="Bone involvement"
    )
    very_large = forms.BooleanField(required=False, label="The collection is very large")
    size_mm = forms.FloatField(required=False, label="Largest size (mm)")
    classification_system = forms.ChoiceField(
        required=False,
        choices=[("", "Not classified"), *CLASSIFICATIONS.items()],
        label="Classification system",
    )
    classification = forms.CharField(
        required=False, max_length=40, label="Class (Hauptfleisch: 1, 2 or 3)"
    )
    report = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 3}), label="Report, in words"
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "imaging-%s")
        super().__init__(*args, **kwargs)
        for code, title in XRAY_FINDINGS.items():
            self.fields[xray_field(code)] = forms.ChoiceField(
                required=False, choices=SEEN_CHOICES, label=title, initial=Seen.NOT_ASSESSED.value
            )
        for name in SOFT_TISSUE:
            self.fields[name].initial = Seen.NOT_ASSESSED.value

    def clean_size_mm(self) -> float | None:
        size: float | None = self.cleaned_data.get("size_mm")
        if size is not None and size <= 0:
            raise forms.ValidationError("The size must be more than 0 mm.")
        if size is not None and size > SIZE_MAX_MM:
            raise forms.ValidationError(f"The size must be {SIZE_MAX_MM} mm or less.")
        return size

    def soft_tissue_fields(self) -> list[forms.BoundField]:
        return [self[n] for n in SOFT_TISSUE]

    def xray_fields(self) -> list[forms.BoundField]:
        return [self[xray_field(c)] for c in XRAY_FINDINGS]

    def field_for(self, path: str) -> str | None:
        parts = path.split(".")
        if parts[0] == "xray":
            name = xray_field(parts[1]) if len(parts) > 1 else ""
            return name if name in self.fields else None
        return super().field_for(path)

    def entry(self, data: dict[str, Any]) -> ImagingIn:
        modality = data["modality"]
        given: dict[str, Any] = {
            "performed_on": data["performed_on"],
            "modality": modality,
            "very_large": data.get("very_large") or False,
            "size_mm": data.get("size_mm"),
            "classification_system": data.get("classification_system") or "",
            "classification": data.get("classification") or "",
            "report": data.get("report") or "",
        }
        if modality == "xray":
            # An X-ray does not show soft tissue: what was chosen above is refused by the
            # service only when it says something (not "Not assessed").
            given.update({n: data.get(n) or Seen.NOT_ASSESSED.value for n in SOFT_TISSUE})
            given["xray"] = {
                c: data.get(xray_field(c)) or Seen.NOT_ASSESSED.value for c in XRAY_FINDINGS
            }
        else:
            given.update({n: data.get(n) or Seen.NOT_ASSESSED.value for n in SOFT_TISSUE})
            said = {
                c: v
                for c in XRAY_FINDINGS
                if (v := data.get(xray_field(c))) and v != Seen.NOT_ASSESSED.value
            }
            if said:
                given["xray"] = said
        return ImagingIn.model_validate(given)


class ReviewForm(PageForm):
    """A surveillance review: the day, each symptom asked, and the plan."""

    reviewed_on = forms.DateField(widget=date_input(), label="Reviewed on")
    plan = forms.ChoiceField(
        choices=list(PLANS.items()), initial="follow", label="Plan", widget=forms.RadioSelect
    )
    plan_reason = forms.CharField(
        required=False,
        max_length=REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
        label="Why another plan",
        help_text="Needed when the plan is not the recommendation.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "review-%s")
        super().__init__(*args, **kwargs)
        for code, words in SYMPTOMS.items():
            self.fields[symptom_field(code)] = forms.ChoiceField(
                choices=ANSWER_CHOICES,
                initial=Answer.NOT_ASKED.value,
                label=words,
                widget=forms.RadioSelect,
            )

    def symptom_fields(self) -> list[forms.BoundField]:
        return [self[symptom_field(c)] for c in SYMPTOMS]

    def field_for(self, path: str) -> str | None:
        parts = path.split(".")
        if parts[0] == "symptoms" and len(parts) > 1:
            name = symptom_field(parts[1])
            return name if name in self.fields else None
        return super().field_for(path)

    def entry(self, data: dict[str, Any]) -> ReviewIn:
        return ReviewIn.model_validate(
            {
                "reviewed_on": data["reviewed_on"],
                "symptoms": {
                    c: data.get(symptom_field(c)) or Answer.NOT_ASKED.value for c in SYMPTOMS
                },
                "plan": data["plan"],
                "plan_reason": data.get("plan_reason") or "",
            }
        )


class StrikeOutForm(PageForm):
    """Why a result, a study or a review is struck out as entered in error."""

    reason = forms.CharField(
        max_length=REASON_MAX, widget=forms.Textarea(attrs={"rows": 2}), label="Why strike it out"
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "strike-%s")
        super().__init__(*args, **kwargs)
