"""Forms for recording how a hip's episode ends: a conversion or revision, a death."""

from django import forms

from coxa.catalogue.loader import get_catalogue
from coxa.catalogue.registry import get_procedure
from coxa.core.forms import date_input
from coxa.core.text import REASON_MAX
from coxa.outcomes.domain.endpoints import RelatedToHip

CHOOSE = ("", "Choose…")


class ConversionForm(forms.Form):
    """The day, a coded reason and the new procedure; the service checks each on its field."""

    on = forms.DateField(
        label="Day of the conversion or revision",
        required=False,
        widget=date_input(),
        help_text="The day the hip was found to have failed and its conversion or revision "
        "was decided (or done, if it already has been). Once the new episode's operation "
        "note is signed, the registry dates the revision by that operation.",
    )
    reason = forms.ChoiceField(label="Reason", required=False)
    procedure = forms.ChoiceField(label="New procedure", required=False)
    note = forms.CharField(
        label="Note",
        required=False,
        max_length=REASON_MAX,
        widget=forms.Textarea({"rows": 2}),
        help_text="Required when the reason is other: say what.",
    )

    def __init__(
        self, *args: object, targets: tuple[str, ...], procedure: str, **kwargs: object
    ) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        reasons = [
            r for r in get_catalogue().conversion_reasons.values() if r.applies_to(procedure)
        ]
        self.fields["reason"].choices = [CHOOSE] + [(r.code, r.label) for r in reasons]  # type: ignore[attr-defined]
        titles = [
            (code, found.title if (found := get_procedure(code)) else code) for code in targets
        ]
        self.fields["procedure"].choices = [CHOOSE, *titles]  # type: ignore[attr-defined]


class DeathForm(forms.Form):
    """The date of death and whether it was related to the hip: never assumed."""

    on = forms.DateField(label="Date of death", required=False, widget=date_input())
    related_to_hip = forms.ChoiceField(
        label="Was the death related to the hip?",
        required=False,
        choices=[(r.value, r.label) for r in RelatedToHip],
        widget=forms.RadioSelect,
    )
