"""The analytics' PROM change leaves out a questionnaire response struck out as made in
error (H63): a wrong-hip score is never a hip's baseline in the figures."""

import datetime as dt

import pytest

from coxa.analytics.selectors import outcome_figures
from coxa.core import clock
from coxa.core.audit import Via
from coxa.outcomes.services import responses
from tests.journeys import walk_to

pytestmark = pytest.mark.django_db


def operated() -> dt.date:
    """Read at each use, never at import: a run that crosses midnight keeps its dates."""
    return clock.today() - dt.timedelta(days=200)


ITEMS = ("pain-stairs", "pain-uneven-ground", "rising-from-sitting", "bending-to-floor",
         "lying-in-bed", "sitting")  # fmt: skip


def answer(hip, by, days, value):
    return responses.record_response(
        episode=hip,
        instrument="hoos-jr",
        answers=dict.fromkeys(ITEMS, value),
        completed_on=operated() + dt.timedelta(days=days),
        by=by,
        via=Via.WEB,
    )


def hoos_row(analyst):
    rows = [r for r in outcome_figures(analyst).proms if r.instrument == "hoos-jr"]
    assert len(rows) == 1
    return rows[0]


def test_a_struck_out_baseline_is_left_out_of_the_prom_change(bert, surgeon, nurse, analyst):
    hip = walk_to(
        "follow-up",
        patient=bert,
        by=surgeon,
        procedure="core-decompression",
        listed_on=operated() - dt.timedelta(days=21),
        operated_on=operated(),
    )
    answer(hip, nurse, -14, 2)  # 52.965
    wrong = answer(hip, nurse, -7, 4)  # 0: the latest before the operation
    answer(hip, nurse, 180, 0)  # 100
    assert (hoos_row(analyst).baseline, hoos_row(analyst).change) == (0, 100)
    responses.strike_out_response(
        episode=hip,
        response_id=wrong.public_id,
        reason="Another patient's form",
        by=nurse,
        via=Via.WEB,
    )
    row = hoos_row(analyst)
    assert (row.hips, row.baseline, row.later) == (1, pytest.approx(52.965), 100)
    assert row.change == pytest.approx(100 - 52.965)
