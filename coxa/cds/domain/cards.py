"""Turn a decision into a CDS Hooks card.

A summary under 140 characters, an indicator, a source, and the reasons in Markdown.
"""

import uuid
from typing import Any

from coxa.catalogue.schema import Catalogue

SUMMARY_LIMIT = 139  # CDS Hooks 2.0: "<140-character summary"
CANDIDACY = {
    "indicated": "suitable",
    "caution": "suitable only with cautions a surgeon must weigh",
    "contraindicated": "not suitable",
    "insufficient-data": "needs more information",
}
READINESS = {
    "ready": "ready for surgery",
    "optimise": "optimise before surgery",
    "insufficient-data": "readiness not known",
}


def _summary(side: str, decision: dict[str, Any], catalogue: Catalogue) -> str:
    """The procedures are named as the catalogue names them within a sentence."""
    named = {code: p.in_sentence for code, p in catalogue.procedures.items()}
    text = f"{side.title()} hip: {named[decision['procedure']]} {CANDIDACY[decision['candidacy']]}"
    if decision["alternatives"]:
        text += f"; consider {named.get(decision['alternatives'][0]['procedure'], 'another')}"
    text += f"; {READINESS[decision['readiness']]}"
    return text if len(text) <= SUMMARY_LIMIT else text[: SUMMARY_LIMIT - 1] + "…"


def _detail(decision: dict[str, Any], notes: list[str]) -> str:
    lines = [f"**Candidacy: {decision['candidacy']}. Readiness: {decision['readiness']}.**", ""]
    for finding in decision["findings"]:
        if finding["outcome"] in ("met", "not-applicable"):
            continue
        cited = "; ".join(s["title"] for s in finding["sources"])
        lines.append(f"- *{finding['outcome']}*: {finding['message']} ({cited})")
    lines.extend(f"- Consider {a['procedure']}: {a['reason']}" for a in decision["alternatives"])
    for action in decision["actions"]:
        due = f" (by {action['due_on']})" if action["due_on"] else ""
        lines.append(f"- Action: {action['text']}{due}")
    lines.extend(f"- Note: {note}" for note in notes)
    lines += [
        "",
        f"Coxa catalogue {decision['catalogue_version']}. Coxa lists reasons; "
        "the clinical team decides.",
    ]
    return "\n".join(lines)


def _source(decision: dict[str, Any]) -> dict[str, str]:
    source = {"label": f"Coxa hip decision support (catalogue {decision['catalogue_version']})"}
    leading = next(
        (f for f in decision["findings"] if f["outcome"] not in ("met", "not-applicable")), None
    )
    if leading:
        url = next((s["url"] for s in leading["sources"] if s["url"]), None)
        if url:
            source["url"] = url
    return source


def card(
    side: str, decision: dict[str, Any], notes: list[str], catalogue: Catalogue
) -> dict[str, Any]:
    """One card for one hip. Optional attributes are omitted, never null (CDS Hooks 2.0)."""
    warn = decision["candidacy"] in ("contraindicated", "caution") or (
        decision["readiness"] == "optimise"
    )
    return {
        "uuid": str(uuid.uuid4()),
        "summary": _summary(side, decision, catalogue),
        "indicator": "warning" if warn else "info",
        "detail": _detail(decision, notes),
        "source": _source(decision),
    }


def unsided_card(count: int) -> dict[str, Any]:
    return {
        "uuid": str(uuid.uuid4()),
        "summary": f"{count} hip condition(s) without a recorded side: record left or right "
        "for hip decision support",
        "indicator": "info",
        "source": {"label": "Coxa hip decision support"},
    }
