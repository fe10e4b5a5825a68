"""Turn a decision into a CDS Hooks card.

A summary under 140 characters, an indicator, a source, the reasons in Markdown, a uuid
(feedback names the card by it) and the reasons a clinician may give for overriding it.
"""

import uuid
from typing import Any

from coxa.catalogue.schema import Catalogue
from coxa.decisions.domain.findings import Candidacy, Decision, Finding, Outcome, Readiness

SUMMARY_LIMIT = 139  # CDS Hooks 2.0: "<140-character summary"
CANDIDACY = {
    Candidacy.INDICATED: "suitable",
    Candidacy.CAUTION: "suitable only with cautions a surgeon must weigh",
    Candidacy.CONTRAINDICATED: "not suitable",
    Candidacy.INSUFFICIENT_DATA: "needs more information",
}
# Why a clinician overrides a decision card: Coxa's own codes (CDS Hooks 2.0 leaves override
# reasons to each service), offered on every card about a hip and echoed back in feedback.
OVERRIDE_REASON_SYSTEM = "urn:coxa:cds:override-reason"
OVERRIDE_REASONS = {
    "record-incomplete": "The EHR's record Coxa read is incomplete or out of date",
    "clinical-judgement": "Clinical judgement for this patient (reasons in the notes)",
    "patient-preference": "The patient chose otherwise after discussion",
    "already-in-hand": "Already in hand (referral, optimisation or review arranged)",
}
READINESS = {
    Readiness.READY: "ready for surgery",
    Readiness.OPTIMISE: "optimise before surgery",
    Readiness.INSUFFICIENT_DATA: "readiness not known",
}


def _summary(side: str, decision: Decision, catalogue: Catalogue) -> str:
    """The procedures are named as the catalogue names them within a sentence."""
    named = {code: p.in_sentence for code, p in catalogue.procedures.items()}
    text = f"{side.title()} hip: {named[decision.procedure]} {CANDIDACY[decision.candidacy]}"
    if decision.alternatives:
        text += f"; consider {named.get(decision.alternatives[0].procedure, 'another')}"
    text += f"; {READINESS[decision.readiness]}"
    return text if len(text) <= SUMMARY_LIMIT else text[: SUMMARY_LIMIT - 1] + "…"


def _shown(finding: Finding) -> bool:
    return finding.outcome not in (Outcome.MET, Outcome.NOT_APPLICABLE)


def _detail(decision: Decision, notes: list[str], catalogue: Catalogue) -> str:
    lines = [f"**Candidacy: {decision.candidacy}. Readiness: {decision.readiness}.**", ""]
    for finding in filter(_shown, decision.findings):
        cited = "; ".join(catalogue.sources[s].title for s in finding.sources)
        lines.append(f"- *{finding.outcome}*: {finding.message} ({cited})")
    lines.extend(f"- Consider {a.procedure}: {a.reason}" for a in decision.alternatives)
    for action in decision.actions:
        due = f" (by {action.due_on.isoformat()})" if action.due_on else ""
        lines.append(f"- Action: {action.text}{due}")
    lines.extend(f"- Note: {note}" for note in notes)
    lines += [
        "",
        f"Coxa catalogue {decision.catalogue_version}. Coxa lists reasons; "
        "the clinical team decides.",
    ]
    return "\n".join(lines)


def _source(decision: Decision, catalogue: Catalogue) -> dict[str, str]:
    source = {"label": f"Coxa hip decision support (catalogue {decision.catalogue_version})"}
    leading = next(filter(_shown, decision.findings), None)
    if leading:
        url = next(
            (catalogue.sources[s].url for s in leading.sources if catalogue.sources[s].url), None
        )
        if url:
            source["url"] = url
    return source


def card(side: str, decision: Decision, notes: list[str], catalogue: Catalogue) -> dict[str, Any]:
    """One card for one hip. Optional attributes are omitted, never null (CDS Hooks 2.0)."""
    warn = decision.candidacy in (Candidacy.CONTRAINDICATED, Candidacy.CAUTION) or (
        decision.readiness is Readiness.OPTIMISE
    )
    return {
        "uuid": str(uuid.uuid4()),
        "summary": _summary(side, decision, catalogue),
        "indicator": "warning" if warn else "info",
        "detail": _detail(decision, notes, catalogue),
        "source": _source(decision, catalogue),
        "overrideReasons": [
            {"system": OVERRIDE_REASON_SYSTEM, "code": code, "display": display}
            for code, display in OVERRIDE_REASONS.items()
        ],
    }


def unsided_card(count: int) -> dict[str, Any]:
    """Hip conditions whose side is not known: none recorded, or the code and site disagree."""
    return {
        "uuid": str(uuid.uuid4()),
        "summary": f"{count} hip condition(s) without a recorded side, or with two sides that "
        "disagree: record left or right",
        "indicator": "info",
        "source": {"label": "Coxa hip decision support"},
    }
