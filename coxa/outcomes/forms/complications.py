"""The complications page's forms: record a complication, strike one out made in error."""

from typing import Any

from django import forms

from coxa.catalogue.schema_complications import ComplicationType
from coxa.core.forms import PageForm, date_input
from coxa.core.text import NOTE_MAX, REASON_MAX
from coxa.outcomes.domain.complications import Grade, Outcome


class ComplicationForm(PageForm):
    """The register's fields; the types offered are those of the hip's operation."""

    type = forms.ChoiceField(label="Complication")
    description = forms.CharField(
        required=False,
        max_length=REASON_MAX,
        label="What it was, in words",
        help_text="Needed for other; a detail for any type.",
    )
    found_on = forms.DateField(widget=date_input(), label="Found on")
    clavien_dindo = forms.ChoiceField(
        choices=[(g.value, g.label) for g in Grade],
        widget=forms.RadioSelect,
        label="Clavien-Dindo grade (Dindo et al., Ann Surg 2004)",
    )
    disability = forms.BooleanField(
        required=False, label="Still present when the patient left hospital (suffix d)"
    )
    treatment = forms.CharField(
        required=False, max_length=NOTE_MAX, widget=forms.Textarea(attrs={"rows": 3})
    )
    outcome = forms.ChoiceField(choices=[(o.value, o.label) for o in Outcome])

    def __init__(self, *args: Any, types: list[ComplicationType], **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "complication-%s")
        super().__init__(*args, **kwargs)
        self.fields["type"].choices = [("", "Choose…"), *((t.code, t.title) for t in types)]  # type: ignore[attr-defined]

    @staticmethod
    def entry(data: dict[str, Any]) -> dict[str, Any]:
        return dict(data)
