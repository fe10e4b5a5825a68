"""HTTP boundary types for pre-assessment."""

import datetime as dt
import uuid
from typing import Any

from ninja import Schema

from coxa.assessment.domain.panel import Panel
from coxa.assessment.models import EpisodeDecision
from coxa.core.inputs import Day, Reason
from coxa.decisions.schemas import DecisionOut, MedicineStopOut

_META = {
    "id",
    "patient",
    "patient_id",
    "episode",
    "episode_id",
    "recorded_by",
    "recorded_by_id",
    "recorded_at",
    "on",
    "is_current",
    "supersedes",
    "supersedes_id",
    "correction_reason",
    "public_id",
    "created_at",
    "updated_at",
}


class EntryOut(Schema):
    id: uuid.UUID
    kind: str
    on: dt.date
    recorded_at: dt.datetime
    recorded_by: str
    is_current: bool
    supersedes: uuid.UUID | None
    correction_reason: str
    data: dict[str, Any]

    @classmethod
    def of(cls, kind: str, entry: Any) -> "EntryOut":
        data = {
            f.name: getattr(entry, f.name)
            for f in entry._meta.concrete_fields
            if f.name not in _META and f.attname not in _META
        }
        return cls(
            id=entry.public_id,
            kind=kind,
            on=entry.on,
            recorded_at=entry.recorded_at,
            recorded_by=entry.recorded_by.username if entry.recorded_by else "coxa",
            is_current=entry.is_current,
            supersedes=entry.supersedes.public_id if entry.supersedes_id else None,
            correction_reason=entry.correction_reason,
            data=data,
        )


class RequirementOut(Schema):
    code: str
    title: str
    status: str
    recorded_on: dt.date | None
    expires_on: dt.date | None
    action: str | None
    actioned_on: dt.date | None


class CautionOut(Schema):
    rule_id: str
    message: str
    acknowledged: bool


class AcknowledgementOut(Schema):
    by: str
    at: dt.datetime
    reason: str
    cautions: dict[str, str]


class GateProblemOut(Schema):
    code: str
    ref: str
    message: str


class GateOut(Schema):
    on: dt.date  # the day it was judged for: the operation day, or today
    holds: bool
    problems: list[GateProblemOut]


class ReadinessOut(Schema):
    readiness: str
    candidacy: str  # indicated | caution | insufficient-data | contraindicated
    cautions: list[CautionOut]
    acknowledgement: AcknowledgementOut | None
    gate: GateOut  # ready for surgery only when this holds
    operation_on: dt.date | None
    requirements: list[RequirementOut]
    medication_stops: list[MedicineStopOut]
    policy: str
    catalogue_version: str

    @classmethod
    def of(cls, panel: Panel) -> "ReadinessOut":
        ack = panel.acknowledgement
        return cls.model_validate(
            {
                "readiness": panel.readiness.value,
                "candidacy": panel.candidacy.value,
                "cautions": [
                    {"rule_id": c.rule_id, "message": c.message, "acknowledged": c.acknowledged}
                    for c in panel.cautions
                ],
                "acknowledgement": None
                if ack is None
                else {"by": ack.by, "at": ack.at, "reason": ack.reason, "cautions": ack.cautions},
                "gate": {
                    "on": panel.gate.on,
                    "holds": panel.gate.holds,
                    "problems": [
                        {"code": p.code.value, "ref": p.ref, "message": p.text}
                        for p in panel.gate.problems
                    ],
                },
                "operation_on": panel.operation_on,
                "requirements": [
                    {
                        "code": r.code,
                        "title": r.title,
                        "status": r.status.value,
                        "recorded_on": r.recorded_on,
                        "expires_on": r.expires_on,
                        "action": r.action,
                        "actioned_on": r.actioned_on,
                    }
                    for r in panel.requirements
                ],
                "medication_stops": [s.as_dict() for s in panel.medication_stops],
                "policy": panel.policy,
                "catalogue_version": panel.catalogue_version,
            }
        )


class AcknowledgeIn(Schema):
    reason: Reason  # why surgery should go ahead


class OperationDateIn(Schema):
    operation_on: Day | None  # from today to a year ahead
    reason: Reason = ""


class WorklistRowOut(Schema):
    episode_id: uuid.UUID
    patient_id: uuid.UUID
    patient: str
    side: str
    procedure: str
    state: str
    operation_on: dt.date | None
    readiness: str
    flags: list[str]


class WorklistOut(Schema):
    count: int  # counted up to 1,001; see count_capped
    count_capped: bool
    page: int
    page_size: int
    items: list[WorklistRowOut]


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
