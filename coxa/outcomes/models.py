"""Persistence for outcomes: a hip's questionnaires, reviews, complications and ending.

How an episode ended: a conversion or revision, or the patient's death (ADR 0013).

The programme stores what is due next, for the follow-up worklist to read (ADR 0022).
"""

import datetime as dt

from django.conf import settings
from django.db import models

from coxa.core.models import PublicIdModel
from coxa.outcomes.domain.complications import Grade, Outcome
from coxa.outcomes.domain.endpoints import RelatedToHip
from coxa.outcomes.domain.schedule import Status
from coxa.pathways.models import Episode
from coxa.patients.models import Patient


class CountedResponses(models.Manager["QuestionnaireResponse"]):
    """The responses that count: every one not struck out (``QuestionnaireResponse.objects``).

    The baseline, the change from it, the fall rule, the schedule's completed points and the
    analytics read this, so a response struck out as made in error counts nowhere (H63).
    """

    def get_queryset(self) -> models.QuerySet["QuestionnaireResponse"]:
        return super().get_queryset().filter(struck_out_at__isnull=True)


class QuestionnaireResponse(PublicIdModel):
    """One completed questionnaire, kept as answered, with the score made from it.

    Never edited nor deleted: one entered on the wrong hip, or answered through a forwarded
    link, is struck out with the reason and stays in the record, marked. ``objects`` holds
    the responses that count (struck-out ones left out); ``every`` holds them all, for the
    record as kept (the hip's questionnaires page, striking out).
    """

    every = models.Manager()  # the record as kept, struck-out responses included
    objects = CountedResponses()

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
    struck_out_at = models.DateTimeField(null=True, blank=True)
    struck_out_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    struck_out_reason = models.TextField(blank=True)

    class Meta:
        default_manager_name = "every"
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
            models.CheckConstraint(
                condition=models.Q(struck_out_at__isnull=True, struck_out_reason="")
                | (models.Q(struck_out_at__isnull=False) & ~models.Q(struck_out_reason="")),
                name="response_struck_out_with_reason",
            ),
        )

    def __str__(self) -> str:
        return f"{self.instrument} on {self.completed_on}"

    @property
    def struck_out(self) -> bool:
        return self.struck_out_at is not None


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


class Complication(PublicIdModel):
    """One complication of a hip's operation, graded.

    Struck out when made in error, never deleted: the register is what the registry and the
    surgeon's audit read.
    """

    episode = models.ForeignKey(Episode, on_delete=models.PROTECT, related_name="+")
    type = models.CharField(max_length=40)  # the catalogue's complication type code
    description = models.TextField(blank=True)  # words: required for "other"
    found_on = models.DateField()
    clavien_dindo = models.CharField(max_length=4, choices=[(g.value, g.value) for g in Grade])
    disability = models.BooleanField(default=False)  # Clavien-Dindo suffix "d"
    treatment = models.TextField(blank=True)
    outcome = models.CharField(max_length=40, choices=[(o.value, o.label) for o in Outcome])
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField()
    catalogue_version = models.CharField(max_length=40)
    struck_out_at = models.DateTimeField(null=True, blank=True)
    struck_out_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    struck_out_reason = models.TextField(blank=True)

    class Meta:
        ordering = ("found_on", "recorded_at", "id")
        constraints = (
            models.CheckConstraint(
                condition=models.Q(clavien_dindo__in=[g.value for g in Grade]),
                name="complication_grade_known",
            ),
            models.CheckConstraint(
                condition=models.Q(outcome__in=[o.value for o in Outcome]),
                name="complication_outcome_known",
            ),
            models.CheckConstraint(
                condition=models.Q(struck_out_at__isnull=True, struck_out_reason="")
                | (models.Q(struck_out_at__isnull=False) & ~models.Q(struck_out_reason="")),
                name="complication_struck_out_with_reason",
            ),
        )
        indexes = (models.Index(fields=("episode", "found_on"), name="complication_register"),)

    def __str__(self) -> str:
        return f"{self.type} found {self.found_on}"

    @property
    def grade(self) -> Grade:
        return Grade(self.clavien_dindo)

    @property
    def current(self) -> bool:
        return self.struck_out_at is None


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
    # ordered by sort_on (the due day, else the day it was lost, else the day of a fall in
    # score: every listed row has one, so a list walks the index past the rows with none).
    shows_from = models.DateField(null=True)
    overdue_from = models.DateField(null=True)
    lost_on = models.DateField(null=True)
    sort_on = models.DateField(null=True)
    last_contact_on = models.DateField(null=True)
    # The day of the latest fall in score flagged (not struck out) with no clinic review held
    # since: the hip is on the worklist for it, even with nothing else due (hazard H65).
    fall_on = models.DateField(null=True)
    completed = models.JSONField(default=list)  # point codes
    missed = models.JSONField(default=list)  # point codes whose window closed undone
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
            # Those needing a clinic review (or listed for a fall in score): the surgeon's
            # home and the worklist's "clinic review" filter walk only these rows.
            models.Index(
                fields=("status", "sort_on", "id"),
                condition=models.Q(next_clinic_review=True) | models.Q(fall_on__isnull=False),
                name="programme_clinic_review",
            ),
            models.Index(fields=("status", "shows_from"), name="programme_shows"),
            models.Index(fields=("status", "lost_on"), name="programme_lost"),
            models.Index(fields=("status", "fall_on"), name="programme_fall"),
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
