"""Scoring questionnaires from the catalogue's description: pure, no database."""

import pytest

from coxa.catalogue.loader import get_catalogue
from coxa.core.errors import InvalidInput
from coxa.outcomes.domain.scoring import change, score

# The HOOS JR interval score for each raw sum 0 to 24 (Lyman et al. 2016; the conversion as
# two independent implementations give it). Written out again here so that the catalogue's
# table is checked against a second copy, value by value.
HOOS_JR = (
    100.000, 92.340, 85.257, 80.550, 76.776, 73.472, 70.426, 67.516, 64.664, 61.815, 58.930,
    55.985, 52.965, 49.858, 46.652, 43.335, 39.902, 36.363, 32.735, 29.009, 25.103, 20.805,
    15.633, 8.104, 0.000,
)  # fmt: skip
ITEMS = ("pain-stairs", "pain-uneven-ground", "rising-from-sitting", "bending-to-floor",
         "lying-in-bed", "sitting")  # fmt: skip


def instrument(code):
    return get_catalogue().instruments[code]


def answers_summing_to(raw):
    values = [min(4, max(0, raw - 4 * i)) for i in range(6)]
    return dict(zip(ITEMS, values, strict=True))


@pytest.mark.parametrize("raw", range(25))
def test_every_hoos_jr_raw_sum_gives_the_published_interval_score(raw):
    scored = score(instrument("hoos-jr"), answers_summing_to(raw))
    assert (scored.raw, scored.score) == (raw, HOOS_JR[raw])


def test_a_worked_hoos_jr_example():
    # Moderate stair pain (2), mild on uneven ground (1), rising moderate (2), bending severe
    # (3), lying mild (1), sitting none (0): raw 9, interval score 61.815.
    answers = dict(zip(ITEMS, (2, 1, 2, 3, 1, 0), strict=True))
    assert score(instrument("hoos-jr"), answers).score == 61.815


@pytest.mark.parametrize(
    ("code", "answers", "field", "error"),
    [
        ("hoos-jr", answers_summing_to(0) | {"sitting": 5}, "answers.sitting", "invalid-value"),
        ("hoos-jr", answers_summing_to(0) | {"sitting": -1}, "answers.sitting", "invalid-value"),
        ("hoos-jr", answers_summing_to(0) | {"sitting": "2"}, "answers.sitting", "invalid-value"),
        ("hoos-jr", answers_summing_to(0) | {"sitting": True}, "answers.sitting", "invalid-value"),
        ("hoos-jr", dict.fromkeys(ITEMS[:5], 0), "answers.sitting", "required"),
        ("hoos-jr", answers_summing_to(0) | {"walking": 1}, "answers.walking", "unknown-field"),
        ("pain-nrs", {"pain": 11}, "answers.pain", "invalid-value"),
        ("pain-nrs", {"pain": 2.5}, "answers.pain", "invalid-value"),
        ("ucla", {"activity": 0}, "answers.activity", "invalid-value"),
        ("oxford-hip", {f"q{n}": 4 for n in range(1, 12)}, "answers.q12", "required"),
    ],
)
def test_bad_answers_are_refused_naming_the_item(code, answers, field, error):
    with pytest.raises(InvalidInput) as refused:
        score(instrument(code), answers)
    assert (field, error) in {(p.field, p.code.value) for p in refused.value.problems}


def test_simple_scores_and_their_ranges():
    assert score(instrument("pain-nrs"), {"pain": 0}).score == 0
    assert score(instrument("pain-nrs"), {"pain": 10}).score == 10
    assert score(instrument("ucla"), {"activity": 10}).score == 10
    best = score(instrument("oxford-hip"), {f"q{n}": 4 for n in range(1, 13)})
    assert (best.raw, best.score) == (48, 48)


def test_eq_5d_gives_its_profile_and_an_index_only_from_a_loaded_value_set():
    answers = {"mobility": 2, "self-care": 1, "usual-activities": 1, "pain-discomfort": 4,
               "anxiety-depression": 3}  # fmt: skip
    scored = score(instrument("eq-5d-5l"), answers)
    assert (scored.profile, scored.score, scored.raw) == ("21143", None, None)
    assert score(instrument("eq-5d-5l"), answers, value_set={"21143": 0.5}).score == 0.5


def test_licensed_instruments_ship_no_wording():
    for code in ("oxford-hip", "eq-5d-5l"):
        found = instrument(code)
        assert found.licensed
        assert all(i.text is None for i in found.items)
        assert all(o.label is None for i in found.items for o in i.options)


def test_change_from_baseline_reads_direction_and_the_minimal_important_change():
    hoos, pain, ucla = instrument("hoos-jr"), instrument("pain-nrs"), instrument("ucla")
    assert change(hoos, 50.0, 57.76).important is True  # exactly the MIC counts
    reached = change(hoos, 49.858, 58.930)  # +9.072: at least 7.76
    assert (reached.better, reached.important) == (True, True)
    short = change(hoos, 49.858, 55.985)  # +6.127
    assert (short.better, short.important) == (True, False)
    worse = change(hoos, 70.426, 61.815)
    assert (worse.better, worse.important) == (False, True)
    # Pain: lower is better; 2 points or 30% of the baseline is important (Farrar 2001).
    assert change(pain, 8, 6).better is True
    assert change(pain, 8, 6).important is True  # 2 points
    assert change(pain, 3, 2).important is True  # 1 point, but 33% of 3
    assert change(pain, 8, 7).important is False  # 1 point, 12.5%
    # The 30% is a criterion of improvement: a one-point rise from 2 is not "important".
    assert (change(pain, 2, 3).better, change(pain, 2, 3).important) == (False, False)
    assert change(pain, 2, 4).important is True  # 2 points worse
    assert change(ucla, 5, 8).important is None  # no sourced MIC: not claimed either way
    assert change(pain, 5, 5).better is None
