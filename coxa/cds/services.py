"""What the CDS service keeps: each answer it gives, the cards in it, and feedback on them.

The patient's data arrives in the request's prefetch and is not stored; who asked, for which
hook instance, and the cards returned (uuid, summary, indicator) are, so that feedback can
name only a card Coxa issued to that caller. Each is audited, as every read and write is.
"""

import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from coxa.accounts.models import User
from coxa.cds.domain.feedback import Feedback
from coxa.cds.models import CardFeedback, IssuedCard
from coxa.core import audit, clock
from coxa.core.errors import ErrorCode, InvalidInput, Problem


@audit.atomic()
def record_patient_view(
    *,
    actor: User,
    service: str,
    hook_instance: str,
    cards: Sequence[Mapping[str, Any]],
    patient_id: uuid.UUID | None = None,
    details: Mapping[str, Any] | None = None,
) -> None:
    """Keep the cards returned to the caller and record the answer.

    ``patient_id``: the Coxa patient a card links to, if any; ``details``: what else the
    answer used (the searches fetched from the EHR's FHIR server, the episodes linked).
    """
    now = clock.now()
    IssuedCard.objects.bulk_create(
        IssuedCard(
            public_id=uuid.UUID(card["uuid"]),
            service=service,
            hook_instance=hook_instance[:64],
            issued_to=actor,
            issued_at=now,
            summary=str(card["summary"])[:140],
            indicator=str(card["indicator"]),
        )
        for card in cards
    )
    audit.record(
        actor=actor,
        action="cds.patient-view",
        object_type="cds-hook",
        object_id=hook_instance[:64],
        patient_id=patient_id,
        summary=f"{len(cards)} card(s) returned",
        via=audit.Via.API,
        details={"cards": [card["uuid"] for card in cards], **(details or {})},
    )


@audit.atomic()
def record_feedback(*, actor: User, service: str, feedback: Sequence[Feedback]) -> None:
    """Keep the feedback on cards Coxa issued to this caller; refuse it all on any other."""
    issued = {
        card.public_id: card
        for card in IssuedCard.objects.filter(
            public_id__in={item.card for item in feedback}, issued_to=actor, service=service
        )
    }
    problems = [
        Problem(
            ErrorCode.INVALID_VALUE,
            f"feedback.{i}.card: Coxa issued no card {item.card} to this caller (feedback "
            "names a card this service returned)",
            f"feedback.{i}.card",
        )
        for i, item in enumerate(feedback)
        if item.card not in issued
    ]
    problems += [
        Problem(
            ErrorCode.INVALID_VALUE,
            f"feedback.{i}.acceptedSuggestions: Coxa's cards carry no suggestions to accept",
            f"feedback.{i}.acceptedSuggestions",
        )
        for i, item in enumerate(feedback)
        if item.accepted_suggestions
    ]
    if problems:
        raise InvalidInput.of(problems)
    now = clock.now()
    for item in feedback:
        reason = item.reason
        kept = CardFeedback.objects.create(
            card=issued[item.card],
            outcome=item.outcome,
            outcome_at=item.at,
            reason_system=reason.system if reason else "",
            reason_code=reason.code if reason else "",
            reason_display=reason.display if reason else "",
            comment=reason.comment if reason else "",
            accepted_suggestions=list(item.accepted_suggestions),
            sent_by=actor,
            received_at=now,
        )
        audit.record(
            actor=actor,
            action="cds.feedback",
            object_type="cds-card",
            object_id=item.card,
            summary=f"Card {item.outcome}"
            + (f" ({reason.code})" if reason and reason.code else ""),
            via=audit.Via.API,
            details={"feedback": str(kept.public_id), "service": service},
        )
