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
        )


class ConversionIn(Schema):
    """A conversion or revision: the day, a coded reason, the new procedure (and a note).

    Checked after the caller's access to the hip; each problem names its field.
    """

    model_config = ConfigDict(extra="forbid")

    on: dt.date | None = None
    reason: str = ""  # a code of the catalogue's conversion reasons ("other" needs a note)
    procedure: str = ""  # a procedure this hip may become
    note: str = ""


class ConversionOut(Schema):
    closed_episode: uuid.UUID  # the index episode, now converted
    new_episode: uuid.UUID  # the linked episode opened on the same hip
    on: dt.date
    reason: str
    procedure: str


class DeathIn(Schema):
    """A patient's death: the date, and whether it was related to the hip (yes, no, unknown)."""

    model_config = ConfigDict(extra="forbid")

    on: dt.date | None = None
    related_to_hip: str = ""  # required: never assumed


class DeathOut(Schema):
    patient: uuid.UUID
    on: dt.date
    related_to_hip: str
    closed_episodes: list[uuid.UUID]  # the episodes this death closed
