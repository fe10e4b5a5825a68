"""Complication rates and PROM change per procedure, from per-hip records. Pure.

Both are counted per hip operated (one episode), never per entry, so a hip with two
complications counts once among "hips with any complication" and once under each type it
had. Proportions carry exact (Clopper-Pearson) 95% intervals, as ``summary.proportion``
gives them; a mean change carries the 95% t-interval where two or more hips have one.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np
from scipy import stats

from coxa.analytics.summary import Proportion, proportion


@dataclass(frozen=True)
class OperatedHip:
    """One operated hip, as the complication figures read it."""

    group: str  # its procedure, in words
    complications: tuple[tuple[str, bool], ...]  # current entries: (type code, grade III+)


@dataclass(frozen=True)
class TypeRate:
    type: str
    title: str
    hips: Proportion


@dataclass(frozen=True)
class ComplicationRates:
    group: str
    operated: int
    any: Proportion
    severe: Proportion  # Clavien-Dindo grade III or worse
    by_type: tuple[TypeRate, ...]  # the types seen in this group, in the catalogue's order


def complication_rates(
    hips: Iterable[OperatedHip], titles: Mapping[str, str]
) -> tuple[ComplicationRates, ...]:
    """Per group: hips operated, hips with any complication, with each type, grade III+.

    ``titles`` gives each type's words in the catalogue's order; a type no longer in it is
    still counted, under its code, after the others.
    """
    groups: dict[str, list[OperatedHip]] = {}
    for hip in hips:
        groups.setdefault(hip.group, []).append(hip)
    rates = []
    for group, members in sorted(groups.items()):
        total = len(members)
        seen = {code for hip in members for code, _ in hip.complications}
        order = [c for c in titles if c in seen] + sorted(seen - set(titles))
        rates.append(
            ComplicationRates(
                group=group,
                operated=total,
                any=proportion(sum(1 for h in members if h.complications), total),
                severe=proportion(
                    sum(1 for h in members if any(s for _, s in h.complications)), total
                ),
                by_type=tuple(
                    TypeRate(
                        code,
                        titles.get(code, code),
                        proportion(
                            sum(1 for h in members if any(c == code for c, _ in h.complications)),
                            total,
                        ),
                    )
                    for code in order
                ),
            )
        )
    return tuple(rates)


@dataclass(frozen=True)
class ScoredHip:
    """One hip's baseline and latest post-operative score on one instrument."""

    instrument: str
    group: str
    baseline: float
    later: float
    important_improvement: bool | None  # None: the instrument has no sourced MIC


@dataclass(frozen=True)
class PromRow:
    instrument: str
    group: str
    hips: int
    baseline: float  # means
    later: float
    change: float  # mean of later minus baseline, in the instrument's points
    lower: float | None  # 95% t-interval of the mean change (None: fewer than 2 hips)
    upper: float | None
    reaching_mic: Proportion | None  # improved by at least the MIC (None: no sourced MIC)


def prom_rows(hips: Iterable[ScoredHip]) -> tuple[PromRow, ...]:
    """Per instrument and group: hips with both scores, the means, and the change.

    With the share improving by at least the instrument's minimal important change.
    """
    groups: dict[tuple[str, str], list[ScoredHip]] = {}
    for hip in hips:
        groups.setdefault((hip.instrument, hip.group), []).append(hip)
    rows = []
    for (instrument, group), members in sorted(groups.items()):
        before = np.array([h.baseline for h in members], dtype=np.float64)
        after = np.array([h.later for h in members], dtype=np.float64)
        change = after - before
        mean = float(change.mean())
        lower = upper = None
        if change.size >= 2:  # noqa: PLR2004 - a spread needs two
            half = float(
                stats.t.ppf(0.975, change.size - 1) * change.std(ddof=1) / np.sqrt(change.size)
            )
            lower, upper = mean - half, mean + half
        flags = [h.important_improvement for h in members]
        rows.append(
            PromRow(
                instrument=instrument,
                group=group,
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
