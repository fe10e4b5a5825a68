"""Persistence for outcomes.

Each questionnaire a patient answered about one hip, and how a hip's episode ended (a
conversion or revision, the patient's death).
"""

from django.conf import settings
from django.db import models

from coxa.core.models import PublicIdModel
from coxa.outcomes.domain.endpoints import RelatedToHip
from coxa.pathways.models import Episode
from coxa.patients.models import Patient


class QuestionnaireResponse(PublicIdModel):
    """One completed questionnaire, kept as answered, with the score made from it."""

    episode = models.ForeignKey(Episode, on_delete=models.PROTECT, related_name="+")
    instrument = models.CharField(max_length=40)  # the catalogue's instrument code
    completed_on = models.DateField()
    answers = models.JSONField()  # item code -> answer value
    raw = models.IntegerField(null=True)  # the sum of the answers (sum and lookup scoring)
    score = models.FloatField(null=True)  # None: a value set is needed and none is loaded
    profile = models.CharField(max_length=20, blank=True)  # value-set scoring (EQ-5D)
    entered_by_patient = models.BooleanField(default=False)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField()
    catalogue_version = models.CharField(max_length=40)

    class Meta:
        ordering = ("completed_on", "recorded_at", "id")
        indexes = (
            models.Index(fields=("episode", "instrument", "completed_on"), name="response_series"),
        )

    def __str__(self) -> str:
        return f"{self.instrument} on {self.completed_on}"


class Conversion(PublicIdModel):
    """The end of an index hip's survival: converted to a replacement, or revised (ADR 0013).

    Recorded once per index episode, with the linked new episode opened on the same hip.
    """

    episode = models.OneToOneField(Episode, on_delete=models.PROTECT, related_name="conversion")
    new_episode = models.OneToOneField(Episode, on_delete=models.PROTECT, related_name="+")
    on = models.DateField()  # the day of the conversion or revision: the analytics' event
    reason = models.CharField(max_length=40)  # a code of the catalogue's conversion_reasons
    procedure = models.CharField(max_length=40)  # the new procedure
    note = models.TextField(blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField()
    catalogue_version = models.CharField(max_length=40)

    def __str__(self) -> str:
        return f"conversion on {self.on} ({self.reason})"


class Death(PublicIdModel):
    """A patient's death: the competing event for every hip of theirs (ADR 0013)."""

    patient = models.OneToOneField(Patient, on_delete=models.PROTECT, related_name="death")
    on = models.DateField()
    related_to_hip = models.CharField(
        max_length=8, choices=[(r.value, r.label) for r in RelatedToHip]
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField()

    class Meta:
        constraints = (
            models.CheckConstraint(
                condition=models.Q(related_to_hip__in=[r.value for r in RelatedToHip]),
                name="death_related_to_hip_known",
            ),
        )

    def __str__(self) -> str:
        return f"death on {self.on}"
