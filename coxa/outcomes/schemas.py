"""API shapes for outcomes: the questionnaires (instruments) as the catalogue describes them."""

from ninja import Schema


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
