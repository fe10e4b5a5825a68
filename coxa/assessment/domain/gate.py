"""The one gate for "ready for surgery": what must hold, and each reason it does not. Pure.

A hip is ready only when all of these hold, judged today and again as of the operation day
when one is set (a result that is valid today but expires before the operation does not
count):

- candidacy is ``indicated``, or ``caution`` with every caution acknowledged by a surgeon;
- readiness is ``ready`` (no gate to correct, no gating fact unknown, no medicine waiting
  for a clinician's decision);
- every requirement of the procedure in the catalogue is recorded and still valid.

The readiness service moves episodes by this gate (forward to ready, back when it stops
holding), and booking and signing the operation note refuse when it does not hold. Nothing
else decides readiness.
"""

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum

from coxa.assessment.domain.requirements import FEEDS, RequirementRow, RequirementStatus
from coxa.core.errors import ErrorCode
from coxa.decisions.domain.findings import Candidacy, Decision, Kind, Outcome, Readiness


class GateCode(StrEnum):
    CONTRAINDICATED = "contraindicated"
    CANDIDACY_UNKNOWN = "candidacy-unknown"
    CAUTION_UNACKNOWLEDGED = "caution-unacknowledged"
    OPTIMISE = "optimise"
    READINESS_UNKNOWN = "readiness-unknown"
    REQUIREMENT_MISSING = "requirement-missing"
    REQUIREMENT_EXPIRED = "requirement-expired"
    EXPIRES_BEFORE_OPERATION = "expires-before-operation"

    @property
    def error(self) -> ErrorCode:
        """The error code a refusal for this reason carries (``gate-`` and the reason)."""
        return _GATE_ERRORS[self]


_GATE_ERRORS = {
    GateCode.CONTRAINDICATED: ErrorCode.GATE_CONTRAINDICATED,
    GateCode.CANDIDACY_UNKNOWN: ErrorCode.GATE_CANDIDACY_UNKNOWN,
    GateCode.CAUTION_UNACKNOWLEDGED: ErrorCode.GATE_CAUTION_UNACKNOWLEDGED,
    GateCode.OPTIMISE: ErrorCode.GATE_OPTIMISE,
    GateCode.READINESS_UNKNOWN: ErrorCode.GATE_READINESS_UNKNOWN,
    GateCode.REQUIREMENT_MISSING: ErrorCode.GATE_REQUIREMENT_MISSING,
    GateCode.REQUIREMENT_EXPIRED: ErrorCode.GATE_REQUIREMENT_EXPIRED,
    GateCode.EXPIRES_BEFORE_OPERATION: ErrorCode.GATE_EXPIRES_BEFORE_OPERATION,
}
UNKNOWN_CODES = frozenset({GateCode.CANDIDACY_UNKNOWN, GateCode.READINESS_UNKNOWN})
# Problems about a requirement name their own dates.
REQUIREMENT_CODES = frozenset(
    {
        GateCode.REQUIREMENT_MISSING,
        GateCode.REQUIREMENT_EXPIRED,
        GateCode.EXPIRES_BEFORE_OPERATION,
    }
)


@dataclass(frozen=True, slots=True)
class GateProblem:
    code: GateCode
    ref: str  # the rule id or requirement code it is about
    message: str
    on_operation_day: bool = False  # found only by judging the operation day

    @property
    def text(self) -> str:
        """The message as shown: what holds only by the operation day says so."""
        if self.on_operation_day and self.code in UNKNOWN_CODES:
            return f"By the operation day this will be out of date: {self.message}"
        if self.on_operation_day and self.code not in REQUIREMENT_CODES:
            return f"By the operation day: {self.message}"
        return self.message

    def as_dict(self) -> dict[str, object]:
        return {
            "code": self.code.value,
            "ref": self.ref,
            "message": self.text,
            "on_operation_day": self.on_operation_day,
        }


@dataclass(frozen=True, slots=True)
class Gate:
    """The gate's verdict for one episode, judged for ``on`` (the operation day, or today)."""

    on: dt.date
    problems: tuple[GateProblem, ...]

    @property
    def holds(self) -> bool:
        return not self.problems

    @property
    def reason(self) -> str:
        """One line for a state change's reason and the audit."""
        return " ".join(p.text for p in self.problems)

    def as_dict(self) -> dict[str, object]:
        return {
            "on": self.on.isoformat(),
            "holds": self.holds,
            "problems": [p.as_dict() for p in self.problems],
        }


def cautions(decision: Decision) -> dict[str, str]:
    """The candidacy cautions: rule id to the finding's message."""
    return {
        f.rule_id: f.message
        for f in decision.findings
        if f.kind is Kind.CANDIDACY and f.outcome is Outcome.CAUTION
    }


def _candidacy(decision: Decision, acknowledged: Mapping[str, str]) -> list[GateProblem]:
    if decision.candidacy is Candidacy.CONTRAINDICATED:
        return [
            GateProblem(GateCode.CONTRAINDICATED, f.rule_id, f"Not a candidate: {f.message}")
            for f in decision.findings
            if f.outcome is Outcome.CONTRAINDICATED
        ]
    if decision.candidacy is Candidacy.INSUFFICIENT_DATA:
        return [
            GateProblem(GateCode.CANDIDACY_UNKNOWN, f.rule_id, f.message)
            for f in decision.findings
            if f.kind is Kind.CANDIDACY and f.gating and f.outcome is Outcome.UNKNOWN
        ]
    return [
        GateProblem(
            GateCode.CAUTION_UNACKNOWLEDGED,
            rule_id,
            f"A surgeon must acknowledge this caution: {message}",
        )
        for rule_id, message in cautions(decision).items()
        if acknowledged.get(rule_id) != message  # the very finding, not only its rule
    ]


def _readiness(decision: Decision) -> list[GateProblem]:
    if decision.readiness is Readiness.READY:
        return []
    wanted = Outcome.OPTIMISE if decision.readiness is Readiness.OPTIMISE else Outcome.UNKNOWN
    code = GateCode.OPTIMISE if wanted is Outcome.OPTIMISE else GateCode.READINESS_UNKNOWN
    return [
        GateProblem(code, f.rule_id, f.message)
        for f in decision.findings
        if f.kind is Kind.READINESS and f.gating and f.outcome is wanted
    ]


def _repeat_from(status: RequirementRow, operation_on: dt.date) -> dt.date:
    """The first day a repeat would still be valid on the operation day."""
    if status.recorded_on is None or status.expires_on is None:
        return operation_on
    return operation_on - (status.expires_on - status.recorded_on)


def _requirements(
    statuses: Iterable[RequirementRow], *, as_of: dt.date, today: dt.date
) -> list[GateProblem]:
    problems = []
    for status in statuses:
        if status.status is RequirementStatus.MISSING:
            problems.append(
                GateProblem(
                    GateCode.REQUIREMENT_MISSING, status.code, f"{status.title}: not recorded."
                )
            )
        elif status.status is RequirementStatus.EXPIRED and status.expires_on is not None:
            lapses = status.expires_on >= today
            problems.append(
                GateProblem(
                    GateCode.EXPIRES_BEFORE_OPERATION if lapses else GateCode.REQUIREMENT_EXPIRED,
                    status.code,
                    f"{status.title}: valid until {status.expires_on:%d %b %Y}, before the "
                    f"operation on {as_of:%d %b %Y}; repeat it on or after "
                    f"{_repeat_from(status, as_of):%d %b %Y}."
                    if lapses
                    else f"{status.title}: expired on {status.expires_on:%d %b %Y}.",
                )
            )
    return problems


def judge(
    decision: Decision,
    statuses: Iterable[RequirementRow],
    *,
    acknowledged: Mapping[str, str],
    as_of: dt.date,
    today: dt.date,
) -> list[GateProblem]:
    """Every reason the gate fails for a decision and requirement statuses judged ``as_of``.

    A requirement missing or out of date is named once: the "not recorded" of the rules it
    feeds is left out (the gate fails either way).
    """
    requirements = _requirements(statuses, as_of=as_of, today=today)
    explained = frozenset().union(*(FEEDS.get(p.ref, frozenset()) for p in requirements))
    rules = [
        p
        for p in _candidacy(decision, acknowledged) + _readiness(decision)
        if not (p.code in UNKNOWN_CODES and p.ref in explained)
    ]
    return rules + requirements


def combine(on: dt.date, *judged: list[GateProblem]) -> Gate:
    """One gate from several judgements (today's first): each problem and message once."""
    seen: set[tuple[GateCode, str] | str] = set()
    kept = []
    for problems in judged:
        for problem in problems:
            key = (problem.code, problem.ref)
            if key in seen or problem.text in seen:  # two rules can miss the same fact
                continue
            seen |= {key, problem.text}
            kept.append(problem)
    return Gate(on, tuple(kept))
