"""The fall-in-score rule (outcomes.domain.falls): pure, no database."""

import datetime as dt

import pytest

from coxa.catalogue.loader import get_catalogue
from coxa.outcomes.domain.falls import Compared, Earlier, fall

OP = dt.date(2026, 1, 10)
DAY = dt.timedelta(days=1)


def instrument(code):
    return get_catalogue().instruments[code]


def check(code, score, earlier, on=OP + 400 * DAY, operation_on=OP):
    return fall(
        instrument(code),
        completed_on=on,
        score=score,
        operation_on=operation_on,
        earlier=[Earlier(d, s) for d, s in earlier],
    )


def test_a_fall_from_the_previous_post_operative_score_by_the_mic_is_flagged():
    # Oxford Hip Score: MIC 8 points for one patient (Beard 2015); 40 -> 32 is a fall of 8.
    found = check("oxford-hip", 32, [(OP - DAY, 20), (OP + 180 * DAY, 40)])
    assert found is not None
    assert (found.compared_with, found.drop, found.threshold) == (Compared.PREVIOUS, 8, 8)
    assert found.sources == ("mhra-mda-2017-018", "beard-2015")
    assert found.as_json()["rule"] == "post-operative-fall"


def test_one_point_short_of_the_mic_is_not_flagged():
    assert check("oxford-hip", 33, [(OP + 180 * DAY, 40)]) is None


def test_a_slow_decline_is_caught_against_the_best_post_operative_score():
    # 44 -> 40 -> 36: each step 4 (below 8), but 8 below the best since the operation.
    found = check("oxford-hip", 36, [(OP + 90 * DAY, 44), (OP + 180 * DAY, 40)])
    assert found is not None
    assert (found.compared_with, found.reference_score, found.drop) == (Compared.BEST, 44, 8)


def test_scores_before_the_operation_are_never_the_reference():
    # The baseline of 48 is before the operation: a later 30 is compared only with 33.
    assert check("oxford-hip", 30, [(OP - DAY, 48), (OP + 90 * DAY, 33)]) is None


@pytest.mark.parametrize("on", [OP, OP - DAY])
def test_a_score_on_or_before_the_operation_day_is_never_flagged(on):
    assert check("oxford-hip", 10, [(OP - 30 * DAY, 48)], on=on) is None


def test_no_operation_day_no_post_operative_score_nothing_to_compare():
    assert check("oxford-hip", 10, [(OP + DAY, 48)], operation_on=None) is None
    assert check("oxford-hip", None, [(OP + DAY, 48)]) is None
    assert check("oxford-hip", 10, []) is None


def test_lower_is_better_instruments_fall_upwards():
    # Pain 0-10: lower is better; a fall is judged by the 2 points (the 30% is improvement's).
    found = check("pain-nrs", 5, [(OP + 40 * DAY, 3)])
    assert found is not None
    assert found.drop == 2
    assert check("pain-nrs", 1, [(OP + 40 * DAY, 3)]) is None  # better, never a fall
    assert check("pain-nrs", 9, [(OP + 40 * DAY, 8)]) is None  # 1 point, 12.5%: under both
    # From a low score a one-point rise is not a fall (30% of 3 would flag it): 3 -> 4, 1 -> 2.
    assert check("pain-nrs", 4, [(OP + 40 * DAY, 3)]) is None
    assert check("pain-nrs", 2, [(OP + 40 * DAY, 1)]) is None
    assert check("pain-nrs", 3, [(OP + 40 * DAY, 1)]) is not None


def test_hoos_jr_uses_its_interval_score_mic():
    assert check("hoos-jr", 92.34 - 7.76, [(OP + 40 * DAY, 92.34)]) is not None
    assert check("hoos-jr", 85.257, [(OP + 40 * DAY, 92.34)]) is None  # 7.083 < 7.76


def test_an_instrument_with_no_sourced_mic_is_never_flagged():
    assert check("ucla", 1, [(OP + 40 * DAY, 10)]) is None
