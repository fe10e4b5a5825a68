"""Outcomes' page forms, one module per page."""

from typing import Any

from django import forms

from coxa.core.forms import PageForm
from coxa.core.text import REASON_MAX


class StrikeOutForm(PageForm):
    """Why a record is struck out as made in error: it stays, marked, and stops counting.

    One form for a questionnaire response, a review and a complication; each page names
    what is struck out in its ``label``.
    """

    reason = forms.CharField(max_length=REASON_MAX, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, label: str, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "strike-%s")
        super().__init__(*args, **kwargs)
        self.fields["reason"].label = label
