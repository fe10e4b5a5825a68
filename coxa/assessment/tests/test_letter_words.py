"""The getting-ready letter writes days as people do: "Tuesday 15 December 2026".

Never an ISO date ("2026-12-15") nor "None" where a person reads it (a ``datetime``
attribute of ``<time>`` is for machines).
"""

import datetime as dt
import re

import pytest
from django.template.loader import render_to_string

from coxa.assessment.domain.entries import Kind
from coxa.assessment.services import entries, readiness
from coxa.assessment.services.letters import letter_of
from coxa.core import clock
from coxa.core.audit import Via
from coxa.core.words import long_date

pytestmark = pytest.mark.django_db

ISO = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")
MACHINE = re.compile(r'datetime="[^"]*"')


def read(html: str) -> str:
    """What a person reads: the markup's machine-only attributes left out."""
    return MACHINE.sub("", html)


def naproxen(episode, by, on):
    entries.record_entry(
        kind=Kind.MEDICATION,
        episode=episode,
        payload={"name": "Naproxen", "class": "nsaid", "atc": "M01AE02", "recorded_on": on},
        by=by,
        via=Via.WEB,
    )


def test_the_letter_writes_every_day_in_words(web_as, nurse, listed):
    today = clock.today()
    operation = today + dt.timedelta(days=30)
    naproxen(listed, nurse, today)
    readiness.plan_operation(episode=listed, operation_on=operation, by=nurse, via=Via.WEB)
    stop = operation - dt.timedelta(days=10)
    page = web_as(nurse).get(f"/staff/episodes/{listed.public_id}/letter/").content.decode()
    printed = render_to_string("assessment/letter_print.html", {"letter": letter_of(listed)})
    for html in (page, printed):
        text = read(html)
        assert f"We are planning your operation for <strong>{long_date(operation)}</strong>" in text
        assert f"Do not take it from {long_date(stop)} until after your operation" in text
        assert f"take your last dose on {long_date(stop - dt.timedelta(days=1))}" in text
        assert f"before your operation on {long_date(operation)}." in text
        assert f"Letter prepared on {long_date(today)}." in text
        assert not ISO.search(text), ISO.search(text)
        assert "None" not in text


def test_a_stop_day_already_past_is_written_in_words_with_its_year(web_as, nurse, listed):
    today = clock.today()
    naproxen(listed, nurse, today)
    readiness.plan_operation(
        episode=listed, operation_on=today + dt.timedelta(days=5), by=nurse, via=Via.WEB
    )
    stop = today - dt.timedelta(days=5)
    text = read(render_to_string("assessment/letter_print.html", {"letter": letter_of(listed)}))
    assert f"you should already have stopped this on {long_date(stop)}." in text
    assert not ISO.search(text)
    assert "None" not in text


def test_a_letter_with_no_date_yet_says_so_in_words(web_as, nurse, listed):
    naproxen(listed, nurse, clock.today())
    text = read(render_to_string("assessment/letter_print.html", {"letter": letter_of(listed)}))
    assert "We have not set a date for your operation yet." in text
    assert "you will need to stop this before your operation. We will tell you the date." in text
    assert not ISO.search(text)
    assert "None" not in text
