"""Enrol a hip operated before Coxa or at another hospital, with what is known of it."""

from typing import Any

from django import forms

from coxa.catalogue.schema_surveillance import IMPLANT_CLASSES
from coxa.core.forms import PageForm, date_input
from coxa.surveillance.domain.inputs import EnrolIn

IMPLANT_ROWS = 3
COMPONENTS = [
    ("", "None"),
    ("femoral", "Femoral"),
    ("acetabular", "Acetabular"),
    ("head", "Head"),
    ("stem", "Stem"),
    ("liner", "Liner"),
]
IMPLANT_PARTS = ("component", "manufacturer", "product", "lot")
HEAD_MM = (20, 70)  # EnrolIn.head_mm's bounds


def implant_field(index: int, part: str) -> str:
    return f"implant_{index}_{part}"


class EnrolForm(PageForm):
    side = forms.ChoiceField(
        choices=[("", "Choose"), ("right", "Right"), ("left", "Left")], label="Side"
    )
    implant = forms.ChoiceField(choices=[("", "Choose"), *IMPLANT_CLASSES.items()], label="Implant")
    head_mm = forms.FloatField(required=False, label="Femoral head size (mm), if known")
    operated_on = forms.DateField(
        required=False, widget=date_input(), label="Operated on, if known"
    )
    operated_where = forms.CharField(
        required=False, max_length=200, label="Where (hospital), if known"
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "enrol-%s")
        super().__init__(*args, **kwargs)
        self.rows_given: list[int] = []  # the form's row of each implant sent, in order
        for i in range(IMPLANT_ROWS):
            f = self.fields
            f[implant_field(i, "component")] = forms.ChoiceField(
                required=False, choices=COMPONENTS, label="Component"
            )
            f[implant_field(i, "manufacturer")] = forms.CharField(
                required=False, max_length=120, label="Manufacturer"
            )
            f[implant_field(i, "product")] = forms.CharField(
                required=False, max_length=120, label="Product"
            )
            f[implant_field(i, "lot")] = forms.CharField(required=False, max_length=60, label="Lot")

    def clean_head_mm(self) -> float | None:
        head: float | None = self.cleaned_data.get("head_mm")
        if head is not None and not HEAD_MM[0] <= head <= HEAD_MM[1]:
            raise forms.ValidationError(
                f"A head size is from {HEAD_MM[0]} to {HEAD_MM[1]} mm; leave it blank if not known."
            )
        return head

    def clean(self) -> dict[str, Any]:
        """Each implant row given names its component and its product, said in words."""
        data = super().clean() or {}
        for i in range(IMPLANT_ROWS):
            given = [p for p in IMPLANT_PARTS if data.get(implant_field(i, p))]
            if not given:
                continue
            if "component" not in given and implant_field(i, "component") not in self.errors:
                self.add_error(implant_field(i, "component"), "Choose which component this is.")
            if "product" not in given and implant_field(i, "product") not in self.errors:
                self.add_error(implant_field(i, "product"), "Give the product of this component.")
        return data

    def implant_rows(self) -> list[list[forms.BoundField]]:
        return [[self[implant_field(i, p)] for p in IMPLANT_PARTS] for i in range(IMPLANT_ROWS)]

    def field_for(self, path: str) -> str | None:
        parts = path.split(".")
        if parts[0] == "implants" and len(parts) > 2 and parts[1].isdigit():  # noqa: PLR2004
            index = int(parts[1])
            row = self.rows_given[index] if index < len(self.rows_given) else index
            name = implant_field(row, parts[2])
            return name if name in self.fields else None
        return super().field_for(path)

    def entry(self, data: dict[str, Any]) -> EnrolIn:
        given: dict[str, Any] = {
            k: data[k] for k in ("side", "implant", "head_mm", "operated_on") if data.get(k)
        }
        given["operated_where"] = data.get("operated_where") or ""
        implants = []
        for i in range(IMPLANT_ROWS):
            row = {p: data.get(implant_field(i, p)) or "" for p in IMPLANT_PARTS}
            if any(row.values()):
                implants.append(row)
                self.rows_given.append(i)
        given["implants"] = implants
        return EnrolIn.model_validate(given)
