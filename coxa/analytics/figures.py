"""A hip's end point, complication rates and PROM change per procedure. Pure.

Figures are counted per hip operated (one episode), never per entry, so a hip with two
complications counts once among "hips with any complication" and once under each type it
had. Complication rates are counted within fixed windows after the operation, over the hips
operated at least that long before the close date; PROM change at fixed schedule points,
each against the baseline. Proportions carry exact (Clopper-Pearson) 95% intervals, as
``summary.proportion`` gives them; a mean change carries the 95% t-interval where two or
more hips have one.
"""

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np

from coxa.analytics.distributions import t_ppf
from coxa.analytics.summary import Proportion, proportion

CENSORED, REVISED, DIED = 0, 1, 2


def end_point(
    operated_on: dt.date,
    close: dt.date,
    *,
    revised_on: dt.date | None = None,
    died_on: dt.date | None = None,
    discharged_on: dt.date | None = None,
    lost_since: dt.date | None = None,
    last_contact_on: dt.date | None = None,
) -> tuple[dt.date, int]:
    """Where one hip's follow-up ends, and how (ADR 0013): (day, outcome).

    Events first: a revision or conversion by the close date (1), else a death by the close
    date (2); a revision on the day of death counts as the revision. An event counts however
    long after a discharge or the last contact it is recorded. With neither, the hip is
    censored (0) at the earliest of the close date, its discharge from follow-up and, when
    it was lost to follow-up by the close date (``lost_since``), its last contact; never
    before the operation day.
    """
    before_death = died_on is None or (revised_on is not None and revised_on <= died_on)
    if revised_on is not None and revised_on <= close and before_death:
        return max(revised_on, operated_on), REVISED
    if died_on is not None and died_on <= close:
        return max(died_on, operated_on), DIED
    ends = close
    if discharged_on is not None:
        ends = min(ends, discharged_on)
    if lost_since is not None and lost_since <= close and last_contact_on is not None:
        ends = min(ends, last_contact_on)
    return max(ends, operated_on), CENSORED


@dataclass(frozen=True)
class Window:
    """A fixed time after the operation within which complications are counted."""

    days: int
    title: str


# 90 days: the registries' early window (NJR outlier monitoring's 90-day mortality,
# clinical-facts.md 6.2; 90-day complications after core decompression, PearlDiver, 5.4);
# one year: the schedules' 1-year point (ICHOM hip and knee set, 12 months, 4.8). Day 0 is
# the operation day.
WINDOWS = (Window(90, "Within 90 days"), Window(365, "Within 1 year"))


@dataclass(frozen=True)
class OperatedHip:
    """One operated hip, as the complication figures read it."""

    group: str  # its procedure, in words
    operated_on: dt.date
    # Current entries: (type code, grade III+, the day it was found).
    complications: tuple[tuple[str, bool, dt.date], ...]

    def within(self, days: int) -> tuple[tuple[str, bool], ...]:
        """The entries found no more than ``days`` after the operation (day 0 counts)."""
        return tuple(
            (code, severe)
            for code, severe, found in self.complications
            if 0 <= (found - self.operated_on).days <= days
        )


@dataclass(frozen=True)
class TypeRate:
    type: str
    title: str
    hips: Proportion


@dataclass(frozen=True)
class ComplicationRates:
    window: Window
    group: str
    operated: int  # hips operated at least the window's length before the close date
    any: Proportion
    severe: Proportion  # Clavien-Dindo grade III or worse
    by_type: tuple[TypeRate, ...]  # the types seen in this group, in the catalogue's order


def complication_rates(
    hips: Iterable[OperatedHip],
    titles: Mapping[str, str],
    *,
    close: dt.date,
    windows: tuple[Window, ...] = WINDOWS,
) -> tuple[ComplicationRates, ...]:
    """Per window and group: hips followed that long, with any complication, each type, III+.

    A hip counts in a window only when it was operated at least the window's length before
    ``close`` (a hip operated yesterday has not been followed for 90 days); a group with no
    such hip is left out of that window. ``titles`` gives each type's words in the
    catalogue's order; a type no longer in it is still counted, under its code, after the
    others.
    """
    everyone = list(hips)
    rates = []
    for window in windows:
        groups: dict[str, list[tuple[tuple[str, bool], ...]]] = {}
        for hip in everyone:
            if (close - hip.operated_on).days >= window.days:
                groups.setdefault(hip.group, []).append(hip.within(window.days))
        for group, members in sorted(groups.items()):
            rates.append(_rates(window, group, members, titles))
    return tuple(rates)


def _rates(
    window: Window,
    group: str,
    members: list[tuple[tuple[str, bool], ...]],
    titles: Mapping[str, str],
) -> ComplicationRates:
    total = len(members)
    seen = {code for found in members for code, _ in found}
    order = [c for c in titles if c in seen] + sorted(seen - set(titles))
    return ComplicationRates(
        window=window,
        group=group,
        operated=total,
        any=proportion(sum(1 for found in members if found), total),
        severe=proportion(sum(1 for found in members if any(s for _, s in found)), total),
        by_type=tuple(
            TypeRate(
                code,
                titles.get(code, code),
                proportion(sum(1 for found in members if any(c == code for c, _ in found)), total),
            )
            for code in order
        ),
    )


@dataclass(frozen=True)
class Point:
    """A schedule point PROM change is reported at (``QuestionnaireResponse.point``)."""

    code: str
    title: str


# The follow-up schedules' points (catalogue procedures' follow_up): NHS PROMs report hip
# change at 6 months (Pennington, PLoS One 2013; clinical-facts.md 4.9), ICHOM at 12 months
# (4.8).
POINTS = (Point("6-months", "6 months"), Point("1-year", "1 year"))


@dataclass(frozen=True)
class ScoredHip:
    """One hip's baseline and its score at one schedule point, on one instrument."""

    instrument: str
    group: str
    point: str  # the schedule point's code
    baseline: float
    later: float
    important_improvement: bool | None  # None: the instrument has no sourced MIC


@dataclass(frozen=True)
class PromRow:
    instrument: str
    group: str
    point: str
    hips: int
    baseline: float  # means
    later: float
    change: float  # mean of later minus baseline, in the instrument's points
    lower: float | None  # 95% t-interval of the mean change (None: fewer than 2 hips)
    upper: float | None
    reaching_mic: Proportion | None  # improved by at least the MIC (None: no sourced MIC)


def prom_rows(hips: Iterable[ScoredHip]) -> tuple[PromRow, ...]:
    """Per instrument, group and point: hips with both scores, the means, and the change.

    With the share improving by at least the instrument's minimal important change. Points
    come in the schedule's order (``POINTS``), others after them by code.
    """
    order = {p.code: i for i, p in enumerate(POINTS)}
    groups: dict[tuple[str, str, str], list[ScoredHip]] = {}
    for hip in hips:
        groups.setdefault((hip.instrument, hip.group, hip.point), []).append(hip)
    rows = []
    for (instrument, group, point), members in sorted(
        groups.items(),
        key=lambda kv: (kv[0][0], kv[0][1], order.get(kv[0][2], len(order)), kv[0][2]),
    ):
        before = np.array([h.baseline for h in members], dtype=np.float64)
        after = np.array([h.later for h in members], dtype=np.float64)
        change = after - before
        mean = float(change.mean())
        lower = upper = None
        if change.size >= 2:  # noqa: PLR2004 - a spread needs two
            half = float(t_ppf(0.975, change.size - 1) * change.std(ddof=1) / np.sqrt(change.size))
            lower, upper = mean - half, mean + half
        flags = [h.important_improvement for h in members]
        rows.append(
            PromRow(
                instrument=instrument,
                group=group,
                point=point,
                hips=len(members),
                baseline=float(before.mean()),
                later=float(after.mean()),
                change=mean,
                lower=lower,
                upper=upper,
                reaching_mic=None
                if any(f is None for f in flags)
                else proportion(sum(1 for f in flags if f), len(members)),
            )
        )
    return tuple(rows)
