"""Persistence for decisions made on an episode, with everything needed to explain them later."""

from django.conf import settings
from django.db import models

from coxa.core.models import PublicIdModel
from coxa.pathways.models import Episode


class EpisodeDecision(PublicIdModel):
    """One evaluation of an episode's procedure: the facts in, the verdicts and reasons out.

    Stores the catalogue version and hash and each rule's version, so that a later catalogue
    or rule change never rewrites what was decided, or why.
    """

    episode = models.ForeignKey(Episode, on_delete=models.PROTECT, related_name="decisions")
    decided_at = models.DateTimeField()
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    procedure = models.CharField(max_length=40)
    candidacy = models.CharField(max_length=24)
    readiness = models.CharField(max_length=24)
    catalogue_version = models.CharField(max_length=40)
    catalogue_hash = models.CharField(max_length=64)
    rule_versions = models.JSONField()
    document = models.JSONField()  # the facts as evaluated
    result = models.JSONField()  # the whole decision: findings, alternatives, actions

    class Meta:
        ordering = ("-decided_at", "-id")
        indexes = (models.Index(fields=("episode", "-decided_at"), name="decision_episode_at"),)

    def __str__(self) -> str:
        return f"{self.procedure}: {self.candidacy}/{self.readiness}"
