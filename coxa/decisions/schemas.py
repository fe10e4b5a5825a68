"""HTTP boundary types for decisions."""

import datetime as dt
from typing import Any

from ninja import Schema


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


class DecisionOut(Schema):
    procedure: str
    candidacy: str
    readiness: str
    findings: list[FindingOut]
    alternatives: list[AlternativeOut]
    actions: list[ActionOut]
    catalogue_version: str
