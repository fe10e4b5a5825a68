"""What the engine says: findings with their reasons, verdicts, alternatives and actions."""

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, NamedTuple

from coxa.catalogue.schema import Catalogue
from coxa.catalogue.schema_medicines import MedicationStop
from coxa.decisions.domain.document import Facts
from coxa.decisions.domain.medicines import MedicineStop, advice_for, medicine_stops


class Outcome(StrEnum):
    MET = "met"  # the rule's condition holds
    CONTRAINDICATED = "contraindicated"  # candidacy: a hard stop
    CAUTION = "caution"  # candidacy: allowed, with a named risk
    OPTIMISE = "optimise"  # readiness: correct this before surgery
    UNKNOWN = "unknown"  # a fact the rule needs is missing: never a pass
    NOT_APPLICABLE = "not-applicable"  # the rule does not apply to this patient


class Candidacy(StrEnum):
    """The candidacy verdict, from least to most serious."""

    INDICATED = "indicated"
    CAUTION = "caution"  # indicated, with named risks a surgeon must acknowledge
    INSUFFICIENT_DATA = "insufficient-data"
    CONTRAINDICATED = "contraindicated"

    @property
    def label(self) -> str:
        """The verdict in words, as pages and letters show it."""
        return CANDIDACY_LABELS[self]


CANDIDACY_LABELS: dict[Candidacy, str] = {
    Candidacy.INDICATED: "Suitable",
    Candidacy.CAUTION: "Suitable with cautions a surgeon must acknowledge",
    Candidacy.INSUFFICIENT_DATA: "Not yet known: facts are missing",
    Candidacy.CONTRAINDICATED: "Not suitable",
}


class Readiness(StrEnum):
    READY = "ready"
    INSUFFICIENT_DATA = "insufficient-data"
    OPTIMISE = "optimise"

    @property
    def label(self) -> str:
        """The measured gates' verdict in words."""
        return READINESS_LABELS[self]


READINESS_LABELS: dict[Readiness, str] = {
    Readiness.READY: "Ready",
    Readiness.INSUFFICIENT_DATA: "Not yet known: measurements are missing",
    Readiness.OPTIMISE: "Needs optimising",
}


class Kind(StrEnum):
    CANDIDACY = "candidacy"
    READINESS = "readiness"


class Finding(NamedTuple):
    """One rule's verdict on the facts, with its reason, sources and the facts it used.

    A NamedTuple rather than a frozen dataclass: as immutable, and several times cheaper to
    build, which matters at tens of thousands of evaluations a second.
    """

    rule_id: str
    rule_version: int
    kind: Kind
    outcome: Outcome
    message: str
    sources: tuple[str, ...]
    facts: Mapping[str, Any]
    gating: bool = True  # does UNKNOWN here make the verdict insufficient-data?

    def as_dict(self, catalogue: Catalogue) -> dict[str, Any]:
        return {
            "rule_id": self.rule_id,
            "rule_version": self.rule_version,
            "kind": self.kind.value,
            "outcome": self.outcome.value,
            "message": self.message,
            "sources": [
                {"id": s, "title": catalogue.sources[s].title, "url": catalogue.sources[s].url}
                for s in self.sources
            ],
            "facts": {k: _plain(v) for k, v in self.facts.items()},
        }


def _plain(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    return value


@dataclass(frozen=True, slots=True)
class Action:
    code: str
    text: str
    due_on: dt.date | None
    sources: tuple[str, ...]

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "text": self.text,
            "due_on": self.due_on.isoformat() if self.due_on else None,
            "sources": list(self.sources),
        }


@dataclass(frozen=True, slots=True)
class Alternative:
    procedure: str
    reason: str


class Context:
    """What a rule may read besides the facts: the catalogue's thresholds and settings.

    Threshold values and their sources are read out of the catalogue once, here.
    """

    __slots__ = ("_cited", "_values", "catalogue", "medication_advice")

    def __init__(self, catalogue: Catalogue) -> None:
        self.catalogue = catalogue
        self._values = {k: t.value for k, t in catalogue.thresholds.items()}
        self._cited: dict[tuple[str, ...], tuple[str, ...]] = {}
        policy = catalogue.settings.medication_stop_policy
        self.medication_advice: dict[str, dict[tuple[str, str | None], MedicationStop]] = {
            code: advice_for(catalogue.medication_stops, policy, code)
            for code in catalogue.procedures
        }

    def medicine_stops(self, facts: Facts) -> tuple[MedicineStop, ...]:
        """The one answer to "what happens to each medicine", for every reader."""
        procedure = self.catalogue.procedures.get(facts.procedure)
        high = procedure is not None and procedure.bleeding_risk.level == "high"
        return medicine_stops(
            facts.medications,
            vascular_history=facts.coronary_stent_or_recent_acs,
            advice=self.medication_advice.get(facts.procedure, {}),
            operation_on=facts.planned_operation_date,
            timings=self.catalogue.anticoagulant_timings if high else (),
        )

    def value(self, key: str) -> float:
        return self._values[key]

    def sources(self, *keys: str) -> tuple[str, ...]:
        """The sources of one or more thresholds, each once, in order."""
        return self.cite((), *keys)

    def cite(self, extra: tuple[str, ...], *keys: str) -> tuple[str, ...]:
        """``extra`` sources followed by those of the thresholds; worked out once per set."""
        memo_key = (*extra, "|", *keys)
        cited = self._cited.get(memo_key)
        if cited is None:
            found = list(extra)
            for key in keys:
                found.extend(s for s in self.catalogue.thresholds[key].sources if s not in found)
            cited = self._cited[memo_key] = tuple(found)
        return cited


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    version: int
    kind: Kind
    procedures: frozenset[str] | None  # None: every procedure
    gating: bool
    check: Callable[[Facts, Context], tuple[Outcome, str, tuple[str, ...], Mapping[str, Any]]]

    def applies_to(self, procedure: str) -> bool:
        return self.procedures is None or procedure in self.procedures


def rule(
    rule_id: str,
    *,
    version: int,
    kind: Kind,
    procedures: tuple[str, ...] | None = None,
    gating: bool = True,
) -> Callable[[Callable[..., Any]], Rule]:
    """Make a rule of a pure function ``(facts, context) -> (outcome, message, sources, used)``."""

    def wrap(check: Callable[..., Any]) -> Rule:
        return Rule(
            rule_id,
            version,
            kind,
            None if procedures is None else frozenset(procedures),
            gating,
            check,
        )

    return wrap


@dataclass(frozen=True)
class Decision:
    procedure: str
    candidacy: Candidacy
    readiness: Readiness
    findings: tuple[Finding, ...]
    alternatives: tuple[Alternative, ...]
    actions: tuple[Action, ...]
    catalogue_version: str
    rule_versions: dict[str, int] = field(default_factory=dict)
    medicine_stops: tuple[MedicineStop, ...] = ()

    def as_dict(self, catalogue: Catalogue) -> dict[str, Any]:
        return {
            "procedure": self.procedure,
            "candidacy": self.candidacy.value,
            "readiness": self.readiness.value,
            "findings": [f.as_dict(catalogue) for f in self.findings],
            "alternatives": [
                {"procedure": a.procedure, "reason": a.reason} for a in self.alternatives
            ],
            "actions": [a.as_dict() for a in self.actions],
            "medication_stops": [s.as_dict() for s in self.medicine_stops],
            "catalogue_version": self.catalogue_version,
        }
