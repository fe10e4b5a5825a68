"""Hips counted as they leave follow-up, once a group. Pure numpy: no Django, no I/O.

``count(time, outcome)`` gives, at each distinct time, how many hips leave with each outcome
(0 censored, 1, 2... event types) and how many were still followed just before. Each group's
counts are made once, and Kaplan-Meier, Aalen-Johansen and the log-rank test all read them.

Times on a fixed step are counted on a grid of whole numbers with ``numpy.bincount`` and never
sorted: whole days (integers or floats), days as fractional years (days / 365.25, / 365.2425
or / 365), months as years, and years to at most 6 decimals. A step is taken only when every
time comes back exactly from its grid point (``round(t * k) / k == t`` for every t), so the
distinct times returned are the given floats themselves, as sorting would find them. Other
times are sorted once: the time's bits and the outcome packed into one integer key, which
numpy sorts several times faster than an argsort.
"""

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

# Grid points a year (or a day) tried in turn, coarsest first: whole numbers, tenths, months,
# hundredths, days as years (365, 365.2425 and 365.25 days), then thousandths to millionths.
STEPS = (1.0, 10.0, 12.0, 100.0, 365.0, 365.2425, 365.25, 1e3, 1e4, 1e5, 1e6)
# A grid of more (point, outcome) cells than this is not counted but sorted (8 bytes a cell),
# as is one of more than _PER_TIME cells a time beyond the first chunk's (sorting is cheaper).
MAX_CELLS = 16_000_000
_PER_TIME = 8
_SAMPLE = 1024  # times tried on each step before all of them are
_CHUNK = 1 << 16  # times counted at once: the chunk's temporaries stay in the cache
_MAX_KEY = 2**64 - 1


@dataclass(frozen=True)
class Counted:
    """At each distinct time: hips leaving by outcome, and hips still followed just before."""

    times: NDArray[np.float64]  # increasing
    counts: NDArray[np.int64]  # (outcome kinds, times): a row an outcome, row 0 censored
    at_risk: NDArray[np.int64]  # followed at each time, those leaving then included

    @property
    def kinds(self) -> int:
        return int(self.counts.shape[0])

    def events(self, event: int) -> NDArray[np.int64]:
        """Hips leaving with outcome ``event`` at each time (none of a kind never seen)."""
        if event < self.kinds:
            row: NDArray[np.int64] = self.counts[event]
            return row
        return np.zeros(self.times.size, dtype=np.int64)

    def any_event(self) -> NDArray[np.int64]:
        """Hips leaving with any event (not censored) at each time."""
        total: NDArray[np.int64] = self.counts[1:].sum(axis=0)
        return total

    def total(self, event: int) -> int:
        return int(self.events(event).sum())

    def at_risk_at(self, when: ArrayLike) -> NDArray[np.int64]:
        """Hips still followed at each of ``when`` (any time, not only these times)."""
        index = np.searchsorted(self.times, np.asarray(when, dtype=np.float64), side="left")
        return np.append(self.at_risk, 0)[index]

    def at(self, when: NDArray[np.float64], event: int) -> tuple[NDArray[np.int64], ...]:
        """Hips followed, and hips leaving with ``event``, at each of ``when`` (increasing).

        At any times: 0 events where none left; at risk, whoever is followed then.
        """
        index = np.searchsorted(self.times, when, side="left")
        at_risk = np.append(self.at_risk, 0)[index]
        inside = np.flatnonzero(index < self.times.size)
        hit = inside[self.times[index[inside]] == when[inside]]
        events = np.zeros(when.size, dtype=np.int64)
        events[hit] = self.events(event)[index[hit]]
        return at_risk, events

    def last_with(self, hips: int) -> float:
        """The latest time at which at least ``hips`` are followed; 0 if there is none."""
        index = int(np.searchsorted(-self.at_risk, -hips, side="right"))
        return float(self.times[index - 1]) if index else 0.0


def count(time: ArrayLike, outcome: ArrayLike) -> Counted:
    """Count ``time`` (days or years, not negative) by ``outcome`` (0 censored, 1, 2...)."""
    times, outcomes, kinds, last = _checked(time, outcome)
    found = _counted_on_grid(times, outcomes, kinds, last) if times.size else None
    return found if found is not None else _counted_sorted(times, outcomes, kinds)


def _checked(time: ArrayLike, outcome: ArrayLike) -> tuple[NDArray[Any], NDArray[Any], int, Any]:
    """(times, outcomes as small whole numbers, outcome kinds, the latest time)."""
    raw = np.asarray(time)
    # Whole-number times (days) stay integers: they are counted as they are.
    times = raw.astype(np.int64 if raw.dtype.kind in "iu" else np.float64, copy=False)
    outcomes = np.asarray(outcome)
    if times.ndim != 1 or outcomes.shape != times.shape:
        raise ValueError("time and outcome must be one-dimensional arrays of the same length")
    if not times.size:
        return times, outcomes.astype(np.uint8), 1, 0
    first, last = times.min(), times.max()
    if not (first >= 0 and last < np.inf):  # NaN fails both comparisons
        raise ValueError("times must be finite and not negative")
    return times, *_whole(outcomes), last


def _whole(outcomes: NDArray[Any]) -> tuple[NDArray[Any], int]:
    """Outcomes as the smallest unsigned integers that hold them, and how many kinds."""
    if outcomes.dtype.kind == "b":  # events as booleans: already 0 or 1, and no copy
        return outcomes.view(np.uint8), 2
    if outcomes.dtype.kind not in "iu":
        whole = outcomes.astype(np.int64)
        if not np.array_equal(whole, outcomes):
            raise ValueError("outcomes must be whole numbers: 0 censored, 1, 2... event types")
        outcomes = whole
    if outcomes.min() < 0:
        raise ValueError("outcomes must be whole numbers: 0 censored, 1, 2... event types")
    kinds = int(outcomes.max()) + 1
    if kinds <= np.iinfo(np.uint8).max + 1:
        small = outcomes.dtype.itemsize == 1  # int8 or uint8, checked not negative
        return (outcomes.view(np.uint8) if small else outcomes.astype(np.uint8)), kinds
    return outcomes.astype(np.int64, copy=False), kinds


def _counted_on_grid(
    times: NDArray[Any], outcomes: NDArray[Any], kinds: int, last: Any
) -> Counted | None:
    """Counts on the coarsest step every time sits on exactly; None when there is none."""
    if times.dtype.kind in "iu":
        found = _on_grid(times, outcomes, kinds, int(last) + 1, None)
        return None if isinstance(found, np.ndarray) else found
    tried = times[:: max(1, times.size // _SAMPLE)]
    for step in STEPS:
        points = int(np.rint(last * step)) + 1
        if not _small(points * kinds, times.size):
            return None
        if not _round_trips(tried, step):
            continue
        found = _on_grid(times, outcomes, kinds, points, step)
        if not isinstance(found, np.ndarray):
            return found
        tried = np.concatenate((tried, found))  # off this step: finer ones must hold them too
    return None


def _small(cells: int, times: int) -> bool:
    return cells <= min(MAX_CELLS, _CHUNK + _PER_TIME * times)


def _round_trips(times: NDArray[np.float64], step: float) -> bool:
    return bool(np.array_equal(np.rint(times * step) / step, times))


def _on_grid(
    times: NDArray[Any], outcomes: NDArray[Any], kinds: int, points: int, step: float | None
) -> Counted | NDArray[np.float64] | None:
    """Count each (grid point, outcome) cell; the times off the step if some are (floats).

    Chunk by chunk, so that scaling, checking and the cell numbers never make a copy of all
    the times; a chunk is at least as long as the cells it adds to the total.
    """
    cells = points * kinds
    if not _small(cells, times.size):
        return None
    total = np.zeros(cells, dtype=np.int64)
    size = max(_CHUNK, cells)
    for start in range(0, times.size, size):
        part, kind = times[start : start + size], outcomes[start : start + size]
        if step is None:
            cell = part * kinds
        else:
            scaled = part * step
            np.rint(scaled, out=scaled)
            off = scaled / step != part
            if off.any():
                return np.asarray(part[off], dtype=np.float64)
            scaled *= kinds  # whole numbers below 2**53: exact in floating point
            cell = scaled.astype(np.intp)
        cell += kind
        total += np.bincount(cell, minlength=cells)
    counts = total.reshape(points, kinds)
    present = np.flatnonzero(counts.any(axis=1))
    # Each time is its grid point over the step, exactly (checked), so these are the times.
    distinct = present / step if step is not None else present.astype(np.float64)
    counts = np.ascontiguousarray(counts[present].T)
    return Counted(distinct, counts, np.cumsum(counts.sum(axis=0)[::-1])[::-1])


def _counted_sorted(times: NDArray[Any], outcomes: NDArray[Any], kinds: int) -> Counted:
    """Sort once, then count each run of equal times by outcome.

    At five million continuous times each array here is 40 MB, and a new one costs more in
    page faults than its arithmetic: so the steps write into arrays already made.
    """
    ordered, kind = _sorted(times, outcomes, kinds)
    starts = np.empty(ordered.size, dtype=np.bool_)
    starts[:1] = True
    np.not_equal(ordered[1:], ordered[:-1], out=starts[1:])
    first = np.flatnonzero(starts)  # where each distinct time's run begins
    event = np.flatnonzero(kind)  # hips leaving with an event: the rest are censored
    cell = kind[event]
    row = np.cumsum(starts, dtype=np.int64, out=kind)  # each hip's time, counted from 1
    cell *= first.size
    cell += row[event]
    cell -= 1
    counts = np.bincount(cell, minlength=kinds * first.size).reshape(kinds, -1)
    distinct = ordered[first]
    at_risk = np.subtract(ordered.size, first, out=first)
    censored = counts[0]  # whoever leaves at a time without an event
    np.subtract(at_risk[:-1], at_risk[1:], out=censored[:-1])
    censored[-1:] = at_risk[-1:]
    for event_kind in counts[1:]:
        censored -= event_kind
    return Counted(distinct, counts, at_risk)


def _sorted(
    times: NDArray[Any], outcomes: NDArray[Any], kinds: int
) -> tuple[NDArray[np.float64], NDArray[np.int64]]:
    """The times in order, and each one's outcome (events after censorings at a time)."""
    floats = times + 0.0  # a copy, with -0.0 made 0.0 so that equal times have equal bits
    top = int(floats.max().view(np.uint64)) if floats.size else 0
    if outcomes.dtype == np.uint8 and top * kinds + kinds - 1 <= _MAX_KEY:
        # Not negative, a float's bits order as the float does: time * kinds + outcome,
        # sorted as integers, orders by time then outcome with no argsort.
        key = floats.view(np.uint64)
        key *= np.uint64(kinds)
        key += outcomes
        key.sort()
        kind = np.empty_like(key)
        np.divmod(key, np.uint64(kinds), out=(key, kind))  # back to the time's bits
        return key.view(np.float64), kind.view(np.int64)
    # Times beyond 2**340 or many outcome kinds: an argsort.
    order = np.argsort(floats, kind="stable")
    return floats[order], outcomes[order].astype(np.int64)
