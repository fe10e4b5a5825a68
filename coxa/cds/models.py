"""What the CDS service keeps: the cards it issued, and the feedback EHRs send on them.

No patient data: a card's summary names a hip and a verdict, never a person (the patient's
data arrives in each request and is not stored).
"""

from django.conf import settings
from django.db import models

from coxa.cds.domain.feedback import Outcome
from coxa.core.models import PublicIdModel


class IssuedCard(PublicIdModel):
    """A card Coxa returned; ``public_id`` is the card's ``uuid``, which feedback names."""

    service = models.CharField(max_length=64)
    hook_instance = models.CharField(max_length=64)
    issued_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    issued_at = models.DateTimeField(db_index=True)
    summary = models.CharField(max_length=140)
    indicator = models.CharField(max_length=8)

    class Meta:
        ordering = ("-issued_at", "-id")


class CardFeedback(PublicIdModel):
    """What a clinician did with a card, as the EHR reported it (kept as sent, never edited)."""

    card = models.ForeignKey(IssuedCard, on_delete=models.PROTECT, related_name="feedback")
    outcome = models.CharField(max_length=16, choices=[(o.value, o.value) for o in Outcome])
    outcome_at = models.DateTimeField()
    reason_system = models.CharField(max_length=200, blank=True)
    reason_code = models.CharField(max_length=200, blank=True)
    reason_display = models.CharField(max_length=200, blank=True)
    comment = models.TextField(blank=True)
    accepted_suggestions = models.JSONField(default=list, blank=True)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    received_at = models.DateTimeField()

    class Meta:
        ordering = ("-received_at", "-id")
        constraints = (
            models.CheckConstraint(
                condition=models.Q(outcome__in=[o.value for o in Outcome]),
                name="cds_feedback_outcome_known",
            ),
        )
