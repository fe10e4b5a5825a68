"""Survival estimators: hand-worked examples, edge cases, and agreement with lifelines."""

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from coxa.analytics.survival import cumulative_incidence, kaplan_meier

lifelines = pytest.importorskip("lifelines")


def test_kaplan_meier_by_hand():
    # Times 1, 2, 2, 3+, 4, 5+: S(1)=5/6, S(2)=5/6*3/5=1/2, S(4)=1/2*1/2=1/4.
    curve = kaplan_meier([1, 2, 2, 3, 4, 5], [1, 1, 1, 0, 1, 0])
    assert curve.times.tolist() == [1, 2, 4]
    assert curve.estimate == pytest.approx([5 / 6, 1 / 2, 1 / 4])
    assert curve.at_risk.tolist() == [6, 5, 2]
    assert curve.events.tolist() == [1, 2, 1]
    # Greenwood: S^2 * sum d/(n(n-d)); at t=2: (1/2)^2 * (1/30 + 2/15) = 1/24.
    assert curve.variance[1] == pytest.approx(1 / 24)
    assert curve.at(3.5) == pytest.approx(1 / 2)
    assert curve.at(0.5) == 1.0


def test_an_event_and_a_censoring_at_the_same_time():
    # The censored subject is still at risk at t=2: S(2) = 1 - 1/2.
    curve = kaplan_meier([1, 2, 2], [0, 1, 0])
    assert curve.at_risk.tolist() == [2]
    assert curve.estimate.tolist() == [0.5]


def test_edge_cases():
    assert kaplan_meier([3, 5], [0, 0]).times.size == 0  # all censored: no steps, S stays 1
    assert kaplan_meier([], []).times.size == 0
    single = kaplan_meier([2.5], [1])
    assert single.estimate.tolist() == [0.0]
    assert (single.lower.tolist(), single.upper.tolist()) == ([0.0], [0.0])
    none_of_interest = cumulative_incidence([1, 2, 3], [2, 2, 0], event=1)
    assert none_of_interest.estimate.tolist() == [0.0, 0.0]
    last = cumulative_incidence([1, 2], [2, 1], event=1)
    assert last.estimate.tolist() == [0.0, 0.5]
    assert (last.lower[-1], last.upper[-1], np.isinf(last.variance[-1])) == (0.0, 1.0, True)


def test_cumulative_incidence_by_hand():
    # Times 1(revised), 2(died), 3(revised), 4+: F(1)=1/4, S(2)=1/2, F(3)=1/4 + 1/2 * 1/2.
    curve = cumulative_incidence([1, 2, 3, 4], [1, 2, 1, 0], event=1)
    assert curve.times.tolist() == [1, 2, 3]
    assert curve.estimate == pytest.approx([0.25, 0.25, 0.5])
    deaths = cumulative_incidence([1, 2, 3, 4], [1, 2, 1, 0], event=2)
    assert deaths.estimate[-1] == pytest.approx(0.25)


@pytest.mark.parametrize(
    ("time", "outcome"), [([1, -1], [1, 1]), ([1, 2], [1, 0.5]), ([1, 2], [1]), ([np.nan], [1])]
)
def test_bad_input_is_refused(time, outcome):
    with pytest.raises(ValueError, match=r"time|outcome"):
        cumulative_incidence(time, outcome)


def test_kaplan_meier_refuses_event_types():
    with pytest.raises(ValueError, match="cumulative_incidence"):
        kaplan_meier([1, 2], [1, 2])


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 400), st.integers(0, 2**31 - 1), st.booleans())
def test_kaplan_meier_agrees_with_lifelines(n, seed, fractional):
    rng = np.random.default_rng(seed)
    time = rng.integers(0, 60, n) * (0.37 if fractional else 1.0)
    event = rng.random(n) < 0.6
    ours = kaplan_meier(time, event)
    fitted = lifelines.KaplanMeierFitter().fit(time, event)
    theirs = fitted.survival_function_.loc[ours.times].to_numpy()[:, 0]
    bounds = fitted.confidence_interval_.loc[ours.times].to_numpy()
    np.testing.assert_allclose(ours.estimate, theirs, rtol=0, atol=1e-9)
    defined = (ours.estimate > 0) & (ours.estimate < 1)
    np.testing.assert_allclose(ours.lower[defined], bounds[defined, 0], rtol=0, atol=1e-9)
    np.testing.assert_allclose(ours.upper[defined], bounds[defined, 1], rtol=0, atol=1e-9)


@settings(max_examples=30, deadline=None)
@given(st.integers(2, 300), st.integers(0, 2**31 - 1))
def test_cumulative_incidence_agrees_with_lifelines(n, seed):
    # Untied times: lifelines jitters tied ones, which moves its estimates (stack notes).
    rng = np.random.default_rng(seed)
    time = rng.permutation(np.arange(1, n + 1)) * 0.37
    outcome = rng.choice([0, 1, 2], n, p=[0.5, 0.3, 0.2])
    ours = cumulative_incidence(time, outcome, event=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fitted = lifelines.AalenJohansenFitter().fit(time, outcome, event_of_interest=1)
    theirs = fitted.cumulative_density_.loc[ours.times].to_numpy()[:, 0]
    variance = fitted.variance_.loc[ours.times].to_numpy()
    bounds = fitted.confidence_interval_.loc[ours.times].to_numpy()
    np.testing.assert_allclose(ours.estimate, theirs, rtol=0, atol=1e-9)
    defined = np.isfinite(ours.variance) & (ours.estimate > 0)
    np.testing.assert_allclose(ours.variance[defined], variance[defined], rtol=1e-9, atol=1e-12)
    # lifelines labels its bound columns the other way round: "upper" holds the lower bound.
    np.testing.assert_allclose(ours.lower[defined], bounds[defined, 0], rtol=0, atol=1e-9)
    np.testing.assert_allclose(ours.upper[defined], bounds[defined, 1], rtol=0, atol=1e-9)


def test_one_minus_kaplan_meier_overstates_revision_when_death_competes():
    rng = np.random.default_rng(7)
    n = 5000
    time = rng.exponential(10, n)
    outcome = rng.choice([1, 2], n, p=[0.3, 0.7])
    revised_km = kaplan_meier(time, outcome == 1)
    incidence = cumulative_incidence(time, outcome, event=1)
    assert 1 - revised_km.at(20) > incidence.at(20)


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 400), st.integers(0, 2**31 - 1), st.booleans())
def test_counted_days_and_sorted_fractions_give_the_same_curves(n, seed, as_booleans):
    # Whole days are counted in (time, outcome) cells; shifting them by a quarter forces the
    # sorting path. Both must give the same estimates, bounds and counts.
    rng = np.random.default_rng(seed)
    days = rng.integers(0, 60, n)  # heavy ties
    outcome = rng.choice([0, 1, 2], n, p=[0.5, 0.3, 0.2])
    events = outcome == 1 if as_booleans else (outcome == 1).astype(np.int64)
    for counted, sorted_ in (
        (kaplan_meier(days, events), kaplan_meier(days + 0.25, events)),
        (
            cumulative_incidence(days, outcome, event=2),
            cumulative_incidence(days + 0.25, outcome, event=2),
        ),
    ):
        np.testing.assert_array_equal(counted.times + 0.25, sorted_.times)
        np.testing.assert_array_equal(counted.at_risk, sorted_.at_risk)
        np.testing.assert_array_equal(counted.events, sorted_.events)
        for name in ("estimate", "lower", "upper"):
            np.testing.assert_allclose(
                getattr(counted, name), getattr(sorted_, name), rtol=0, atol=1e-12
            )
