"""The portal's form: a questionnaire the patient answers about their own hip."""

from typing import Any

from django import forms

from coxa.core.forms import PageForm
from coxa.outcomes.selectors import Questionnaire


class MyQuestionnaireForm(PageForm):
    """One radio group per question (a number for a 0-to-100 scale); answered today."""

    def __init__(self, *args: Any, questionnaire: Questionnaire, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.questionnaire = questionnaire
        for q in questionnaire.questions:
            values = [c.value for c in q.choices]
            self.fields[q.code] = (
                forms.IntegerField(
                    label=q.text,
                    min_value=min(values),
                    max_value=max(values),
                    required=q.required,
                    help_text=f"A number from {min(values)} to {max(values)}.",
                )
                if q.scale
                else forms.TypedChoiceField(
                    label=q.text,
                    choices=[(c.value, c.label) for c in q.choices],
                    coerce=int,
                    widget=forms.RadioSelect,
                    required=q.required,
                )
            )

    def field_for(self, path: str) -> str | None:
        item = path.removeprefix("answers.")
        return item if item in self.fields else None

    def answers(self) -> dict[str, int]:
        return {
            q.code: self.cleaned_data[q.code]
            for q in self.questionnaire.questions
            if self.cleaned_data.get(q.code) not in (None, "")
        }
