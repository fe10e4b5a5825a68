"""The analyst's cohort filter, its choices taken from the data itself."""

from typing import Any

from django import forms
from django.http import QueryDict

from coxa.analytics.cohort import AGE_BANDS, CATEGORIES, GROUPABLE, HEAD_BANDS, Cohort, Filter
from coxa.catalogue.registry import procedure_codes

FIRST_YEAR, LAST_YEAR = 1950, 2100
LABELS = {
    "procedure": "Procedure",
    "sex": "Sex",
    "diagnosis": "Diagnosis",
    "surgeon": "Surgeon",
    "unit": "Unit",
    "age_band": "Age at operation",
    "head_band": "Head size",
}


class CohortForm(forms.Form):
    by = forms.ChoiceField(
        label="Compare by",
        required=False,
        choices=[("", "No grouping"), *((name, LABELS[name]) for name in GROUPABLE)],
    )
    operated_from = forms.IntegerField(
        label="Operated from (year)", required=False, min_value=FIRST_YEAR, max_value=LAST_YEAR
    )
    operated_to = forms.IntegerField(
        label="Operated to (year)", required=False, min_value=FIRST_YEAR, max_value=LAST_YEAR
    )
    min_at_risk = forms.IntegerField(
        label="Withhold figures below this many at risk", min_value=1, max_value=100_000
    )

    def __init__(
        self, data: QueryDict, *, cohort: Cohort, files: list[str], min_at_risk: int
    ) -> None:
        data = data.copy()
        if not data.get("min_at_risk"):
            data["min_at_risk"] = str(min_at_risk)
        super().__init__(data)
        self.fields["source"] = forms.ChoiceField(
            label="Data",
            required=False,
            choices=[("", "This service's records"), *((f, f"Extract: {f}") for f in files)],
        )
        for name in CATEGORIES:
            present = [label for _, label in cohort.category(name).present()]
            if name == "procedure":  # the catalogue's procedures, even before any is operated
                present = sorted(set(present) | set(procedure_codes()))
            self.fields[name] = self._choices(name, present)
        self.fields["age_band"] = self._choices("age_band", list(AGE_BANDS))
        self.fields["head_band"] = self._choices("head_band", list(HEAD_BANDS))
        self.order_fields(
            ["source", *GROUPABLE, "operated_from", "operated_to", "by", "min_at_risk"]
        )

    @staticmethod
    def _choices(name: str, labels: list[str]) -> forms.MultipleChoiceField:
        return forms.MultipleChoiceField(
            label=LABELS[name],
            required=False,
            choices=[(label, label) for label in labels],
            widget=forms.SelectMultiple(attrs={"size": min(6, max(2, len(labels)))}),
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        first, last = data.get("operated_from"), data.get("operated_to")
        if first is not None and last is not None and first > last:
            self.add_error("operated_to", "The last year is before the first.")
        return data

    def cohort_filter(self) -> Filter:
        data = self.cleaned_data
        return Filter(
            **{name: frozenset(data.get(name) or ()) for name in GROUPABLE},
            operated_from=data.get("operated_from"),
            operated_to=data.get("operated_to"),
        )
