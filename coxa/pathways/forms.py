"""Forms for opening episodes and moving them between states."""

from django import forms

from coxa.catalogue.registry import all_procedures
from coxa.core.forms import date_input
from coxa.core.text import REASON_MAX
from coxa.pathways.domain import EpisodeState, Side


def _procedure_choices() -> list[tuple[str, str]]:
    # Read when a form is made, so that importing the pages does not load the catalogue.
    return [("", "Choose…")] + [(p.code, p.title) for p in all_procedures()]


class EpisodeForm(forms.Form):
    side = forms.ChoiceField(
        choices=[("", "Choose…")] + [(s.value, s.value.title()) for s in Side],
        help_text="One episode per hip: for both hips, open two.",
    )
    procedure = forms.ChoiceField(choices=_procedure_choices)
    referred_on = forms.DateField(
        required=False,
        widget=date_input(),
        help_text="Leave empty for today.",
    )


class TransitionForm(forms.Form):
    to = forms.ChoiceField(label="Move to")
    reason = forms.CharField(
        required=False,
        max_length=REASON_MAX,
        widget=forms.Textarea({"rows": 2}),
        help_text="Required when going back or withdrawing.",
    )

    def __init__(self, *args: object, targets: tuple[EpisodeState, ...], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["to"].choices = [("", "Choose…")] + [(t.value, t.label) for t in targets]  # type: ignore[attr-defined]
