"""A fall in a post-operative score, flagged for the team to review. Pure.

The rule: a score after the operation that is worse than the previous post-operative score
of the same instrument, or than the best post-operative score so far, by at least the
instrument's minimal important change, is flagged. The metal-on-metal guidance treats a
deteriorating Oxford Hip Score as a trigger for investigation and possible revision (MHRA
MDA/2017/018, as summarised in clinical-facts §1.2 [M] and §4.1); Coxa applies the same rule
to every instrument with a sourced minimal important change, since a fall that matters to the
patient is worth a look whatever the bearing. An instrument with no sourced minimal important
change is never flagged (no threshold is invented). Scores before or on the operation day are
baselines, never compared here.
"""

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from coxa.catalogue.schema_instruments import Instrument

RULE = "post-operative-fall"
RULE_TEXT = (
    "A score after the operation worse than the previous one, or than the best one since the "
    "operation, by at least the questionnaire's minimal important change"
)
# MHRA MDA/2017/018: a deteriorating Oxford Hip Score is a trigger to investigate a
# metal-on-metal hip (clinical-facts §1.2 [M], §4.1). The size of the fall is the instrument's
# own sourced minimal important change (its sources are named beside it).
RULE_SOURCES: tuple[str, ...] = ("mhra-mda-2017-018",)


class Compared(StrEnum):
    PREVIOUS = "previous"  # the latest post-operative score before this one
    BEST = "best"  # the best post-operative score before this one


COMPARED_WORDS = {
    Compared.PREVIOUS: "the previous score after the operation",
    Compared.BEST: "the best score since the operation",
}


@dataclass(frozen=True, slots=True)
class Earlier:
    completed_on: dt.date
    score: float


@dataclass(frozen=True, slots=True)
class Fall:
    """Why a response is flagged: what it was compared with, and by how much it fell."""

    compared_with: Compared
    reference_on: dt.date
    reference_score: float
    drop: float  # in points, always positive: how much worse
    threshold: float  # the minimal important change, in points, it reached
    sources: tuple[str, ...]  # the rule's, then the minimal important change's

    def as_json(self) -> dict[str, object]:
        return {
            "rule": RULE,
            "compared_with": self.compared_with.value,
            "reference_on": self.reference_on.isoformat(),
            "reference_score": self.reference_score,
            "drop": self.drop,
            "threshold": self.threshold,
            "sources": list(self.sources),
        }


def _worse_by(instrument: Instrument, reference: float, now: float) -> float:
    """How much worse ``now`` is than ``reference``, in points (negative: better)."""
    difference = now - reference
    return round(-difference if instrument.scoring.higher_is_better else difference, 3)


def _threshold(instrument: Instrument, reference: float) -> float | None:
    """The minimal important change in points (the smaller of points and percent, if both)."""
    mic = instrument.important_change
    if mic is None:
        return None
    # A fall is judged in points where the source gives them: the percent criterion (Farrar
    # 2001, 30%) describes improvement from a baseline and, applied to a low post-operative
    # score, would flag every one-point rise (a fall of 0.3 points from a pain score of 1).
    if mic.points is not None:
        return mic.points
    if mic.percent is not None and reference:
        return abs(reference) * mic.percent / 100
    return None


def fall(
    instrument: Instrument,
    *,
    completed_on: dt.date,
    score: float | None,
    operation_on: dt.date | None,
    earlier: list[Earlier],
) -> Fall | None:
    """The fall this response shows against the hip's earlier responses, or None.

    ``earlier`` are the same instrument's scored responses completed before this one (any
    order). Only responses after the operation day count, on both sides.
    """
    if score is None or operation_on is None or completed_on <= operation_on:
        return None
    after = sorted(
        (e for e in earlier if operation_on < e.completed_on <= completed_on),
        key=lambda e: e.completed_on,
    )
    if not after:
        return None
    previous = after[-1]
    best = max(after, key=lambda e: e.score if instrument.scoring.higher_is_better else -e.score)
    candidates = [(Compared.PREVIOUS, previous), (Compared.BEST, best)]
    found: Fall | None = None
    for compared, reference in candidates:
        threshold = _threshold(instrument, reference.score)
        drop = _worse_by(instrument, reference.score, score)
        if threshold is None or drop < threshold:
            continue
        if found is None or drop > found.drop:
            sources = RULE_SOURCES + tuple(instrument.important_change.sources)  # type: ignore[union-attr]
            found = Fall(
                compared, reference.completed_on, reference.score, drop, threshold, sources
            )
    return found
