"""Everything the analytics pages and the report show, computed from a cohort. Pure numpy.

``analyse`` gives, for each group: Kaplan-Meier revision-free survival (death censored), the
Aalen-Johansen cumulative incidence of revision with death competing, the figures at 1, 3,
5, 10 and 15 years with the numbers at risk (suppressed where fewer remain at risk than the
threshold), and revisions per 100 component-years. Across groups: the log-rank test. Across
surgeons and units: observed/expected revision ratios with funnel-plot limits, naming those
beyond them. ``proportion`` and ``prom_change`` summarise complications and outcome scores.
"""

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from coxa.analytics.cohort import Category, Cohort
from coxa.analytics.counting import count
from coxa.analytics.distributions import beta_ppf, t_ppf
from coxa.analytics.methods import (
    LogRank,
    Rate,
    funnel_limits_ratio,
    logrank_at,
    poisson_rate,
)
from coxa.analytics.survival import (
    IncidenceCurve,
    SurvivalCurve,
    cumulative_incidence_of,
    kaplan_meier_of,
)

HORIZONS = (1, 3, 5, 10, 15)  # years at which registries tabulate revision
# Registries stop reporting an estimate once few hips remain at risk; about 40 is usual
# (clinical-facts 6.1, an [L] lead, so it is a setting: COXA_ANALYTICS_MIN_AT_RISK).
DEFAULT_MIN_AT_RISK = 40
# The Oxford Hip Score's minimal important change for an individual patient: 8 points
# (Beard et al., J Clin Epidemiol 2015; clinical-facts 4.7 [H]).
OHS_MIC_INDIVIDUAL = 8.0

Tick = Callable[[str], None]


@dataclass(frozen=True)
class Milestone:
    years: int
    at_risk: int
    suppressed: bool  # fewer than the threshold at risk: the estimates are not shown
    revised: float  # 1 - Kaplan-Meier: cumulative percent revision, as a fraction
    revised_lower: float
    revised_upper: float
    incidence: float  # Aalen-Johansen, death competing
    incidence_lower: float
    incidence_upper: float


@dataclass(frozen=True)
class GroupResult:
    label: str
    hips: int
    revisions: int
    deaths: int
    component_years: float
    rate: Rate | None  # None when there is no follow-up time at all
    survival: SurvivalCurve
    incidence: IncidenceCurve
    milestones: tuple[Milestone, ...]
    shown_until: float  # the curves stop where fewer than the threshold remain at risk
    at_risk_ticks: tuple[int, ...]  # at 0 and each horizon, for under the plot


@dataclass(frozen=True)
class FunnelPoint:
    label: str
    hips: int
    component_years: float
    observed: int
    expected: float
    ratio: float
    lower_alert: float
    upper_alert: float
    lower_alarm: float
    upper_alarm: float

    @property
    def level(self) -> str:
        """'alarm' beyond the 99.8% limit, 'alert' beyond 95%, 'low' below 95%, else ''."""
        if self.expected <= 0:
            return ""
        if self.ratio > self.upper_alarm:
            return "alarm"
        if self.ratio > self.upper_alert:
            return "alert"
        if self.ratio < self.lower_alert:
            return "low"
        return ""


@dataclass(frozen=True)
class Funnel:
    by: str
    overall_rate: float  # revisions per component-year across the cohort
    points: tuple[FunnelPoint, ...]

    @property
    def outliers(self) -> tuple[FunnelPoint, ...]:
        return tuple(p for p in self.points if p.level in ("alarm", "alert"))


@dataclass(frozen=True)
class Analysis:
    description: str
    by: str | None
    min_at_risk: int
    hips: int
    revisions: int
    deaths: int
    rate: Rate | None
    groups: tuple[GroupResult, ...]
    logrank: LogRank | None
    funnels: tuple[Funnel, ...]
    notes: tuple[str, ...]


def steps(groups: int) -> int:
    """How many times ``analyse`` ticks, for a progress bar."""
    return 2 * groups + 3


def _step_value(
    times: NDArray[np.float64], values: NDArray[np.float64], at: float, initial: float
) -> float:
    index = int(np.searchsorted(times, at, side="right")) - 1
    return initial if index < 0 else float(values[index])


def _group(
    label: str,
    years: NDArray[np.float64],
    outcome: NDArray[np.int8],
    min_at_risk: int,
    tick: Tick,
    compared_at: NDArray[np.float64],
) -> tuple[GroupResult, NDArray[np.int64], NDArray[np.int64]]:
    """The group's figures, and its hips at risk and revised at each of ``compared_at``.

    Counted once: Kaplan-Meier, Aalen-Johansen, the milestones and the log-rank test all read
    the counts, which are let go here (with continuous times, 40 MB a million hips).
    """
    counted = count(years, outcome)
    survival = kaplan_meier_of(counted, event=1)
    tick(f"{label}: Kaplan-Meier")
    incidence = cumulative_incidence_of(counted, event=1)
    tick(f"{label}: cumulative incidence")
    milestones = []
    for horizon, at_risk in zip(HORIZONS, counted.at_risk_at(HORIZONS).tolist(), strict=True):
        milestones.append(
            Milestone(
                years=horizon,
                at_risk=at_risk,
                suppressed=at_risk < min_at_risk,
                revised=1 - _step_value(survival.times, survival.estimate, horizon, 1.0),
                revised_lower=1 - _step_value(survival.times, survival.upper, horizon, 1.0),
                revised_upper=1 - _step_value(survival.times, survival.lower, horizon, 1.0),
                incidence=_step_value(incidence.times, incidence.estimate, horizon, 0.0),
                incidence_lower=_step_value(incidence.times, incidence.lower, horizon, 0.0),
                incidence_upper=_step_value(incidence.times, incidence.upper, horizon, 0.0),
            )
        )
    n = years.size
    exposure = float(years.sum())
    revisions = counted.total(1)
    result = GroupResult(
        label=label,
        hips=n,
        revisions=revisions,
        deaths=counted.total(2),
        component_years=exposure,
        rate=poisson_rate(revisions, exposure) if exposure > 0 else None,
        survival=survival,
        incidence=incidence,
        milestones=tuple(milestones),
        shown_until=counted.last_with(min_at_risk),
        at_risk_ticks=(n, *(m.at_risk for m in milestones)),
    )
    at_risk, revised = counted.at(compared_at, 1)
    return result, at_risk, revised


def funnel(cohort: Cohort, by: str) -> Funnel:
    """Observed/expected revisions for each surgeon or unit, expected at the cohort's rate."""
    category: Category = cohort.category(by)
    size = len(category.labels) + 1
    index = category.codes.astype(np.intp)  # as bincount takes them: converted once
    index += 1  # 0 holds "not recorded"
    hips = np.bincount(index, minlength=size)
    observed = np.bincount(index[np.flatnonzero(cohort.outcome == 1)], minlength=size)
    exposure = np.bincount(index, weights=cohort.years, minlength=size)
    total = float(exposure.sum())
    overall = float(observed.sum()) / total if total > 0 else 0.0
    expected = overall * exposure
    present = np.flatnonzero(hips)
    with np.errstate(divide="ignore", invalid="ignore"):
        limits = funnel_limits_ratio(expected[present])
        ratios = np.where(expected[present] > 0, observed[present] / expected[present], np.nan)
    points = tuple(
        FunnelPoint(
            label=category.label(int(code) - 1),
            hips=int(hips[code]),
            component_years=float(exposure[code]),
            observed=int(observed[code]),
            expected=float(expected[code]),
            ratio=float(ratios[i]),
            lower_alert=float(limits.lower_alert[i]),
            upper_alert=float(limits.upper_alert[i]),
            lower_alarm=float(limits.lower_alarm[i]),
            upper_alarm=float(limits.upper_alarm[i]),
        )
        for i, code in enumerate(present)
    )
    return Funnel(by, overall, points)


def analyse(
    cohort: Cohort,
    *,
    description: str = "all hips",
    by: str | None = None,
    min_at_risk: int = DEFAULT_MIN_AT_RISK,
    tick: Tick = lambda _: None,
) -> Analysis:
    """The whole analysis of ``cohort``, grouped by ``by`` (a column or band) if given."""
    if min_at_risk < 1:
        raise ValueError("min_at_risk must be at least 1")
    done = []
    if by is None:
        everyone = ("all hips", cohort.years, cohort.outcome)
        done.append(_group(*everyone, min_at_risk, tick, compared_at=np.zeros(0)))
    else:
        category = cohort.category(by)
        # The times of a revision in any group: where the log-rank test compares them.
        when = np.unique(cohort.years[np.flatnonzero(cohort.outcome == 1)])
        for code, label in category.present():
            chosen = np.flatnonzero(category.codes == code)  # indices: quicker than a mask
            hips = (label, cohort.years[chosen], cohort.outcome[chosen])
            done.append(_group(*hips, min_at_risk, tick, compared_at=when))
    groups = [result for result, _, _ in done]
    compared = None
    if by is not None and len(groups) > 1:
        at_risk = np.column_stack([a for _, a, _ in done])
        revised = np.column_stack([r for _, _, r in done])
        compared = logrank_at(at_risk, revised, [g.label for g in groups])
    tick("log-rank")
    funnels = []
    for name in ("surgeon", "unit"):
        funnels.append(funnel(cohort, name))
        tick(f"funnel by {name}")
    exposure = float(cohort.years.sum())
    revisions = int(np.count_nonzero(cohort.outcome == 1))
    return Analysis(
        description=description,
        by=by,
        min_at_risk=min_at_risk,
        hips=len(cohort),
        revisions=revisions,
        deaths=int(np.count_nonzero(cohort.outcome == 2)),  # noqa: PLR2004
        rate=poisson_rate(revisions, exposure) if exposure > 0 else None,
        groups=tuple(groups),
        logrank=compared,
        funnels=tuple(funnels),
        notes=cohort.notes,
    )


@dataclass(frozen=True)
class Proportion:
    events: int
    total: int
    share: float
    lower: float  # exact (Clopper-Pearson) 95% bounds
    upper: float


def proportion(events: int, total: int) -> Proportion:
    """A rate such as complications per operation, with exact 95% bounds."""
    if total <= 0 or not 0 <= events <= total:
        raise ValueError("need 0 <= events <= total and total > 0")
    lower = float(beta_ppf(0.025, events, total - events + 1)) if events else 0.0
    upper = float(beta_ppf(0.975, events + 1, total - events)) if events < total else 1.0
    return Proportion(events, total, events / total, lower, upper)


@dataclass(frozen=True)
class PromChange:
    patients: int
    baseline: float  # means
    follow_up: float
    change: float
    lower: float  # 95% t-interval of the mean change
    upper: float
    reaching_mic: Proportion  # improved by at least the minimal important change


def prom_change(
    baseline: NDArray[np.float64], follow_up: NDArray[np.float64], *, mic: float
) -> PromChange:
    """Paired change in a score (higher is better) and the share improving by ``mic`` or more.

    Pairs with either score missing (NaN) are left out: unknown is never counted as 0.
    """
    before, after = np.asarray(baseline, np.float64), np.asarray(follow_up, np.float64)
    paired = np.isfinite(before) & np.isfinite(after)
    before, after = before[paired], after[paired]
    if before.size < 2:  # noqa: PLR2004
        raise ValueError("need at least two patients with both scores")
    change = after - before
    mean = float(change.mean())
    half = float(t_ppf(0.975, change.size - 1) * change.std(ddof=1) / np.sqrt(change.size))
    return PromChange(
        patients=int(change.size),
        baseline=float(before.mean()),
        follow_up=float(after.mean()),
        change=mean,
        lower=mean - half,
        upper=mean + half,
        reaching_mic=proportion(int(np.count_nonzero(change >= mic)), int(change.size)),
    )
