"""The catalogue's questionnaires (patient-reported outcome instruments): items and scoring.

A licensed instrument (the Oxford Hip Score, EQ-5D-5L) is described by its structure only:
item codes, the values each answer may take and how the score is made. Its wording and its
value set are the licence holder's and are never in this repository; a service loads them
from its own licensed file. An instrument whose scoring needs a value set cannot be scored
until one is loaded.
"""

from typing import Literal

from pydantic import Field, model_validator

from coxa.catalogue.schema_base import Code, SourceIds, Strict


class AnswerOption(Strict):
    value: int
    label: str | None = None  # None: the wording is licensed (loaded by the service)


class Item(Strict):
    code: Code
    text: str | None = None  # plain English where free to show; None when licensed
    options: tuple[AnswerOption, ...] = Field(min_length=2)

    @model_validator(mode="after")
    def _distinct(self) -> "Item":
        values = [o.value for o in self.options]
        if len(values) != len(set(values)):
            raise ValueError(f"item {self.code}: an answer value appears twice")
        return self


class Scoring(Strict):
    """How answers become a score.

    - ``sum``: the sum of the answers' values.
    - ``lookup``: the sum of the answers' values, then ``table[sum]`` (HOOS JR: raw 0 to 24 to
      the 0 to 100 interval score); the raw sum is kept as well.
    - ``value-set``: the answers make a profile that a licensed value set turns into an index.
    """

    method: Literal["sum", "lookup", "value-set"]
    low: float  # the score's range
    high: float
    higher_is_better: bool
    items_scored: tuple[Code, ...] = ()  # the items the score reads; empty: every item
    missing_allowed: int = Field(default=0, ge=0)  # items that may be unanswered
    table: tuple[float, ...] = ()  # ``lookup``: one score per raw sum, from 0
    table_sources: tuple[Code, ...] = ()


class Change(Strict):
    """The smallest change that matters to a patient (minimal important change), sourced."""

    points: float | None = Field(default=None, gt=0)
    percent: float | None = Field(default=None, gt=0, le=100)
    sources: SourceIds


class Instrument(Strict):
    code: Code
    title: str
    licensed: bool
    recall: str = ""  # the period the questions ask about, in plain words
    items: tuple[Item, ...] = Field(min_length=1)
    scoring: Scoring
    important_change: Change | None = None
    sources: SourceIds

    @model_validator(mode="after")
    def _consistent(self) -> "Instrument":
        codes = [i.code for i in self.items]
        if len(codes) != len(set(codes)):
            raise ValueError(f"{self.code}: an item appears twice")
        unknown = set(self.scoring.items_scored) - set(codes)
        if unknown:
            raise ValueError(f"{self.code}: scoring reads unknown items {sorted(unknown)}")
        if self.licensed and any(i.text or any(o.label for o in i.options) for i in self.items):
            raise ValueError(f"{self.code}: a licensed instrument's wording is never shipped")
        if not self.licensed and any(i.text is None for i in self.items):
            raise ValueError(f"{self.code}: an item needs its words")
        if self.scoring.method == "lookup":
            self._check_table()
        return self

    def _check_table(self) -> None:
        scored = [i for i in self.items if i.code in self.scored_items]
        top = sum(max(o.value for o in i.options) for i in scored)
        bottom = sum(min(o.value for o in i.options) for i in scored)
        table = self.scoring.table
        if len(table) != top + 1 or bottom != 0:
            raise ValueError(f"{self.code}: the table needs one score per raw sum 0 to {top}")
        if not self.scoring.table_sources:
            raise ValueError(f"{self.code}: the table needs its sources")
        if any(not self.scoring.low <= v <= self.scoring.high for v in table):
            raise ValueError(f"{self.code}: a table score is outside the score's range")

    @property
    def scored_items(self) -> tuple[str, ...]:
        return self.scoring.items_scored or tuple(i.code for i in self.items)


class InstrumentsFile(Strict):
    """instruments.yaml."""

    instruments: tuple[Instrument, ...]

    @model_validator(mode="after")
    def _distinct(self) -> "InstrumentsFile":
        if len({i.code for i in self.instruments}) != len(self.instruments):
            raise ValueError("an instrument appears twice")
        return self
