"""Decisions stored on an episode, with the catalogue and rule versions they used."""

from coxa.accounts.domain import Capability
from coxa.accounts.models import User
from coxa.accounts.selectors import require
from coxa.assessment.models import EpisodeDecision
from coxa.assessment.services.readiness import evaluate_episode
from coxa.catalogue.loader import get_catalogue
from coxa.core import audit, clock
from coxa.pathways.models import Episode


@audit.atomic()
def decide_for_episode(*, episode: Episode, by: User, via: audit.Via) -> EpisodeDecision:
    """Evaluate the episode on the facts held, store the decision with its versions, audit it."""
    require(by, Capability.RECORD_DECISIONS)
    catalogue = get_catalogue()
    evaluation = evaluate_episode(episode)
    decision, document = evaluation.decision, evaluation.document
    stored = EpisodeDecision.objects.create(
        episode=episode,
        decided_at=clock.now(),
        decided_by=by,
        procedure=decision.procedure,
        candidacy=decision.candidacy,
        readiness=decision.readiness,
        catalogue_version=catalogue.version,
        catalogue_hash=catalogue.content_hash,
        rule_versions=decision.rule_versions,
        document=document,
        result=decision.as_dict(catalogue),
    )
    audit.record(
        actor=by,
        action="decision.record",
        object_type="episode",
        object_id=episode.public_id,
        patient_id=episode.patient.public_id,
        summary=f"{episode.side.title()} hip, {episode.procedure_title}: candidacy "
        f"{decision.candidacy.label.lower()}; readiness {decision.readiness.label.lower()}",
        via=via,
        details={"decision": str(stored.public_id), "catalogue_version": catalogue.version},
    )
    return stored
