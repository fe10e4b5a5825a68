"""The analyst's cohort filter, its choices taken from the data itself.

Values stay as the data holds them (a procedure's code, a surgeon's name); what a person
reads is in words (``in_words``): the catalogue's title of a procedure, "Avascular necrosis"
for ``avascular-necrosis``.
"""

from typing import Any

from django import forms
from django.http import QueryDict

from coxa.analytics.choices import (
    AGE_BANDS,
    CATEGORIES,
    GROUPABLE,
    HEAD_BANDS,
    LABELS,
    NOT_RECORDED,
)
from coxa.analytics.cohort import Cohort, Filter
from coxa.catalogue.registry import get_procedure, procedure_codes

FIRST_YEAR, LAST_YEAR = 1950, 2100
SPELLED = ("sex", "diagnosis")  # held as codes such as "avascular-necrosis"


def in_words(name: str | None, value: str) -> str:
    """A value of the column ``name`` as a person reads it; names and bands as they are."""
    if value == NOT_RECORDED:
        return "Not recorded"
    if name == "procedure":
        procedure = get_procedure(value)
        return procedure.title if procedure is not None else value
    if name in SPELLED:
        return value.replace("-", " ").replace("_", " ").capitalize()
    return value


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
        groups: list[tuple[str, list[tuple[str, str]]]] = []
        for name in CATEGORIES:
            present = [label for _, label in cohort.category(name).present()]
            if name == "procedure":  # the catalogue's procedures, even before any is operated
                present = sorted(set(present) | set(procedure_codes()))
            self.fields[name] = self._choices(name, present)
            groups.append((LABELS[name], [(v, in_words(name, v)) for v in present]))
        self.fields["age_band"] = self._choices("age_band", list(AGE_BANDS))
        self.fields["head_band"] = self._choices("head_band", list(HEAD_BANDS))
        self.fields["highlight"] = forms.ChoiceField(
            label="Highlight",
            required=False,
            choices=[("", "None: the largest groups"), *groups],
            help_text="Drawn in colour first; the largest groups take the other colours.",
        )
        self.order_fields(
            [
                "source",
                *GROUPABLE,
                "operated_from",
                "operated_to",
                "by",
                "highlight",
                "min_at_risk",
            ]
        )

    @staticmethod
    def _choices(name: str, values: list[str]) -> forms.MultipleChoiceField:
        choices = sorted(((v, in_words(name, v)) for v in values), key=lambda c: c[1].lower())
        return forms.MultipleChoiceField(
            label=LABELS[name],
            required=False,
            choices=choices,
            widget=forms.SelectMultiple(attrs={"size": min(6, max(2, len(values)))}),
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        first, last = data.get("operated_from"), data.get("operated_to")
        if first is not None and last is not None and first > last:
            self.add_error("operated_to", "The last year is before the first.")
        return data

    def chosen(self) -> str | None:
        """The group to highlight, in words (as the groups are labelled), if any."""
        value = self.cleaned_data.get("highlight")
        return in_words(self.cleaned_data.get("by"), value) if value else None

    def describe(self) -> str:
        """The cohort in words: "Procedure: Birmingham Hip Resurfacing; operated 2015 to 2020"."""
        chosen = self.cohort_filter()
        parts = [
            f"{LABELS[name]}: {', '.join(sorted(in_words(name, v) for v in getattr(chosen, name)))}"
            for name in GROUPABLE
            if getattr(chosen, name)
        ]
        first, last = chosen.operated_from, chosen.operated_to
        if first is not None and last is not None:
            parts.append(f"operated {first} to {last}")
        elif first is not None:
            parts.append(f"operated from {first}")
        elif last is not None:
            parts.append(f"operated up to {last}")
        return "; ".join(parts) if parts else "all hips"

    def cohort_filter(self) -> Filter:
        data = self.cleaned_data
        return Filter(
            **{name: frozenset(data.get(name) or ()) for name in GROUPABLE},
            operated_from=data.get("operated_from"),
            operated_to=data.get("operated_to"),
        )
