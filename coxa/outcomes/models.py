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


class FollowUpReview(PublicIdModel):
    """One follow-up clinic review of an operated hip, as recorded.

    Coded throughout (the catalogue's codes, at ``catalogue_version``): an X-ray finding is
    stored for every finding of the procedure, as seen or as "not-assessed" (hazard H66).
    Never edited: a wrong review is struck out with a reason, and stays in the record.
    """

    episode = models.ForeignKey(Episode, on_delete=models.PROTECT, related_name="+")
    seen_on = models.DateField()
    # The follow-up point the review answers ("6-weeks", "1-year"): the outcome schedule's.
    point = models.CharField(max_length=20, blank=True)
    pain = models.SmallIntegerField(null=True)  # 0 to 10
    flexion = models.SmallIntegerField(null=True)  # degrees
    abduction = models.SmallIntegerField(null=True)
    internal_rotation = models.SmallIntegerField(null=True)
    external_rotation = models.SmallIntegerField(null=True)
    walking_aid = models.CharField(max_length=40, blank=True)
    walking_distance = models.CharField(max_length=40, blank=True)
    work = models.CharField(max_length=40, blank=True)
    sport = models.CharField(max_length=40, blank=True)
    findings = models.JSONField(default=dict)  # finding code -> {"result", ...}
    plan = models.CharField(max_length=40, blank=True)
    plan_words = models.TextField(blank=True)
    next_review_on = models.DateField(null=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField()
    catalogue_version = models.CharField(max_length=40)
    struck_out_at = models.DateTimeField(null=True)
    struck_out_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    strike_out_reason = models.TextField(blank=True)

    class Meta:
        ordering = ("seen_on", "recorded_at", "id")
        indexes = (models.Index(fields=("episode", "seen_on"), name="review_series"),)

    def __str__(self) -> str:
        return f"review on {self.seen_on}"

    @property
    def struck_out(self) -> bool:
        return self.struck_out_at is not None
