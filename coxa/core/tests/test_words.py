"""Dates and codes as people read them (core/words.py)."""

import datetime as dt

from django.template import Context, Template

from coxa.core.words import day_month_year, long_date, short_date, spoken


def test_a_day_is_written_as_a_letter_writes_it() -> None:
    assert long_date(dt.date(2026, 12, 15)) == "Tuesday 15 December 2026"
    assert long_date(dt.date(2027, 1, 1)) == "Friday 1 January 2027"
    assert day_month_year(dt.date(2026, 2, 28)) == "28 February 2026"
    assert short_date(dt.date(2026, 9, 3)) == "3 Sep 2026"


def test_a_code_from_elsewhere_is_spoken_as_words() -> None:
    assert spoken("insufficient-data") == "Insufficient data"
    assert spoken("systolic_bp") == "Systolic bp"
    assert spoken("") == ""


def test_the_template_filter_writes_days_and_nothing_for_none() -> None:
    template = Template("{% load words %}[{{ day|long_date }}]")
    assert template.render(Context({"day": dt.date(2026, 12, 27)})) == "[Sunday 27 December 2026]"
    at = dt.datetime(2026, 12, 28, 9, 30, tzinfo=dt.UTC)
    assert template.render(Context({"day": at})) == "[Monday 28 December 2026]"
    assert template.render(Context({"day": None})) == "[]"


def test_the_template_filter_writes_a_stored_moment_as_the_day_where_the_service_is():
    """A moment stored in UTC half an hour before midnight is the next day in London in
    summer: the filter says the day the service's pages (|date) say."""
    from django.utils import timezone

    from coxa.core.templatetags.words import long_date as filter_long_date

    moment = dt.datetime(2026, 7, 15, 23, 30, tzinfo=dt.UTC)
    assert timezone.localdate(moment) == dt.date(2026, 7, 16)  # settings.TIME_ZONE: London
    assert filter_long_date(moment) == "Thursday 16 July 2026"
    assert filter_long_date(dt.date(2026, 7, 15)) == "Wednesday 15 July 2026"
    assert filter_long_date(None) == ""
