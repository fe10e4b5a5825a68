"""HTTP boundary types for decisions."""

import datetime as dt
import uuid
from typing import Any

from ninja import Schema

from coxa.decisions.models import EpisodeDecision


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


class StoredDecisionOut(Schema):
    id: uuid.UUID
    decided_at: dt.datetime
    decided_by: str
    catalogue_version: str
    catalogue_hash: str
    rule_versions: dict[str, int]
    document: dict[str, Any]
    decision: DecisionOut

    @classmethod
    def of(cls, stored: EpisodeDecision) -> "StoredDecisionOut":
        return cls(
            id=stored.public_id,
            decided_at=stored.decided_at,
            decided_by=stored.decided_by.username if stored.decided_by else "coxa",
            catalogue_version=stored.catalogue_version,
            catalogue_hash=stored.catalogue_hash,
            rule_versions=stored.rule_versions,
            document=stored.document,
            decision=DecisionOut.model_validate(stored.result),
        )
