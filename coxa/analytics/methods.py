"""Registry comparison methods. Pure (numpy, scipy): no Django, no I/O.

- ``logrank``: the log-rank test across k groups (chi-squared on k-1 degrees of freedom);
  ``logrank_of`` from the groups' counts (``counting``), which their survival estimates read
  too, and ``logrank_at`` from hips at risk and events already read at the event times.
- ``poisson_rate``: events per 100 component-years with exact (Garwood) intervals.
- ``funnel_limits_proportion`` / ``funnel_limits_ratio``: funnel-plot control limits, exact
  binomial for proportions and Poisson for observed/expected ratios, at 95% (alert) and 99.8%
  (alarm) (Spiegelhalter, Stat Med 2005;24:1185; NJR 2022 uses the 99.8% limit).
- ``aoanjrr_screen``: the AOANJRR stage-1 screen for a higher than anticipated rate of revision
  (de Steiger et al., Acta Orthop 2013;84:348).
"""

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from coxa.analytics.counting import Counted, count
from coxa.analytics.distributions import binom_ppf, chi2_ppf, chi2_sf, poisson_ppf, poisson_sf

ALERT, ALARM = 0.95, 0.998  # funnel-plot limits: about 2 and 3 standard deviations

# AOANJRR stage-1 screen (de Steiger et al., Acta Orthop 2013;84:348; clinical-facts 6.3 [H]).
SCREEN_RATE_MULTIPLE = 2  # more than twice the group's rate per 100 component-years
SCREEN_P_VALUE = 0.05  # Poisson probability of that many revisions at the group's rate
SCREEN_MIN_PROCEDURES = 10
SCREEN_REVISED_SHARE = 0.75  # ... or at least 75% revised
SCREEN_MIN_REVISIONS = 2  # ... with at least 2 revisions
SCREEN_LARGE_SHARE = 0.25  # components over 25% of the group are left out of its rate


@dataclass(frozen=True)
class LogRank:
    statistic: float
    degrees_of_freedom: int
    p_value: float
    groups: tuple[str, ...]
    observed: NDArray[np.float64]
    expected: NDArray[np.float64]
    compared: tuple[str, ...] = ()  # the groups with hips at risk at some event time

    @property
    def left_out(self) -> int:
        """How many groups had no hip at risk at any event time, so are not compared."""
        return len(self.groups) - len(self.compared)


def logrank(time: ArrayLike, event: ArrayLike, group: ArrayLike) -> LogRank | None:
    """Compare survival across groups: sum over event times of observed minus expected.

    As R's ``survdiff``, only the groups with hips at risk at some event time (expected
    above 0) are compared, on one degree of freedom fewer than their number (the covariance's
    rank, should it be lower). None when there is nothing to compare: no event at all, or
    none while two of the groups had hips at risk.
    """
    times = np.asarray(time, dtype=np.float64)
    events = np.asarray(event).astype(bool)
    groups = np.asarray(group)
    labels = np.unique(groups)  # a sort of the values, not an argsort of the hips
    members = np.searchsorted(labels, groups)
    if not times.shape == events.shape == members.shape:
        raise ValueError("time, event and group must be arrays of the same length")
    if labels.size < 2:  # noqa: PLR2004
        raise ValueError("the log-rank test needs at least two groups")
    chosen = (np.flatnonzero(members == i) for i in range(labels.size))
    counted = [count(times[rows], events[rows]) for rows in chosen]
    return logrank_of(counted, tuple(str(label) for label in labels.tolist()))


def logrank_of(groups: Sequence[Counted], labels: Sequence[str], event: int = 1) -> LogRank | None:
    """The log-rank test of ``event`` from each group's counts (``logrank`` above).

    Each group was counted once; here only the times of an event in some group are gathered
    (sorted: they are fewer than the hips), and each group's counts read at them.
    """
    if len(groups) != len(labels):
        raise ValueError("the log-rank test needs a label for each group")
    when = np.unique(np.concatenate([g.times[np.flatnonzero(g.events(event))] for g in groups]))
    read = [g.at(when, event) for g in groups]
    at_risk, events = (np.column_stack(columns) for columns in zip(*read, strict=True))
    return logrank_at(at_risk, events, labels)


def logrank_at(
    at_risk: NDArray[np.int64], events: NDArray[np.int64], labels: Sequence[str]
) -> LogRank | None:
    """The log-rank test from each group's hips at risk and events at each time.

    A column a group, a row a time; rows with no event in any group are left out.
    """
    if at_risk.shape != events.shape or at_risk.shape[1:] != (len(labels),):
        raise ValueError("at_risk and events need a column for each labelled group")
    if len(labels) < 2:  # noqa: PLR2004
        raise ValueError("the log-rank test needs at least two groups")
    kept = np.flatnonzero(events.sum(axis=1))
    at_risk, deaths = at_risk[kept], events[kept]
    total_risk = at_risk.sum(axis=1)
    total_deaths = deaths.sum(axis=1)
    share = at_risk / total_risk[:, None]
    expected = (share * total_deaths[:, None]).sum(axis=0)
    observed = deaths.sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        weight = np.where(
            total_risk > 1, total_deaths * (total_risk - total_deaths) / (total_risk - 1), 0.0
        )
    size = len(labels)
    covariance = np.einsum("t,tg->g", weight, share)[:, None] * np.eye(size) - np.einsum(
        "t,tg,th->gh", weight, share, share
    )
    compared = expected > 0
    difference = (observed - expected)[compared][:-1]
    variance = covariance[np.ix_(compared, compared)][:-1, :-1]
    freedom = int(np.linalg.matrix_rank(variance)) if difference.size else 0
    if freedom < 1:
        return None
    statistic = float(difference @ np.linalg.pinv(variance) @ difference)
    return LogRank(
        statistic,
        freedom,
        float(chi2_sf(statistic, freedom)),
        tuple(labels),
        observed,
        expected,
        tuple(label for label, kept in zip(labels, compared, strict=True) if kept),
    )


@dataclass(frozen=True)
class Rate:
    events: int
    exposure_years: float
    rate: float  # per 100 component-years
    lower: float
    upper: float


def poisson_rate(events: int, exposure_years: float, *, confidence: float = 0.95) -> Rate:
    """Events per 100 component-years, with exact Poisson (Garwood) bounds."""
    if events < 0 or exposure_years <= 0:
        raise ValueError("events must be 0 or more and exposure_years more than 0")
    alpha = 1 - confidence
    low = chi2_ppf(alpha / 2, 2 * events) / 2 if events > 0 else 0.0
    high = chi2_ppf(1 - alpha / 2, 2 * (events + 1)) / 2
    scale = 100 / exposure_years
    return Rate(events, exposure_years, events * scale, float(low * scale), float(high * scale))


@dataclass(frozen=True)
class FunnelLimits:
    size: NDArray[np.float64]  # cases (proportions) or expected events (ratios)
    lower_alert: NDArray[np.float64]
    upper_alert: NDArray[np.float64]
    lower_alarm: NDArray[np.float64]
    upper_alarm: NDArray[np.float64]


def funnel_limits_proportion(target: float, cases: ArrayLike) -> FunnelLimits:
    """Exact binomial limits on an observed proportion around ``target`` for each size."""
    n = np.asarray(cases, dtype=np.float64)

    def bound(level: float, upper: bool) -> NDArray[np.float64]:
        q = (1 + level) / 2 if upper else (1 - level) / 2
        return np.asarray(binom_ppf(q, n, target) / n, dtype=np.float64)

    return FunnelLimits(
        n, bound(ALERT, False), bound(ALERT, True), bound(ALARM, False), bound(ALARM, True)
    )


def funnel_limits_ratio(expected: ArrayLike) -> FunnelLimits:
    """Poisson limits on observed/expected (e.g. a standardised revision ratio)."""
    e = np.asarray(expected, dtype=np.float64)

    def bound(level: float, upper: bool) -> NDArray[np.float64]:
        q = (1 + level) / 2 if upper else (1 - level) / 2
        return np.asarray(poisson_ppf(q, e) / e, dtype=np.float64)

    return FunnelLimits(
        e, bound(ALERT, False), bound(ALERT, True), bound(ALARM, False), bound(ALARM, True)
    )


@dataclass(frozen=True)
class Component:
    name: str
    procedures: int
    revisions: int
    component_years: float


@dataclass(frozen=True)
class Screened:
    name: str
    rate: float  # revisions per 100 component-years
    group_rate: float
    p_value: float  # P(at least this many revisions | the group's rate)
    flagged: bool


def aoanjrr_screen(components: Sequence[Component]) -> list[Screened]:
    """AOANJRR stage 1: flag a component whose revision rate is more than twice its group's.

    Flagged when (1) its rate per 100 component-years exceeds twice the group's, (2) the
    Poisson probability of that many revisions at the group's rate is below 0.05, and (3) it
    has at least 10 procedures, or at least 75% of its cases were revised with at least 2
    revisions. The group's rate leaves out any component over 25% of the group, and the
    component itself.
    """
    total = sum(c.procedures for c in components)
    results = []
    for component in components:
        others = [
            c
            for c in components
            if c is not component and c.procedures <= SCREEN_LARGE_SHARE * total
        ]
        years = sum(c.component_years for c in others)
        group_rate = sum(c.revisions for c in others) / years if years else 0.0
        rate = component.revisions / component.component_years if component.component_years else 0.0
        expected = group_rate * component.component_years
        p_value = float(poisson_sf(component.revisions - 1, expected)) if expected else 1.0
        enough = component.procedures >= SCREEN_MIN_PROCEDURES or (
            component.revisions >= SCREEN_MIN_REVISIONS
            and component.revisions >= SCREEN_REVISED_SHARE * component.procedures
        )
        flagged = rate > SCREEN_RATE_MULTIPLE * group_rate and p_value < SCREEN_P_VALUE and enough
        results.append(Screened(component.name, rate * 100, group_rate * 100, p_value, flagged))
    return results
