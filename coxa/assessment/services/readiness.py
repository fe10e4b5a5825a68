"""Readiness of an episode.

Evaluate it on the facts held, keep the stored readiness current, move the episode between
listed, optimising and ready with the reasons, and plan the operation.
"""

import datetime as dt
from typing import Any

from django.db import transaction

from coxa.accounts.models import User
from coxa.assessment import selectors
from coxa.assessment.domain.facts import document_for
from coxa.assessment.domain.requirements import GATE_ACTION, assess, medication_stops
from coxa.assessment.models import Readiness
from coxa.catalogue.loader import get_catalogue
from coxa.core import audit, clock
from coxa.decisions.domain.document import read_document
from coxa.decisions.domain.engine import evaluate
from coxa.decisions.domain.findings import Decision
from coxa.pathways import services as pathways
from coxa.pathways.domain import EpisodeState
from coxa.pathways.models import Episode


def evaluate_episode(episode: Episode) -> tuple[Decision, dict[str, Any], dict[str, Any]]:
    """The decision on the facts held, the document it was made on, and the panel."""
    catalogue = get_catalogue()
    procedure = catalogue.procedures[episode.procedure]
    valid_days = {r.code: r.valid_days for r in procedure.requirements}
    held = selectors.held_for(episode)
    today = clock.today()
    document, dates = document_for(held, valid_days=valid_days, today=today)
    decision = evaluate(
        read_document(document, procedure_codes=tuple(catalogue.procedures)), catalogue
    )
    actions = {a.code: a.text for a in decision.actions}
    abnormal = {
        f.rule_id: _action_text(f.rule_id, actions)
        for f in decision.findings
        if f.outcome.value == "optimise"
    }
    done = selectors.action_dates(episode)
    statuses = [
        assess(r, dates=dates, abnormal=abnormal, actions=done, today=today)
        for r in procedure.requirements
    ]
    policy = catalogue.settings.medication_stop_policy
    advice: dict[str, tuple[str, int | None, int | None, str, tuple[str, ...]]] = {
        s.drug_class: (s.action, s.days_before, s.restart_days_after, s.text, tuple(s.sources))
        for s in catalogue.medication_stops
        if s.policy == policy
    }
    stops = medication_stops(
        [(n, c) for n, c, active, _ in held.medications if active], advice, episode.operation_on
    )
    panel = {
        "readiness": decision.readiness,
        "candidacy": decision.candidacy,
        "requirements": [
            {
                "code": s.code,
                "title": s.title,
                "status": s.status,
                "recorded_on": _iso(s.recorded_on),
                "expires_on": _iso(s.expires_on),
                "action": s.action,
                "action_code": s.action_code,
                "actioned_on": _iso(s.actioned_on),
            }
            for s in statuses
        ],
        "medication_stops": [
            {
                "medication": s.medication,
                "class": s.drug_class,
                "action": s.action,
                "stop_on": _iso(s.stop_on),
                "restart_on": _iso(s.restart_on),
                "advice": s.advice,
                "sources": list(s.sources),
            }
            for s in stops
        ],
        "findings": decision.as_dict(catalogue)["findings"],
        "operation_on": _iso(episode.operation_on),
        "policy": policy,
    }
    return decision, document, panel


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None


def _action_text(rule_id: str, actions: dict[str, str]) -> str:
    return actions.get(GATE_ACTION[rule_id], "See the finding.")


def refresh(episode: Episode, *, by: User | None, via: audit.Via) -> Readiness:
    """Recompute the episode's readiness; move it to optimising or ready when that changes."""
    decision, _, panel = evaluate_episode(episode)
    requirements = panel["requirements"]
    expiries = [
        r["expires_on"]
        for r in requirements
        if r["status"] in ("met", "abnormal") and r["expires_on"]
    ]
    stops = [s["stop_on"] for s in panel["medication_stops"] if s["stop_on"]]
    readiness, _ = Readiness.objects.update_or_create(
        episode=episode,
        defaults={
            "readiness": decision.readiness,
            "candidacy": decision.candidacy,
            "missing_count": sum(r["status"] == "missing" for r in requirements),
            "expired_count": sum(r["status"] == "expired" for r in requirements),
            "abnormal_count": sum(r["status"] == "abnormal" for r in requirements),
            "unactioned_count": sum(
                r["status"] == "abnormal" and not r["actioned_on"] for r in requirements
            ),
            "expires_on": min(expiries) if expiries else None,
            "first_stop_on": min(stops) if stops else None,
            "panel": panel,
            "computed_at": clock.now(),
        },
    )
    if by is not None:
        _move_for(episode, decision, by=by, via=via)
    return readiness


def _move_for(episode: Episode, decision: Decision, *, by: User, via: audit.Via) -> None:
    """BMI 40 or more (or any gate) puts a listed episode in optimising; ready when all pass."""
    state = episode.state_enum
    gates = [
        f.message
        for f in decision.findings
        if f.kind.value == "readiness" and f.outcome.value == "optimise"
    ]
    target, reason = None, ""
    if decision.readiness == "optimise" and state in (
        EpisodeState.LISTED,
        EpisodeState.READY,
        EpisodeState.SCHEDULED,
    ):
        target, reason = EpisodeState.OPTIMISING, "Readiness gates to correct: " + " ".join(gates)
    elif decision.readiness == "ready" and state in (EpisodeState.LISTED, EpisodeState.OPTIMISING):
        target, reason = EpisodeState.READY, "All readiness gates pass."
    if target is not None:
        pathways.move_episode(episode=episode, to=target.value, reason=reason, by=by, via=via)
        episode.refresh_from_db()


@transaction.atomic
def plan_operation(
    *, episode: Episode, operation_on: dt.date | None, by: User, via: audit.Via, reason: str = ""
) -> Episode:
    """Set the planned operation date; medication stop dates and the letter follow it."""
    episode = pathways.set_operation_date(
        episode=episode, operation_on=operation_on, by=by, via=via, reason=reason
    )
    refresh(episode, by=None, via=via)
    return episode
