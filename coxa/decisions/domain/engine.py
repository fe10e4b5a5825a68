"""The decision engine: run the rules, combine their findings, list alternatives and actions.

Pure and deterministic. The candidacy verdict is at least as serious as its most serious
finding: ``contraindicated`` if any rule says so, else ``insufficient-data`` if any gating
rule lacks a fact, else ``caution`` if any rule names a risk (a surgeon must acknowledge it
before the hip can be ready), else ``indicated``. Readiness is ``optimise`` if any gate needs
correcting, else ``insufficient-data`` if any gate lacks a fact, else ``ready``. Missing data
is never a pass.
"""

import datetime as dt

from coxa.catalogue.schema import Catalogue
from coxa.decisions.domain.document import Facts
from coxa.decisions.domain.findings import (
    Action,
    Alternative,
    Candidacy,
    Context,
    Decision,
    Finding,
    Kind,
    Outcome,
    Readiness,
    Rule,
)
from coxa.decisions.domain.medicines import MedicineStop
from coxa.decisions.domain.rules import ALL_RULES

# What to do about each gate that needs correcting: (code, text, days before the operation).
_GATE_ACTIONS: dict[str, tuple[str, str, str | None]] = {
    "readiness.bmi": ("weight-management", "Refer for weight management before surgery.", None),
    "readiness.blood-pressure": (
        "refer-gp-blood-pressure",
        "Refer to the GP to bring blood pressure down.",
        None,
    ),
    "readiness.anaemia": ("anaemia-work-up", "Investigate and treat the anaemia.", None),
    "readiness.hba1c": (
        "diabetes-optimisation",
        "Optimise diabetes control with the GP or the diabetes team.",
        None,
    ),
    "readiness.smoking": (
        "stop-smoking",
        "Stop smoking, with support from the stop-smoking service.",
        "smoking-stop-weeks",
    ),
    "readiness.medicines": (
        "medicine-review",
        "A clinician decides whether and when to stop the medicines named, and records it.",
        None,
    ),
    "readiness.haemoglobinopathy": (
        "haematology-referral",
        "Refer to haematology for a plan for the operation (transfusion and care around it).",
        None,
    ),
    "readiness.pregnancy": (
        "pregnancy-review",
        "The surgeon decides whether to postpone: the operation uses X-rays.",
        None,
    ),
    "readiness.heart-valve": (
        "medicine-review",
        "Check the medicines against the mechanical heart valve, and record the "
        "anticoagulation plan.",
        None,
    ),
}


def _days_before(date: dt.date | None, days: float | None) -> dt.date | None:
    if date is None or days is None:
        return None
    return date - dt.timedelta(days=days)


def _gate_actions(optimise: list[Finding], facts: Facts, context: Context) -> list[Action]:
    actions = []
    for finding in optimise:
        found = _GATE_ACTIONS.get(finding.rule_id)
        if found is None:
            continue
        code, text, threshold = found
        days = context.value(threshold) * 7 if threshold else None
        due = _days_before(facts.planned_operation_date, days)
        actions.append(Action(code, text, due, finding.sources))
    return actions


def _medicine_actions(stops: tuple[MedicineStop, ...]) -> list[Action]:
    return [
        Action(
            f"{stop.action}-{stop.drug_class}",
            f"{stop.medication}: {stop.advice}",
            stop.stop_on,
            stop.sources,
        )
        for stop in stops
        if stop.action != "review"  # a clinician decides: the review action covers it
    ]


def _alternatives(
    findings: list[Finding], facts: Facts, catalogue: Catalogue, candidacy: Candidacy
) -> tuple[Alternative, ...]:
    fallback = catalogue.procedures[facts.procedure].converts_to
    if candidacy is not Candidacy.CONTRAINDICATED or fallback is None:
        return ()
    reasons = "; ".join(f.message for f in findings if f.outcome is Outcome.CONTRAINDICATED)
    return (Alternative(fallback, reasons),)


_CONTEXTS: dict[str, Context] = {}
_APPLICABLE: dict[tuple[int, str], tuple[tuple[Rule, ...], dict[str, int]]] = {}


def _applicable(rules: tuple[Rule, ...], procedure: str) -> tuple[tuple[Rule, ...], dict[str, int]]:
    """The rules for a procedure and their versions, worked out once per rule set."""
    key = (id(rules), procedure)
    found = _APPLICABLE.get(key)
    if found is None:
        chosen = tuple(r for r in rules if r.applies_to(procedure))
        found = _APPLICABLE[key] = (chosen, {r.id: r.version for r in chosen})
    return found


def _context(catalogue: Catalogue) -> Context:
    context = _CONTEXTS.get(catalogue.content_hash)
    if context is None or context.catalogue is not catalogue:
        context = _CONTEXTS[catalogue.content_hash] = Context(catalogue)
    return context


def evaluate(facts: Facts, catalogue: Catalogue, rules: tuple[Rule, ...] = ALL_RULES) -> Decision:
    """Evaluate one procedure for one hip; the catalogue supplies thresholds and settings.

    One pass over the rules builds the findings and the verdicts together: at tens of
    thousands of evaluations a second, each extra pass over the findings shows.
    """
    context = _context(catalogue)
    applicable, versions = _applicable(rules, facts.procedure)
    findings: list[Finding] = []
    optimise: list[Finding] = []
    contraindicated = candidacy_unknown = readiness_unknown = caution = False
    new = tuple.__new__  # builds the NamedTuple without its generated constructor's overhead
    for rule in applicable:
        outcome, message, sources, used = rule.check(facts, context)
        finding = new(
            Finding,
            (rule.id, rule.version, rule.kind, outcome, message, sources, used, rule.gating),
        )
        findings.append(finding)
        if outcome is Outcome.UNKNOWN:
            if rule.gating:
                if rule.kind is Kind.CANDIDACY:
                    candidacy_unknown = True
                else:
                    readiness_unknown = True
        elif outcome is Outcome.CONTRAINDICATED:
            contraindicated = True
        elif outcome is Outcome.OPTIMISE:
            optimise.append(finding)
        elif outcome is Outcome.CAUTION:
            caution = True
    candidacy = (
        Candidacy.CONTRAINDICATED
        if contraindicated
        else Candidacy.INSUFFICIENT_DATA
        if candidacy_unknown
        else Candidacy.CAUTION
        if caution
        else Candidacy.INDICATED
    )
    readiness = (
        Readiness.OPTIMISE
        if optimise
        else Readiness.INSUFFICIENT_DATA
        if readiness_unknown
        else Readiness.READY
    )
    stops = context.medicine_stops(facts)
    actions = _gate_actions(optimise, facts, context) + _medicine_actions(stops)
    return Decision(
        procedure=facts.procedure,
        candidacy=candidacy,
        readiness=readiness,
        findings=tuple(findings),
        alternatives=_alternatives(findings, facts, catalogue, candidacy),
        actions=tuple(actions),
        catalogue_version=catalogue.version,
        rule_versions=dict(versions),
        medicine_stops=stops,
    )
