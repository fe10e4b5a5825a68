"""The readiness panel: what pre-assessment tells every other app about a hip. Pure.

``services/readiness.evaluate_episode`` builds it; pages, letters, the API, surgery's
booking and the demo read its attributes (enums and dates, never strings to compare). The
stored row (``Readiness.panel``) and the API keep their plain-data shape: ``as_json``.
"""

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from coxa.assessment.domain.gate import Gate
from coxa.assessment.domain.requirements import RequirementRow, RequirementStatus
from coxa.catalogue.schema import Catalogue
from coxa.decisions.domain.findings import Candidacy, Finding, Readiness
from coxa.decisions.domain.medicines import MedicineStop


@dataclass(frozen=True, slots=True)
class Caution:
    """A candidacy caution (today's, or one the operation day brings), acknowledged or not."""

    rule_id: str
    message: str
    acknowledged: bool


@dataclass(frozen=True, slots=True)
class Acknowledgement:
    """The surgeon's acknowledgement of the cautions in force."""

    by: str  # the surgeon's name as shown
    at: dt.datetime
    reason: str
    cautions: Mapping[str, str]  # rule id to the finding acknowledged


@dataclass(frozen=True, slots=True)
class Panel:
    """An episode's readiness: candidacy, gate, requirements and medicine stops."""

    readiness: Readiness  # the measured gates' verdict
    candidacy: Candidacy
    cautions: tuple[Caution, ...]
    acknowledgement: Acknowledgement | None
    gate: Gate  # ready for surgery only when this holds
    requirements: tuple[RequirementRow, ...]
    medication_stops: tuple[MedicineStop, ...]
    # Are the medicines known at all (reviewed, and recently)? The letter must not say
    # "keep taking your usual medicines" when no one has asked.
    medicines_known: bool
    findings: tuple[Finding, ...]
    operation_on: dt.date | None
    policy: str  # the catalogue's medication stop policy
    catalogue_version: str

    def count(self, status: RequirementStatus) -> int:
        return sum(r.status is status for r in self.requirements)

    @property
    def unactioned(self) -> int:
        """Abnormal requirements whose action is not yet recorded."""
        return sum(r.needs_action for r in self.requirements)

    @property
    def expires_on(self) -> dt.date | None:
        """The first day a met or abnormal requirement runs out."""
        held = (RequirementStatus.MET, RequirementStatus.ABNORMAL)
        days = [r.expires_on for r in self.requirements if r.status in held and r.expires_on]
        return min(days) if days else None

    @property
    def first_stop_on(self) -> dt.date | None:
        days = [s.stop_on for s in self.medication_stops if s.stop_on]
        return min(days) if days else None

    @property
    def cautions_waiting(self) -> int:
        """Cautions no surgeon has acknowledged (the stored ``Readiness.cautions_waiting``)."""
        return sum(not c.acknowledged for c in self.cautions)

    @property
    def decisions_waiting(self) -> int:
        """Medicine stops a clinician must decide (the stored ``Readiness.decisions_waiting``)."""
        return sum(s.needs_decision for s in self.medication_stops)

    @property
    def late_stop(self) -> bool:
        return any(s.late for s in self.medication_stops)

    def as_json(self, catalogue: Catalogue) -> dict[str, Any]:
        """The plain-data form: the stored row and the API (``catalogue`` names sources)."""
        acknowledgement = self.acknowledgement
        return {
            "readiness": self.readiness.value,
            "candidacy": self.candidacy.value,
            "cautions": [
                {"rule_id": c.rule_id, "message": c.message, "acknowledged": c.acknowledged}
                for c in self.cautions
            ],
            "acknowledgement": None
            if acknowledgement is None
            else {
                "by": acknowledgement.by,
                "at": acknowledgement.at.isoformat(),
                "reason": acknowledgement.reason,
                "cautions": dict(acknowledgement.cautions),
            },
            "gate": self.gate.as_dict(),
            "requirements": [
                {
                    "code": r.code,
                    "title": r.title,
                    "status": r.status.value,
                    "recorded_on": _iso(r.recorded_on),
                    "expires_on": _iso(r.expires_on),
                    "action": r.action,
                    "action_code": r.action_code,
                    "actioned_on": _iso(r.actioned_on),
                }
                for r in self.requirements
            ],
            "medication_stops": [s.as_dict() for s in self.medication_stops],
            "medicines_known": self.medicines_known,
            "findings": [f.as_dict(catalogue) for f in self.findings],
            "operation_on": _iso(self.operation_on),
            "policy": self.policy,
            "catalogue_version": self.catalogue_version,
        }


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None
