"""Scoring a questionnaire's answers, as the catalogue describes the instrument. Pure.

Every answer must be one of its item's values, and every item the score reads must be
answered, unless the instrument allows some to be missing. A score is never made from
answers that are out of range or from an unknown item: each problem names the item
(``answers.<item>``). An instrument scored by a licensed value set gives its profile, and a
score only once a value set is loaded.
"""

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from coxa.catalogue.schema_instruments import Instrument
from coxa.core.errors import ErrorCode, InvalidInput, Problem


@dataclass(frozen=True, slots=True)
class Scored:
    instrument: str
    answers: Mapping[str, int]
    raw: int | None  # the sum of the answers (sum and lookup scoring)
    score: float | None  # None: a value set is needed and none is loaded
    profile: str = ""  # value-set scoring: the answers in item order (EQ-5D: "21143")


def answer_problems(instrument: Instrument, answers: Mapping[str, object]) -> list[Problem]:
    """Unknown items, answers that are not one of the item's values, and missing items."""
    items = {i.code: i for i in instrument.items}
    problems = []
    for code, value in answers.items():
        item = items.get(code)
        if item is None:
            problems.append(
                Problem(
                    ErrorCode.UNKNOWN_FIELD,
                    f"{instrument.title} has no item {code!r}; its items are {', '.join(items)}",
                    f"answers.{code}",
                )
            )
            continue
        allowed = [o.value for o in item.options]
        if isinstance(value, bool) or not isinstance(value, int) or value not in allowed:
            problems.append(
                Problem(
                    ErrorCode.INVALID_VALUE,
                    f"{value!r} is not an answer to {code}: give one of "
                    f"{', '.join(str(v) for v in allowed)}",
                    f"answers.{code}",
                )
            )
    missing = [c for c in instrument.scored_items if c not in answers]
    if len(missing) > instrument.scoring.missing_allowed:
        problems += [
            Problem(ErrorCode.REQUIRED, f"answer {code}", f"answers.{code}") for code in missing
        ]
    return problems


def score(
    instrument: Instrument,
    answers: Mapping[str, object],
    *,
    value_set: Mapping[str, float] | None = None,
) -> Scored:
    """The instrument's score for these answers; raise InvalidInput naming each problem."""
    problems = answer_problems(instrument, answers)
    if problems:
        raise InvalidInput.of(problems)
    given = {code: int(value) for code, value in answers.items()}  # type: ignore[call-overload]
    read = [given[c] for c in instrument.scored_items if c in given]
    scoring = instrument.scoring
    if scoring.method == "value-set":
        profile = "".join(str(given.get(c, "")) for c in instrument.scored_items)
        index = None if value_set is None else value_set.get(profile)
        return Scored(instrument.code, given, None, index, profile)
    raw = sum(read)
    if scoring.method == "lookup":
        return Scored(instrument.code, given, raw, scoring.table[raw])
    return Scored(instrument.code, given, raw, float(raw))


@dataclass(frozen=True, slots=True)
class Change:
    """A later score against the baseline: the change, and whether it matters to the patient."""

    points: float  # later minus baseline
    better: bool | None  # None: no change
    important: bool | None  # None: the instrument has no sourced minimal important change


def change(instrument: Instrument, baseline: float, later: float) -> Change:
    """The change from baseline, read in the instrument's direction, against its MIC.

    Important when the change reaches the minimal important change in points, or in percent
    of the baseline where the source gives one (numeric pain: about 2 points or 30%).
    """
    points = round(later - baseline, 3)
    toward_better = points if instrument.scoring.higher_is_better else -points
    better = None if points == 0 else toward_better > 0
    mic = instrument.important_change
    if mic is None:
        return Change(points, better, None)
    size = abs(points)
    reached = mic.points is not None and size >= mic.points
    if mic.percent is not None and baseline and better:
        # The percent criterion is one of improvement from the baseline (Farrar 2001: a 30%
        # reduction of pain); a rise from a low score is judged by points alone, else every
        # one-point rise from 1 or 2 would "matter".
        reached = reached or size / abs(baseline) * 100 >= mic.percent
    return Change(points, better, reached)


def baseline_index(
    days: list[dt.date],
    scores: list[float | None],
    operation_on: dt.date | None,
    points: list[str] | None = None,
) -> int | None:
    """Which response of one instrument's series (oldest first) is the baseline.

    The latest scored response on or before the operation day; with no operation day yet, the
    first scored one. With ``points`` (the schedule point each answers), only a response in the
    baseline's window counts: one from before the hip was listed is not its baseline (H63).
    None when there is none: no change is then claimed.
    """
    scored = [
        i
        for i, s in enumerate(scores)
        if s is not None and (points is None or points[i] == "baseline")
    ]
    if operation_on is None:
        return scored[0] if scored else None
    before = [i for i in scored if days[i] <= operation_on]
    return before[-1] if before else None
