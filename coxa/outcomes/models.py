"""Persistence for outcomes: each questionnaire a patient answered about one hip."""

from django.conf import settings
from django.db import models

from coxa.core.models import PublicIdModel
from coxa.pathways.models import Episode


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
    # None: the patient entered it through a one-time link (no account); ``link`` says which,
    # and the link names the clinician who issued it.
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    link = models.ForeignKey(
        "QuestionnaireLink", on_delete=models.PROTECT, related_name="responses", null=True
    )
    # A post-operative fall flagged for review (outcomes.domain.falls.Fall.as_json); None: none.
    fall = models.JSONField(null=True)
    recorded_at = models.DateTimeField()
    catalogue_version = models.CharField(max_length=40)

    class Meta:
        ordering = ("completed_on", "recorded_at", "id")
        indexes = (
            models.Index(fields=("episode", "instrument", "completed_on"), name="response_series"),
        )
        constraints = (
            models.CheckConstraint(
                condition=models.Q(recorded_by__isnull=False)
                | models.Q(link__isnull=False, entered_by_patient=True),
                name="response_recorded_by_someone",
            ),
        )

    def __str__(self) -> str:
        return f"{self.instrument} on {self.completed_on}"


class QuestionnaireLink(PublicIdModel):
    """A one-time link a clinician gave a patient to complete questionnaires for one hip.

    Only the SHA-256 of the token is kept: the token itself is shown once to the clinician
    and sent to the patient. It works until ``expires_at``, once (``used_at``).
    """

    episode = models.ForeignKey(Episode, on_delete=models.PROTECT, related_name="+")
    instruments = models.JSONField()  # the instrument codes, in the order they are asked
    schedule_point = models.CharField(max_length=40, blank=True)  # e.g. "6-weeks"; optional
    token_hash = models.CharField(max_length=64, unique=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    issued_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True)
    sent_to = models.CharField(max_length=254, blank=True)  # the email it was sent to, if any

    def __str__(self) -> str:
        return f"questionnaire link {self.public_id}"


class LicensedInstrument(PublicIdModel):
    """A service's licensed wording (and value set) for one instrument; the latest counts."""

    instrument = models.CharField(max_length=40)
    licence = models.CharField(max_length=300)
    content = models.JSONField()  # outcomes.domain.licensed.Licensed.as_json
    file_sha256 = models.CharField(max_length=64)
    loaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    loaded_at = models.DateTimeField()

    class Meta:
        ordering = ("instrument", "-loaded_at", "-id")

    def __str__(self) -> str:
        return f"{self.instrument} wording loaded {self.loaded_at:%d %b %Y}"
