"""The analysis behind the pages and the report (pure)."""

import numpy as np
import pytest
from scipy import stats

from coxa.analytics.cohort import Category, Cohort
from coxa.analytics.methods import logrank
from coxa.analytics.summary import (
    OHS_MIC_INDIVIDUAL,
    analyse,
    funnel,
    prom_change,
    proportion,
)
from coxa.analytics.survival import cumulative_incidence, kaplan_meier


def make(years, outcome, *, surgeon=None, procedure=None):
    years = np.asarray(years, dtype=np.float64)
    n = years.size
    return Cohort(
        procedure=Category.of(procedure or ["bhr"] * n),
        sex=Category.of(["male"] * n),
        diagnosis=Category.of([None] * n),
        surgeon=Category.of(surgeon or ["S1"] * n),
        unit=Category.of(["U1"] * n),
        age=np.full(n, 50.0),
        head_size_mm=np.full(n, 50.0),
        operation_year=np.full(n, 2015, dtype=np.int32),
        years=years,
        outcome=np.asarray(outcome, dtype=np.int8),
    )


def test_milestones_read_the_curves_at_each_horizon():
    rng = np.random.default_rng(4)
    years = rng.uniform(0, 16, 3_000).round(3)
    outcome = rng.choice([0, 1, 2], 3_000, p=[0.8, 0.1, 0.1])
    result = analyse(make(years, outcome), min_at_risk=1).groups[0]
    km = kaplan_meier(years, outcome == 1)
    cif = cumulative_incidence(years, outcome, event=1)
    for milestone in result.milestones:
        assert milestone.at_risk == int((years >= milestone.years).sum())
        assert milestone.revised == pytest.approx(1 - km.at(milestone.years), abs=1e-12)
        assert milestone.incidence == pytest.approx(cif.at(milestone.years), abs=1e-12)
        assert milestone.revised_lower <= milestone.revised <= milestone.revised_upper
        assert milestone.incidence_lower <= milestone.incidence <= milestone.incidence_upper


def test_figures_are_withheld_below_the_threshold_at_risk_and_shown_at_it():
    # 40 hips followed past 5 years, then one more leaves before 5 years in the second case.
    years = np.r_[np.full(40, 6.0), np.full(10, 2.0)]
    outcome = np.r_[np.zeros(40), np.ones(10)]
    shown = analyse(make(years, outcome), min_at_risk=40).groups[0].milestones
    assert [(m.years, m.at_risk, m.suppressed) for m in shown[:3]] == [
        (1, 50, False),
        (3, 40, False),
        (5, 40, False),
    ]
    withheld = analyse(make(years, outcome), min_at_risk=41).groups[0].milestones
    assert [m.suppressed for m in withheld[:3]] == [False, True, True]


def test_curves_stop_where_the_threshold_is_crossed():
    years = np.arange(1, 101, dtype=np.float64) / 10  # 0.1 ... 10 years
    result = analyse(make(years, np.zeros(100)), min_at_risk=40).groups[0]
    assert result.shown_until == pytest.approx(6.1)  # 40 hips have 6.1 years or more
    small = analyse(make(years[:5], np.zeros(5)), min_at_risk=40).groups[0]
    assert small.shown_until == 0.0


def test_groups_are_compared_by_log_rank_and_rated_per_100_component_years():
    rng = np.random.default_rng(1)
    years = np.r_[rng.exponential(10, 500), rng.exponential(3, 500)].round(4)
    outcome = np.ones(1_000)
    procedure = ["bhr"] * 500 + ["total-hip-replacement"] * 500
    result = analyse(make(years, outcome, procedure=procedure), by="procedure")
    assert [g.label for g in result.groups] == ["bhr", "total-hip-replacement"]
    assert result.logrank is not None
    assert result.logrank.p_value < 1e-6
    bhr = result.groups[0]
    assert bhr.rate is not None
    assert bhr.rate.rate == pytest.approx(100 * 500 / years[:500].sum())
    assert analyse(make(years, outcome)).logrank is None  # one group: nothing to compare


def test_a_surgeon_with_three_times_the_revisions_is_named_at_the_alarm_level():
    surgeons = [f"S{i}" for i in range(10) for _ in range(400)]
    rng = np.random.default_rng(9)
    hazard = np.where(np.array(surgeons) == "S3", 0.06, 0.02)
    revised_at = rng.exponential(1 / hazard)
    years = np.minimum(revised_at, 10.0)
    outcome = (revised_at < 10).astype(np.int8)
    result = funnel(make(years, outcome, surgeon=surgeons), "surgeon")
    assert [(p.label, p.level) for p in result.outliers] == [("S3", "alarm")]
    s3 = next(p for p in result.points if p.label == "S3")
    assert s3.expected == pytest.approx(result.overall_rate * years[1200:1600].sum())
    assert s3.ratio == pytest.approx(s3.observed / s3.expected)


def test_a_surgeon_with_no_follow_up_is_listed_but_never_flagged():
    result = funnel(make([0.0, 5.0, 5.0], [0, 1, 0], surgeon=["S9", "S1", "S1"]), "surgeon")
    s9 = next(p for p in result.points if p.label == "S9")
    assert s9.expected == 0
    assert s9.level == ""


def test_proportion_uses_exact_clopper_pearson_bounds():
    for events, total in ((0, 10), (3, 40), (40, 40), (1, 1)):
        got = proportion(events, total)
        expected = stats.binomtest(events, total).proportion_ci(method="exact")
        assert (got.lower, got.upper) == pytest.approx((expected.low, expected.high), abs=1e-12)
    with pytest.raises(ValueError, match="events <= total"):
        proportion(5, 4)


def test_prom_change_leaves_out_unknown_scores_and_counts_the_mic_boundary():
    baseline = np.array([20.0, 20, 20, np.nan, 30])
    follow_up = np.array([28.0, 27.9, 40, 45, np.nan])  # +8 (reaches), +7.9 (not), +20
    change = prom_change(baseline, follow_up, mic=OHS_MIC_INDIVIDUAL)
    assert change.patients == 3
    assert change.change == pytest.approx((8 + 7.9 + 20) / 3)
    assert change.reaching_mic.events == 2
    assert change.lower < change.change < change.upper
    with pytest.raises(ValueError, match="at least two"):
        prom_change(np.array([1.0, np.nan]), np.array([2.0, 3.0]), mic=8)


def test_nothing_is_invented_for_an_empty_cohort():
    result = analyse(make([], []))
    assert result.hips == 0
    assert result.rate is None
    assert result.groups[0].rate is None
    assert all(m.suppressed for m in result.groups[0].milestones)


@pytest.mark.parametrize("step", ["days as years", "continuous"])
def test_the_analysis_log_rank_is_the_log_rank_of_its_groups(step):
    # The analysis counts each group once and compares them at the cohort's revision times;
    # the test on the raw columns must agree, on a step (counted) or continuous (sorted).
    rng = np.random.default_rng(3)
    n = 4_000
    years = rng.exponential(8, n) + rng.integers(0, 3, n)
    if step == "days as years":
        years = np.ceil(years * 365.25) / 365.25
    outcome = rng.choice([0, 1, 2], n, p=[0.6, 0.3, 0.1])
    procedure = list(rng.choice(["bhr", "core-decompression", "total-hip-replacement"], n))
    result = analyse(make(years, outcome, procedure=procedure), by="procedure")
    direct = logrank(years, outcome == 1, procedure)
    assert result.logrank is not None
    assert direct is not None
    assert result.logrank.statistic == pytest.approx(direct.statistic, rel=1e-12)
    assert result.logrank.degrees_of_freedom == direct.degrees_of_freedom == 2
    assert result.logrank.compared == ("bhr", "core-decompression", "total-hip-replacement")
    np.testing.assert_array_equal(result.logrank.observed, direct.observed)
