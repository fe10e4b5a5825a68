"""API shapes for outcomes: the questionnaires (instruments) as the catalogue describes them."""

import datetime as dt
import uuid
from typing import Any

from ninja import Schema
from pydantic import ConfigDict

from coxa.catalogue.loader import get_catalogue
from coxa.outcomes.selectors import Answered


class OptionOut(Schema):
    value: int
    label: str | None  # None: the wording is licensed and loaded by the service


class ItemOut(Schema):
    code: str
    text: str | None
    options: list[OptionOut]


class ScoringOut(Schema):
    method: str  # sum | lookup | value-set
    low: float
    high: float
    higher_is_better: bool
    items_scored: list[str]
    missing_allowed: int
    table: list[float]  # lookup: the score for each raw sum from 0


class ImportantChangeOut(Schema):
    points: float | None
    percent: float | None
    sources: list[str]


class InstrumentOut(Schema):
    code: str
    title: str
    licensed: bool
    recall: str
    items: list[ItemOut]
    scoring: ScoringOut
    important_change: ImportantChangeOut | None
    sources: list[str]


class ResponseIn(Schema):
    """A completed questionnaire: each item's answer value, and the day it was completed."""

    model_config = ConfigDict(extra="forbid")

    # Both are required; they are checked after the caller's access to the hip, so that a
    # patient sending another's hip anything learns nothing about it.
    answers: dict[str, Any] = {}  # item code -> answer value; checked against the instrument
    completed_on: dt.date | None = None


class ChangeOut(Schema):
    points: float  # later minus baseline
    better: bool | None  # None: no change
    important: bool | None  # reaches the instrument's minimal important change (None: none)


class FallOut(Schema):
    """A post-operative fall in score flagged for review, and the rule that flagged it."""

    rule: str  # post-operative-fall
    compared_with: str  # previous | best
    reference_on: dt.date
    reference_score: float
    drop: float  # points worse
    threshold: float  # the minimal important change it reached
    sources: list[str]  # the rule's (MHRA MDA/2017/018) and the threshold's


class ResponseOut(Schema):
    id: uuid.UUID
    instrument: str
    completed_on: dt.date
    answers: dict[str, int]
    raw: int | None
    score: float | None
    interval_score: float | None  # HOOS JR: the 0 to 100 score the table gives
    profile: str
    baseline: bool
    change_from_baseline: ChangeOut | None
    entered_by_patient: bool
    fall: FallOut | None  # None: no fall flagged

    @classmethod
    def of(cls, answered: Answered) -> "ResponseOut":
        r = answered.response
        lookup = get_catalogue().instruments.get(r.instrument)
        interval = lookup is not None and lookup.scoring.method == "lookup"
        c = answered.change
        return cls(
            id=r.public_id,
            instrument=r.instrument,
            completed_on=r.completed_on,
            answers=r.answers,
            raw=r.raw,
            score=r.score,
            interval_score=r.score if interval else None,
            profile=r.profile,
            baseline=answered.baseline,
            change_from_baseline=None
            if c is None
            else ChangeOut(points=c.points, better=c.better, important=c.important),
            entered_by_patient=r.entered_by_patient,
            fall=None if not r.fall else FallOut(**r.fall),
        )
