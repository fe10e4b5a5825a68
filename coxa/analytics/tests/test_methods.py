"""Registry comparison methods: known values and agreement with lifelines."""

import numpy as np
import pytest

from coxa.analytics.methods import (
    Component,
    aoanjrr_screen,
    funnel_limits_proportion,
    funnel_limits_ratio,
    logrank,
    poisson_rate,
)

lifelines = pytest.importorskip("lifelines")


@pytest.mark.parametrize("groups", [2, 3, 5])
def test_logrank_agrees_with_lifelines(groups):
    rng = np.random.default_rng(groups)
    n = 600
    group = rng.integers(0, groups, n)
    time = rng.integers(1, 80, n) * (1 + 0.2 * group)
    event = rng.random(n) < 0.7
    ours = logrank(time, event, group)
    from lifelines.statistics import multivariate_logrank_test

    theirs = multivariate_logrank_test(time, group, event)
    assert ours.statistic == pytest.approx(theirs.test_statistic, rel=1e-9)
    assert ours.p_value == pytest.approx(theirs.p_value, rel=1e-9, abs=1e-300)
    assert ours.degrees_of_freedom == groups - 1
    assert ours.observed.sum() == event.sum()
    assert ours.expected.sum() == pytest.approx(event.sum())


def test_logrank_needs_two_groups():
    with pytest.raises(ValueError, match="two groups"):
        logrank([1, 2], [1, 1], ["a", "a"])


def test_poisson_rate_known_values():
    # Exact Poisson bounds for 10 events: 4.795 to 18.39 (Garwood); 0 events: 0 to 3.689.
    rate = poisson_rate(10, 100.0)
    assert rate.rate == pytest.approx(10.0)
    assert (rate.lower, rate.upper) == (
        pytest.approx(4.795, abs=1e-3),
        pytest.approx(18.39, abs=1e-2),
    )
    zero = poisson_rate(0, 100.0)
    assert (zero.lower, zero.upper) == (0.0, pytest.approx(3.689, abs=1e-3))
    with pytest.raises(ValueError, match="exposure"):
        poisson_rate(1, 0)


def test_funnel_limits_narrow_as_cases_grow():
    limits = funnel_limits_proportion(0.05, [20, 200, 2000])
    widths = limits.upper_alarm - limits.lower_alarm
    assert widths[0] > widths[1] > widths[2]
    assert (limits.lower_alarm <= limits.lower_alert).all()
    assert (limits.upper_alert <= limits.upper_alarm).all()
    # Large n: close to the normal approximation p0 +/- 1.96 sqrt(p0(1-p0)/n).
    assert limits.upper_alert[2] == pytest.approx(
        0.05 + 1.96 * np.sqrt(0.05 * 0.95 / 2000), abs=2e-3
    )
    ratio = funnel_limits_ratio([5, 50, 500])
    assert (ratio.lower_alarm < 1).all()
    assert (ratio.upper_alarm > 1).all()


def test_the_aoanjrr_screen():
    group = [Component(f"c{i}", 200, 4, 1000.0) for i in range(6)]  # 0.4 per 100 years
    bad = Component("bad", 40, 6, 200.0)  # 3 per 100 years, far above twice the group
    small = Component("small", 3, 3, 5.0)  # 75% or more revised, with 2 or more: screened
    few = Component("few", 5, 1, 20.0)  # high rate but too few procedures and revisions
    results = {r.name: r for r in aoanjrr_screen([*group, bad, small, few])}
    assert results["bad"].flagged
    assert results["small"].flagged
    assert not results["few"].flagged
    assert not any(results[f"c{i}"].flagged for i in range(6))
    assert results["bad"].group_rate == pytest.approx(
        sum(c.revisions for c in [*group, small, few])
        / sum(c.component_years for c in [*group, small, few])
        * 100
    )


def test_logrank_with_no_revision_has_nothing_to_compare():
    """Issue 20: a covariance of zeros raised LinAlgError (Singular matrix)."""
    assert logrank([1.0, 2.0, 3.0, 4.0], [0, 0, 0, 0], ["a", "a", "b", "b"]) is None
    # Revisions only when every hip still at risk is revised: no variance to weigh them by.
    assert logrank([1.0, 1.0], [1, 1], ["a", "b"]) is None


def test_logrank_leaves_out_a_group_with_no_hip_at_risk_at_any_revision():
    """As R's survdiff: a group gone before the first revision adds nothing, nor a freedom."""
    rng = np.random.default_rng(7)
    n = 300
    group = rng.integers(0, 2, n)
    time = rng.integers(10, 80, n) * (1 + 0.3 * group)
    event = rng.random(n) < 0.6
    early = np.full(20, 1.0)  # group 0: every hip censored before the first revision
    none = np.zeros(20, dtype=int)
    ours = logrank(np.r_[early, time], np.r_[none, event], np.r_[none, group + 1])
    assert ours is not None
    from lifelines.statistics import logrank_test

    theirs = logrank_test(time[group == 0], time[group == 1], event[group == 0], event[group == 1])
    assert ours.degrees_of_freedom == 1
    assert ours.statistic == pytest.approx(theirs.test_statistic, rel=1e-9)
    assert ours.expected[0] == 0
    assert (ours.groups, ours.compared, ours.left_out) == (("0", "1", "2"), ("1", "2"), 1)
