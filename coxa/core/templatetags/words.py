"""``{% load words %}``: dates as people write them (core/words.py)."""

import datetime as dt

from django import template
from django.utils import timezone

from coxa.core import words

register = template.Library()


@register.filter
def long_date(day: dt.date | None) -> str:
    """{{ plan.operation_on|long_date }} -> 'Tuesday 15 December 2026' ('' for none)."""
    if day is None or day == "":
        return ""
    if isinstance(day, dt.datetime):
        # The day where the service is (settings.TIME_ZONE), as |date shows it: a moment
        # stored in UTC just after midnight in British Summer Time is the next day here.
        day = timezone.localdate(day) if timezone.is_aware(day) else day.date()
    return words.long_date(day)
