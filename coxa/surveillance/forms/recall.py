"""The recall page's forms: the notice's product and lot (posted), and each patient contacted."""

from typing import Any

from django import forms

from coxa.core.forms import PageForm, date_input
from coxa.core.text import LABEL_MAX, NOTE_MAX
from coxa.surveillance.domain.inputs import RecallContactIn

LOT_MAX = 60
METHODS = (
    ("phone", "By phone"),
    ("letter", "By letter"),
    ("email", "By email"),
    ("in-person", "In person"),
)


class RecallSearchForm(forms.Form):
    """The product and lot a field safety notice names; posted, kept in the session."""

    product = forms.CharField(
        max_length=LABEL_MAX,
        label="Product",
        help_text="As the notice names it, e.g. Birmingham Hip Resurfacing femoral head.",
    )
    lot = forms.CharField(
        max_length=LOT_MAX,
        required=False,
        label="Lot (batch) number",
        help_text="Leave blank to find every lot of the product.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "recall-%s")
        super().__init__(*args, **kwargs)


class RecallContactForm(PageForm):
    """That one hip's patient was contacted about the notice: how, when, and a note."""

    notice = forms.CharField(
        max_length=LABEL_MAX,
        label="Notice reference",
        help_text="The field safety notice's reference, as the manufacturer or MHRA gives it.",
    )
    method = forms.ChoiceField(label="How", choices=METHODS)
    contacted_on = forms.DateField(label="Day contacted", widget=date_input())
    note = forms.CharField(
        max_length=NOTE_MAX,
        required=False,
        label="Note",
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="What was said or agreed (an appointment, a letter sent).",
    )

    def __init__(self, *args: Any, hip: str, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", f"contact-{hip}-%s")  # one form a hip: ids of its own
        super().__init__(*args, **kwargs)

    def entry(self, data: dict[str, Any], *, product: str, lot: str) -> RecallContactIn:
        return RecallContactIn(
            product=product,
            lot=lot,
            notice=data["notice"],
            method=data["method"],
            contacted_on=data["contacted_on"],
            note=data["note"],
        )
