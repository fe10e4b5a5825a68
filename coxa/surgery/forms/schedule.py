"""The operation page's booking form: the day, the surgeon, the list and its start time."""

from typing import Any

from django import forms

from coxa.core.forms import PageForm, date_input


def _text(**kwargs: Any) -> forms.CharField:
    return forms.CharField(required=False, **kwargs)


class ScheduleForm(PageForm):
    operation_date = forms.DateField(widget=date_input())
    surgeon = forms.ChoiceField()
    theatre_list = _text()
    start_time = forms.TimeField(
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        label="Start time (optional)",
    )
    reason = _text(label="Reason for moving it")
    late_stops_reason = _text(
        label="If a medicine's stop date has already passed: what was agreed with the patient"
    )

    def __init__(self, *args: Any, surgeons: list[tuple[str, str]], **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "booking-%s")
        super().__init__(*args, **kwargs)
        self.fields["surgeon"].choices = surgeons  # type: ignore[attr-defined]
