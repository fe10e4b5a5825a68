"""HTTP boundary types for decisions."""

import datetime as dt
from typing import Any

from ninja import Schema
from pydantic import Field


class SourceOut(Schema):
    id: str
    title: str
    url: str | None


class FindingOut(Schema):
    rule_id: str
    rule_version: int
    kind: str
    outcome: str
    message: str
    sources: list[SourceOut]
    facts: dict[str, Any]


class AlternativeOut(Schema):
    procedure: str
    reason: str


class ActionOut(Schema):
    code: str
    text: str
    due_on: dt.date | None
    sources: list[str]


class MedicineStopOut(Schema):
    medication: str
    drug_class: str = Field(alias="class")
    action: str  # stop | continue | review (a clinician decides; no date until they do)
    stop_on: dt.date | None
    restart_on: dt.date | None
    advice: str
    decided: bool
    needs_decision: bool
    why_review: str
    late: bool = False  # its stop day had passed before it was recorded


class DecisionOut(Schema):
    procedure: str
    candidacy: str  # indicated | caution | insufficient-data | contraindicated
    readiness: str
    findings: list[FindingOut]
    alternatives: list[AlternativeOut]
    actions: list[ActionOut]
    medication_stops: list[MedicineStopOut] = []
    catalogue_version: str
