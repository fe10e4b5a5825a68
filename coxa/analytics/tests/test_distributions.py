"""The analytics' distribution functions agree with scipy.stats wherever the analytics use them.

They compute what scipy.stats does from scipy.special, without its import (issue 20); the
funnel limits, exact rate bounds, log-rank p-values and intervals all read them.
"""

import numpy as np
import pytest
from scipy import stats

from coxa.analytics import distributions as d

# The levels the analytics ask for: the funnels' alert and alarm limits (95% and 99.8%, each
# side), two-sided 95% intervals, and values in between.
LEVELS = np.array([0.001, 0.01, 0.025, 0.05, 0.1, 0.3, 0.5, 0.7, 0.9, 0.95, 0.975, 0.99, 0.999])


@pytest.mark.parametrize("target", [0.001, 0.01, 0.03, 0.1, 0.5, 0.9])
def test_binomial_quantiles_match(target):
    n = np.concatenate([np.arange(1, 300), np.geomspace(300, 1_000_000, 60).round()])
    q, size = np.meshgrid(LEVELS, n)
    assert np.array_equal(d.binom_ppf(q, size, target), stats.binom.ppf(q, size, target))


def test_poisson_quantiles_and_tails_match():
    mu = np.concatenate([np.geomspace(0.01, 100_000, 400), np.arange(1, 60, dtype=float)])
    q, expected = np.meshgrid(LEVELS, mu)
    assert np.array_equal(d.poisson_ppf(q, expected), stats.poisson.ppf(q, expected))
    k = np.array([-1, 0, 1, 2, 5, 10, 50, 400])
    count, mean = np.meshgrid(k, mu)
    assert np.allclose(d.poisson_sf(count, mean), stats.poisson.sf(count, mean), rtol=1e-12, atol=0)


def test_chi_squared_tails_and_quantiles_match():
    df = np.arange(1, 200)
    x = np.array([0.0, 0.01, 0.5, 1, 3.84, 10, 50, 150, 400])
    value, freedom = np.meshgrid(x, df)
    assert np.allclose(d.chi2_sf(value, freedom), stats.chi2.sf(value, freedom), rtol=1e-12)
    q, freedom = np.meshgrid(LEVELS, np.arange(2, 2002, 2))
    assert np.allclose(d.chi2_ppf(q, freedom), stats.chi2.ppf(q, freedom), rtol=1e-12)


def test_t_and_beta_quantiles_match():
    df = np.arange(1, 500)
    assert np.allclose(d.t_ppf(0.975, df), stats.t.ppf(0.975, df), rtol=1e-12)
    assert np.isnan(d.t_ppf(0.975, 0))
    assert np.isnan(stats.t.ppf(0.975, 0))
    a = np.array([1, 2, 5, 30, 400, 5000])
    first, second = np.meshgrid(a, a)
    for q in (0.025, 0.975):
        assert np.allclose(
            d.beta_ppf(q, first, second), stats.beta.ppf(q, first, second), rtol=1e-9
        )
