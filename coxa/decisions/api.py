"""API: evaluate a decision document, or decide on an episode from the facts Coxa holds."""

import uuid
from typing import Any

from django.http import HttpRequest
from ninja import Router, Status

from coxa.accounts.api import actor
from coxa.catalogue.loader import get_catalogue
from coxa.core.audit import Via
from coxa.decisions import selectors, services
from coxa.decisions.domain.document import DecisionDocument, facts_of
from coxa.decisions.domain.engine import evaluate
from coxa.decisions.schemas import DecisionOut, StoredDecisionOut
from coxa.pathways.selectors import access_episode

router = Router(tags=["decisions"])


@router.post("/decisions", response=DecisionOut)
def create_decision(request: HttpRequest, payload: DecisionDocument) -> dict[str, Any]:
    """Evaluate candidacy and readiness for one procedure on one hip.

    Nothing is stored: the document carries its own facts and names no patient. Measurements
    are `{"value", "unit"}` in UCUM units, converted or refused.
    """
    actor(request)
    catalogue = get_catalogue()
    facts = facts_of(payload, procedure_codes=tuple(catalogue.procedures))
    return evaluate(facts, catalogue).as_dict(catalogue)


@router.post("/episodes/{episode_id}/decisions", response={201: StoredDecisionOut})
def decide_episode(request: HttpRequest, episode_id: uuid.UUID) -> Status[StoredDecisionOut]:
    """Evaluate the episode's procedure on the facts Coxa holds, and store the decision."""
    user = actor(request)
    episode = access_episode(actor=user, episode_id=episode_id, via=Via.API)
    stored = services.decide_for_episode(episode=episode, by=user, via=Via.API)
    return Status(201, StoredDecisionOut.of(stored))


@router.get("/episodes/{episode_id}/decisions", response=list[StoredDecisionOut])
def episode_decisions(request: HttpRequest, episode_id: uuid.UUID) -> list[StoredDecisionOut]:
    """The episode's stored decisions, newest first."""
    episode = access_episode(actor=actor(request), episode_id=episode_id, via=Via.API)
    return [StoredDecisionOut.of(d) for d in selectors.decisions_of(episode)]
