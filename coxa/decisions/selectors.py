"""Reads for decisions: the facts Coxa holds about an episode, and its stored decisions."""

from typing import Any

from coxa.core import clock
from coxa.decisions.models import EpisodeDecision
from coxa.pathways.models import Episode


def document_for_episode(episode: Episode) -> dict[str, Any]:
    """A decision document built from what Coxa holds; what it does not hold stays unknown.

    Today that is the procedure, the hip, and the patient's sex and age. Measurements,
    imaging and medicines join as pre-assessment records them.
    """
    patient = episode.patient
    return {
        "procedure": episode.procedure,
        "patient": {
            "sex": patient.sex,
            "age_years": patient.age_on(clock.today()),
        },
        "hip": {"side": episode.side},
    }


def decisions_of(episode: Episode, *, limit: int = 20) -> list[EpisodeDecision]:
    return list(
        EpisodeDecision.objects.filter(episode=episode)
        .select_related("decided_by")
        .order_by("-decided_at", "-id")[:limit]
    )
