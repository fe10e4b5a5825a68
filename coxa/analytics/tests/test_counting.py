"""Counting hips as they leave: times on a fixed step are counted, never sorted, and give
exactly what sorting gives; anything else is sorted; bad times are refused."""

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from coxa.analytics import counting
from coxa.analytics.counting import count
from coxa.analytics.survival import cumulative_incidence, kaplan_meier

lifelines = pytest.importorskip("lifelines")


def by_sorting(time, outcome):
    """The plain way: numpy.unique's sort, then a count per (time, outcome)."""
    distinct, inverse = np.unique(np.asarray(time, dtype=np.float64), return_inverse=True)
    outcome = np.asarray(outcome, dtype=np.int64)
    counts = np.zeros((int(outcome.max()) + 1, distinct.size), dtype=np.int64)
    np.add.at(counts, (outcome, inverse), 1)
    return distinct, counts


def on_grid(time, outcome):
    times, outcomes, kinds, last = counting._checked(time, outcome)
    return counting._counted_on_grid(times, outcomes, kinds, last) is not None


def follow_up(n, seed, years=15.0):
    rng = np.random.default_rng(seed)
    exact = rng.uniform(0, years, n)
    outcome = rng.choice([0, 1, 2], n, p=[0.6, 0.25, 0.15])
    return exact, outcome


SCALES = {
    "days": lambda y: np.ceil(y * 365.25).astype(np.int64),
    "days as floats": lambda y: np.ceil(y * 365.25),
    "days as years": lambda y: np.ceil(y * 365.25) / 365.25,
    "days as years of 365": lambda y: np.ceil(y * 365) / 365,
    "months as years": lambda y: np.ceil(y * 12) / 12,
    "years to 1 decimal": lambda y: np.round(y, 1),
    "years to 3 decimals": lambda y: np.round(y, 3),
    "years to 4 decimals": lambda y: np.round(y, 4),
    "years to 6 decimals": lambda y: np.round(y / 100, 6),  # a grid of 150,000 points
}


@pytest.mark.parametrize("scale", SCALES)
def test_times_on_a_step_are_counted_as_sorting_counts_them(scale):
    exact, outcome = follow_up(60_000, seed=3)
    time = SCALES[scale](exact)
    assert on_grid(time, outcome)
    counted = count(time, outcome)
    distinct, counts = by_sorting(time, outcome)
    np.testing.assert_array_equal(counted.times, distinct)  # the given floats, exactly
    np.testing.assert_array_equal(counted.counts, counts)
    np.testing.assert_array_equal(counted.at_risk, np.cumsum(counts.sum(0)[::-1])[::-1])


@settings(max_examples=40, deadline=None)
@given(n=st.integers(1, 3000), seed=st.integers(0, 2**31 - 1), scale=st.sampled_from(list(SCALES)))
def test_any_number_of_times_on_a_step_count_as_sorting_does(n, seed, scale):
    # Few times on a wide grid are sorted (cheaper): the counts are the same either way.
    exact, outcome = follow_up(n, seed)
    time = SCALES[scale](exact)
    counted = count(time, outcome)
    distinct, counts = by_sorting(time, outcome)
    np.testing.assert_array_equal(counted.times, distinct)
    np.testing.assert_array_equal(counted.counts, counts[: counted.kinds])


def test_a_few_times_on_a_wide_grid_are_sorted():
    time = np.round(np.linspace(0, 15, 100), 4)
    assert not on_grid(time, np.zeros(100))
    assert on_grid(np.repeat(time, 1000), np.zeros(100_000))


@pytest.mark.parametrize(
    "time",
    [
        np.r_[np.round(np.linspace(0, 9, 500), 3), 2.0 / 3.0],  # one time off every step
        np.linspace(0.001, 4, 500) * np.pi,  # continuous
        np.r_[np.arange(500.0), 1e9],  # whole days spanning too far
        np.r_[np.round(np.linspace(0, 9, 500), 3), 2e5],  # thousandths spanning too far
        np.r_[np.arange(500), 10**9],  # integers spanning too far
        np.r_[np.arange(500.0), 1e300],  # too large to pack with the outcome: an argsort
    ],
    ids=["one-off-step", "continuous", "days-far", "thousandths-far", "integers-far", "huge"],
)
def test_other_times_are_sorted_and_count_the_same(time):
    outcome = np.arange(time.size) % 3
    assert not on_grid(time, outcome)
    counted = count(time, outcome)
    distinct, counts = by_sorting(time, outcome)
    np.testing.assert_array_equal(counted.times, distinct)
    np.testing.assert_array_equal(counted.counts, counts)


def test_thousandths_with_some_ten_thousandths_are_counted_on_the_finer_step():
    time = np.r_[np.round(np.linspace(0, 9, 50_000), 3), 1.2345]
    outcome = np.arange(time.size) % 3
    assert on_grid(time, outcome)
    np.testing.assert_array_equal(count(time, outcome).times, by_sorting(time, outcome)[0])


def test_many_outcome_kinds_are_sorted_by_argsort():
    time = np.linspace(0, 3, 600) * np.pi
    outcome = np.arange(600) % 300
    counted = count(time, outcome)
    np.testing.assert_array_equal(counted.counts, by_sorting(time, outcome)[1])


def test_negative_zero_is_zero():
    counted = count(np.array([-0.0, 0.0, 0.5 * np.pi]), [1, 0, 1])
    assert counted.times.tolist() == [0.0, 0.5 * np.pi]
    assert np.signbit(counted.times[0]) == False  # noqa: E712
    assert counted.counts.tolist() == [[1, 0], [1, 1]]


@pytest.mark.parametrize(
    "time", [[1.0, -0.001], [1.0, np.nan], [1.0, np.inf], [3, -1], [np.nan, np.nan]]
)
def test_negative_and_undefined_times_are_refused(time):
    with pytest.raises(ValueError, match="finite and not negative"):
        count(time, [1] * len(time))


def test_at_risk_at_any_time_and_the_last_time_enough_remain():
    counted = count([1, 2, 2, 3, 4, 5], [1, 1, 0, 0, 1, 0])
    assert counted.at_risk_at([0, 1, 1.5, 2, 5, 6]).tolist() == [6, 6, 5, 5, 1, 0]
    assert counted.last_with(2) == 4.0
    assert counted.last_with(6) == 1.0
    assert counted.last_with(7) == 0.0
    assert (counted.total(1), counted.total(2)) == (3, 0)


@pytest.mark.parametrize("scale", ["days as years", "years to 3 decimals"])
@settings(max_examples=15, deadline=None)
@given(n=st.integers(2, 300), seed=st.integers(0, 2**31 - 1))
def test_counted_steps_agree_with_lifelines(scale, n, seed):
    exact, outcome = follow_up(n, seed, years=2.0)
    time = SCALES[scale](exact)
    ours = kaplan_meier(time, outcome == 1)
    fitted = lifelines.KaplanMeierFitter().fit(time, outcome == 1)
    theirs = fitted.survival_function_.loc[ours.times].to_numpy()[:, 0]
    np.testing.assert_allclose(ours.estimate, theirs, rtol=0, atol=1e-9)
    bounds = fitted.confidence_interval_.loc[ours.times].to_numpy()
    defined = (ours.estimate > 0) & (ours.estimate < 1)
    np.testing.assert_allclose(ours.lower[defined], bounds[defined, 0], rtol=0, atol=1e-9)
    # lifelines' Aalen-Johansen jitters tied times, so it is compared where none are tied.
    if np.unique(time).size == time.size:
        incidence = cumulative_incidence(time, outcome, event=1)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            aj = lifelines.AalenJohansenFitter().fit(time, outcome, event_of_interest=1)
        theirs = aj.cumulative_density_.loc[incidence.times].to_numpy()[:, 0]
        np.testing.assert_allclose(incidence.estimate, theirs, rtol=0, atol=1e-9)


@settings(max_examples=30, deadline=None)
@given(n=st.integers(1, 400), seed=st.integers(0, 2**31 - 1), scale=st.sampled_from(list(SCALES)))
def test_counted_and_sorted_curves_are_the_same(n, seed, scale):
    exact, outcome = follow_up(n, seed)
    time = SCALES[scale](exact)
    shifted = time + np.pi * 1e-7  # off every step: sorted
    assert not on_grid(shifted, outcome)
    for ours, sorted_ in (
        (kaplan_meier(time, outcome == 1), kaplan_meier(shifted, outcome == 1)),
        (cumulative_incidence(time, outcome, 2), cumulative_incidence(shifted, outcome, 2)),
    ):
        np.testing.assert_array_equal(ours.at_risk, sorted_.at_risk)
        np.testing.assert_array_equal(ours.events, sorted_.events)
        for name in ("estimate", "lower", "upper"):
            np.testing.assert_allclose(
                getattr(ours, name), getattr(sorted_, name), rtol=0, atol=1e-12
            )


def test_events_and_hips_at_risk_are_read_at_any_times():
    counted = count([1.5, 2.5, 2.5, 4.0], [1, 1, 0, 2])
    when = np.array([0.5, 1.5, 2.5, 3.0, 4.0, 9.0])
    at_risk, revised = counted.at(when, 1)
    assert at_risk.tolist() == [4, 4, 3, 1, 1, 0]
    assert revised.tolist() == [0, 1, 1, 0, 0, 0]
    assert counted.at(when, 2)[1].tolist() == [0, 0, 0, 0, 1, 0]
    assert counted.at(when, 3)[1].tolist() == [0] * 6
    assert [a.tolist() for a in count([], []).at(when, 1)] == [[0] * 6, [0] * 6]
