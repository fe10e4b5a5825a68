"""Persistence for outcomes: questionnaires answered, and each hip's follow-up programme.

The programme stores what is due next, for the follow-up worklist to read (ADR 0022).
"""

import datetime as dt

from django.conf import settings
from django.db import models

from coxa.core.models import PublicIdModel
from coxa.outcomes.domain.schedule import Status
from coxa.pathways.models import Episode


class QuestionnaireResponse(PublicIdModel):
    """One completed questionnaire, kept as answered, with the score made from it."""

    episode = models.ForeignKey(Episode, on_delete=models.PROTECT, related_name="+")
    instrument = models.CharField(max_length=40)  # the catalogue's instrument code
    # The schedule point it answers (baseline, 6-weeks, year-2...); blank: in no window.
    point = models.CharField(max_length=20, blank=True)
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


class ProgrammeStatus(models.TextChoices):
    ACTIVE = "active", "Followed"
    FINISHED = "finished", "Schedule finished"  # every point behind; no more due
    ENDED = "ended", "Ended"  # closed: discharged, converted, withdrawn, died


class FollowUpProgramme(models.Model):
    """One hip's outcome schedule (ADR 0013, ADR 0022): the next point and its window.

    Stored by ``services/schedule.refresh``, so that the follow-up worklist reads indexed
    columns, never a schedule worked out per hip.
    """

    episode = models.OneToOneField(Episode, on_delete=models.PROTECT, related_name="+")
    # Every due date names the schedule behind it: the procedure's schedule version and the
    # catalogue it was read from.
    schedule_version = models.CharField(max_length=20)
    catalogue_version = models.CharField(max_length=40)
    status = models.CharField(max_length=10, choices=ProgrammeStatus.choices)
    next_point = models.CharField(max_length=20, blank=True)
    next_title = models.CharField(max_length=60, blank=True)
    next_due_on = models.DateField(null=True)
    window_opens_on = models.DateField(null=True)
    window_closes_on = models.DateField(null=True)
    next_questionnaires = models.JSONField(default=list)  # instrument codes still to answer
    next_clinic_review = models.BooleanField(default=False)
    next_has_questionnaires = models.BooleanField(default=False)  # for the worklist's filter
    # The worklist's columns: shown from this day (the window opens, or the hip is lost);
    # overdue from the day after the due day (never for the baseline); lost from lost_on;
    # ordered by sort_on (the due day, else the day it was lost).
    shows_from = models.DateField(null=True)
    overdue_from = models.DateField(null=True)
    lost_on = models.DateField(null=True)
    sort_on = models.DateField(null=True)
    last_contact_on = models.DateField(null=True)
    completed = models.JSONField(default=list)  # point codes
    missed = models.JSONField(default=list)  # point codes whose window closed undone
    reviews = models.JSONField(default=list)  # clinic reviews held: {"point", "on"}
    ended_on = models.DateField(null=True)
    ended_reason = models.CharField(max_length=40, blank=True)
    refreshed_at = models.DateTimeField()

    class Meta:
        constraints = (
            models.CheckConstraint(
                condition=models.Q(status__in=ProgrammeStatus.values),
                name="programme_status_known",
            ),
            models.CheckConstraint(
                condition=~models.Q(status=ProgrammeStatus.ENDED)
                | models.Q(ended_on__isnull=False),
                name="programme_ended_has_day",
            ),
        )
        indexes = (
            models.Index(fields=("status", "sort_on", "id"), name="programme_worklist"),
            models.Index(fields=("status", "shows_from"), name="programme_shows"),
            models.Index(fields=("status", "lost_on"), name="programme_lost"),
        )

    def __str__(self) -> str:
        return f"follow-up {self.status}: {self.next_point or '-'} due {self.next_due_on}"

    def status_on(self, today: dt.date) -> Status | None:
        """How the hip stands today, from the stored columns (lost first); None: nothing due."""
        if self.lost_on is not None and self.lost_on <= today:
            return Status.LOST  # an ended programme has no lost_on
        if not self.next_point or self.status == ProgrammeStatus.ENDED:
            return None
        if self.window_closes_on is not None and self.window_closes_on < today:
            return Status.MISSED  # until the next refresh moves on to the next point
        if self.window_opens_on is not None and today < self.window_opens_on:
            return Status.UPCOMING
        if self.overdue_from is not None and self.overdue_from <= today:
            return Status.OVERDUE
        return Status.DUE
