"""Forms of the outcomes pages: a questionnaire (one radio group per item) and a link's request."""

from typing import Any

from django import forms

from coxa.core import clock
from coxa.core.forms import PageForm, date_input
from coxa.outcomes.selectors import Question, Questionnaire


def question_field(question: Question) -> forms.Field:
    """A radio group with the item's answer labels; a number for a 0-to-100 scale."""
    if question.scale:
        values = [c.value for c in question.choices]
        return forms.IntegerField(
            label=question.text,
            min_value=min(values),
            max_value=max(values),
            required=question.required,
            help_text=f"A number from {min(values)} to {max(values)}.",
        )
    return forms.TypedChoiceField(
        label=question.text,
        choices=[(c.value, c.label) for c in question.choices],
        coerce=int,
        widget=forms.RadioSelect,
        required=question.required,
    )


class QuestionnaireForm(PageForm):
    """Each item of one questionnaire, and the day it was completed (staff entry)."""

    def __init__(self, *args: Any, questionnaire: Questionnaire, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.questionnaire = questionnaire
        for question in questionnaire.questions:
            self.fields[question.code] = question_field(question)
        self.fields["completed_on"] = forms.DateField(
            label="Day it was completed", widget=date_input(), initial=clock.today
        )

    def field_for(self, path: str) -> str | None:
        item = path.removeprefix("answers.")
        return item if item in self.fields else super().field_for(path)

    def answers(self) -> dict[str, int]:
        return {
            q.code: self.cleaned_data[q.code]
            for q in self.questionnaire.questions
            if self.cleaned_data.get(q.code) not in (None, "")
        }


class IssueLinkForm(PageForm):
    """Which questionnaires a one-time link asks; those due now (``due``) are preselected.

    No schedule point is asked: each response answers the point whose window holds its day.
    """

    instruments = forms.MultipleChoiceField(
        label="Questionnaires", widget=forms.CheckboxSelectMultiple, required=False
    )

    def __init__(
        self, *args: Any, available: list[Questionnaire], due: tuple[str, ...] = (), **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        codes = [q.code for q in available]
        self.fields["instruments"].choices = [(q.code, q.title) for q in available]  # type: ignore[attr-defined]
        self.fields["instruments"].initial = [c for c in due if c in codes]
