"""Persistence for surgery.

The booking, the operation note (immutable once signed) with its implants and addenda,
discharge, the recovery plan with its adjustments, and physiotherapy reviews.
"""

from typing import Any

from django.conf import settings
from django.db import models

from coxa.core.errors import Conflict, ErrorCode
from coxa.core.models import PublicIdModel
from coxa.core.words import short_date
from coxa.pathways.models import Episode
from coxa.surgery.domain.recovery import WEIGHT_BEARING_WORDS

USER = settings.AUTH_USER_MODEL


class Booking(models.Model):
    """The operation's date, surgeon and theatre list (the schedule)."""

    episode = models.OneToOneField(Episode, on_delete=models.PROTECT, related_name="booking")
    operation_on = models.DateField(db_index=True)
    surgeon = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    theatre_list = models.CharField(max_length=100, blank=True)
    # When the operation is planned to start on the list (optional): lists show and sort by it.
    starts_at = models.TimeField(null=True, blank=True)
    booked_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    booked_at = models.DateTimeField()
    # Medicine stops whose date had already passed when booked (medication, stop_on), and
    # what was agreed with the patient; the theatre worklist shows them until the operation.
    late_stops = models.JSONField(default=list)
    late_stops_reason = models.TextField(blank=True)

    class Meta:
        indexes = (
            # The few booked after a stop date had passed, by day (the theatre worklist):
            # only those rows, so that the list never walks every future booking.
            models.Index(
                fields=("operation_on", "id"),
                condition=~models.Q(late_stops=[]),
                name="booking_late_stops",
            ),
        )

    def __str__(self) -> str:
        return f"Operation on {self.operation_on}"


class Consent(PublicIdModel):
    """The patient's consent to the operation on one hip, kept for good.

    What was discussed is copied from the catalogue when recorded (``risks``,
    ``alternatives``, with its version), so a later catalogue never rewrites it. A newer
    consent supersedes it (``superseded_at``, and the newer one names it in ``supersedes``);
    a withdrawal keeps it, with who, when and why. At most one consent of an episode is live
    (not superseded): the current one, unless it is withdrawn.
    """

    episode = models.ForeignKey(Episode, on_delete=models.PROTECT, related_name="consents")
    procedure = models.CharField(max_length=40)
    side = models.CharField(max_length=8)
    risks = models.JSONField(default=list)  # [{code, title, frequency, discussed}]
    alternatives = models.JSONField(default=list)  # [{code, title}]
    information_version = models.CharField(max_length=20)
    taken_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    taken_at = models.DateTimeField()
    note = models.TextField(blank=True)
    catalogue_version = models.CharField(max_length=40)
    catalogue_hash = models.CharField(max_length=64)
    recorded_at = models.DateTimeField()
    supersedes = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="superseded_by"
    )
    superseded_at = models.DateTimeField(null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawal_reason = models.TextField(blank=True)

    class Meta:
        ordering = ("-recorded_at", "-id")
        constraints = (
            models.UniqueConstraint(
                fields=("episode",),
                condition=models.Q(superseded_at__isnull=True),
                name="one_live_consent_per_episode",
            ),
            models.CheckConstraint(
                condition=models.Q(withdrawn_at__isnull=True, withdrawn_by__isnull=True)
                | models.Q(withdrawn_at__isnull=False, withdrawn_by__isnull=False),
                name="consent_withdrawn_by_someone",
            ),
        )

    @property
    def is_withdrawn(self) -> bool:
        return self.withdrawn_at is not None

    @property
    def is_current(self) -> bool:
        return self.superseded_at is None and not self.is_withdrawn

    def __str__(self) -> str:
        return f"Consent {self.taken_at:%Y-%m-%d}"


class OperationNote(PublicIdModel):
    """What was done. A draft may be rewritten; once signed it never changes (addenda)."""

    episode = models.OneToOneField(Episode, on_delete=models.PROTECT, related_name="operation_note")
    operated_on = models.DateField(db_index=True)
    started_at = models.TimeField()
    ended_at = models.TimeField()
    side = models.CharField(max_length=8)
    procedure = models.CharField(max_length=40)
    surgeon = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    assistants = models.JSONField(default=list)
    anaesthetic = models.CharField(max_length=12)
    approach = models.CharField(max_length=16, blank=True)
    approach_reason = models.TextField(blank=True)
    drill_passes = models.PositiveSmallIntegerField(null=True, blank=True)
    graft_used = models.BooleanField(null=True)
    graft_product = models.CharField(max_length=120, blank=True)
    findings = models.TextField(blank=True)
    events = models.TextField(blank=True)
    date_change_reason = models.TextField(blank=True)  # why not on the booked day
    # The VTE prophylaxis prescribed, as the input took it (domain/prophylaxis.ProphylaxisIn).
    vte_prophylaxis = models.JSONField(null=True, blank=True)
    # The draft's fingerprint (domain/notes.draft_hash): signing names the draft it signs.
    draft_hash = models.CharField(max_length=64, blank=True)
    written_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    written_at = models.DateTimeField()
    signed_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    signed_at = models.DateTimeField(null=True, blank=True, db_index=True)

    class Meta:
        # The unsigned notes, by operation day: the lists of notes to sign read only these
        # (walking every note's day to find none took 42 ms at 40,000 notes).
        indexes = (
            models.Index(
                fields=("operated_on", "id"),
                condition=models.Q(signed_at__isnull=True),
                name="note_unsigned",
            ),
        )
        constraints = (
            models.CheckConstraint(
                condition=models.Q(drill_passes__isnull=True) | models.Q(drill_passes__gte=1),
                name="note_drill_passes_positive",
            ),
            models.CheckConstraint(
                condition=models.Q(signed_at__isnull=True, signed_by__isnull=True)
                | models.Q(signed_at__isnull=False, signed_by__isnull=False),
                name="note_signed_by_someone",
            ),
        )

    @property
    def is_signed(self) -> bool:
        return self.signed_at is not None

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding and (
            OperationNote.objects.filter(pk=self.pk, signed_at__isnull=False).exists()
        ):
            raise Conflict(
                ErrorCode.NOTE_SIGNED, "a signed operation note cannot change; add an addendum"
            )
        super().save(*args, **kwargs)

    def __str__(self) -> str:
        return f"Operation note {self.operated_on}"


class Implant(models.Model):
    note = models.ForeignKey(OperationNote, on_delete=models.CASCADE, related_name="implants")
    position = models.PositiveSmallIntegerField()
    component = models.CharField(max_length=16)
    manufacturer = models.CharField(max_length=120)
    product = models.CharField(max_length=120, blank=True)
    size_mm = models.FloatField(null=True, blank=True)
    lot = models.CharField(max_length=60)
    udi = models.CharField(max_length=200, blank=True)
    size_reason_code = models.CharField(max_length=60, blank=True)  # restricted sizes only
    size_reason = models.TextField(blank=True)

    class Meta:
        ordering = ("position",)
        # A field safety notice names a product and lot: the recall finds every hip by them.
        indexes = (models.Index(fields=("product", "lot"), name="implant_recall"),)

    def __str__(self) -> str:
        return f"{self.component} implant, lot {self.lot}"


class OverrideConfirmation(models.Model):
    """A second clinician's confirmation of a restricted implant size in one draft.

    It is for the draft it names: rewriting the draft needs a new confirmation.
    """

    note = models.ForeignKey(OperationNote, on_delete=models.PROTECT, related_name="confirmations")
    draft_hash = models.CharField(max_length=64)
    by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()
    # The consent that recorded the restricted head size as discussed (current when confirmed).
    consent = models.ForeignKey(
        Consent, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ("-at", "-id")

    def __str__(self) -> str:
        return f"Override confirmed {self.at:%Y-%m-%d}"


class Addendum(models.Model):
    """A later change to a signed note, never an edit of it."""

    note = models.ForeignKey(OperationNote, on_delete=models.PROTECT, related_name="addenda")
    text = models.TextField()
    by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()

    class Meta:
        ordering = ("at", "id")

    def __str__(self) -> str:
        return f"Addendum {self.at:%Y-%m-%d}"


class Discharge(PublicIdModel):
    episode = models.OneToOneField(Episode, on_delete=models.PROTECT, related_name="discharge")
    out_of_bed_at = models.DateTimeField()
    discharged_on = models.DateField(db_index=True)
    destination = models.CharField(max_length=30)
    destination_reason = models.TextField()
    criteria = models.JSONField(default=dict)  # catalogue criterion code -> met (bool)
    unmet_reason = models.TextField(blank=True)  # why discharged with a criterion unmet
    recorded_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField()

    @property
    def same_day(self) -> bool:
        note = OperationNote.objects.get(episode_id=self.episode_id)
        return self.discharged_on == note.operated_on

    def __str__(self) -> str:
        return f"Discharge {self.discharged_on}"


class RecoveryPlan(models.Model):
    """The plan made when the note is signed, frozen then.

    Its dates come from the protocol copied out of the catalogue at signing (``protocol``,
    with that catalogue's version and hash) and the choices below; a later catalogue never
    moves them. ``issued`` keeps the dates as first issued to the patient.
    """

    episode = models.OneToOneField(Episode, on_delete=models.PROTECT, related_name="recovery_plan")
    note = models.OneToOneField(OperationNote, on_delete=models.PROTECT, related_name="plan")
    operation_on = models.DateField()
    phase_end_days = models.JSONField(default=dict)  # phase code -> day chosen
    appointment_days = models.JSONField(default=dict)  # appointment key -> day moved to
    # Phases the surgeon chose to end after the catalogue's range, with the reason.
    extended = models.JSONField(default=dict)  # phase code -> reason
    protocol = models.JSONField(
        default=dict
    )  # the procedure's title and recovery section at signing
    catalogue_version = models.CharField(max_length=40, default="")
    catalogue_hash = models.CharField(max_length=64, default="")
    issued = models.JSONField(default=dict)  # date name -> ISO date, as issued at signing
    created_at = models.DateTimeField()
    # The working weekdays and closed days its appointments keep to, as at signing
    # (domain.workdays.WorkingDays.as_json); empty for a plan signed before the rule, whose
    # appointments stay on their day counts.
    working_days = models.JSONField(default=dict, blank=True)

    def __str__(self) -> str:
        return f"Recovery plan from {self.operation_on}"


class PlanAppointment(models.Model):
    """One appointment of a signed recovery plan, dated as the plan now stands (ADR 0018).

    Stored so that the theatre and recovery worklist reads dates from an index instead of
    regenerating every plan: written when the note is signed and when the plan is adjusted,
    ``reviewed_on`` kept by each physiotherapy review (``services/appointments.py``); nothing
    else writes it. Whether the hip is still followed is its episode's state, read with it.
    """

    plan = models.ForeignKey(RecoveryPlan, on_delete=models.CASCADE, related_name="appointments")
    episode = models.ForeignKey(Episode, on_delete=models.PROTECT, related_name="+")
    key = models.CharField(max_length=60)  # "physiotherapy-review@14", unique in the plan
    kind = models.CharField(max_length=30)
    title = models.CharField(max_length=200)
    due_on = models.DateField()
    # Physiotherapy reviews: the day the review was held (domain.recovery.review_held); a
    # date, not a flag, so that "not yet held" (IS NULL) is an index key on SQLite too.
    reviewed_on = models.DateField(null=True, blank=True)

    class Meta:
        constraints = (
            models.UniqueConstraint(fields=("plan", "key"), name="plan_appointment_once"),
        )
        indexes = (
            # The worklist: one kind, not yet reviewed, by due day (then plan and key).
            models.Index(
                fields=("kind", "reviewed_on", "due_on", "plan", "key"), name="appointment_due"
            ),
            # The worklist: every kind due within a week, by day.
            models.Index(fields=("due_on", "plan", "key"), name="appointment_day"),
        )

    def __str__(self) -> str:
        return f"{self.title} {self.due_on}"


class PlanChange(models.Model):
    plan = models.ForeignKey(RecoveryPlan, on_delete=models.PROTECT, related_name="changes")
    what = models.CharField(max_length=60)  # "phase offload ends" / "appointment <key>"
    before = models.DateField()
    after = models.DateField()
    reason = models.TextField()
    by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()

    class Meta:
        ordering = ("at", "id")

    def __str__(self) -> str:
        return f"{self.what}: {self.before} to {self.after}"


class PhysioReview(PublicIdModel):
    episode = models.ForeignKey(Episode, on_delete=models.PROTECT, related_name="physio_reviews")
    reviewed_on = models.DateField()
    walking_aid = models.CharField(max_length=12)
    weight_bearing = models.CharField(max_length=12)
    flexion_deg = models.FloatField(null=True, blank=True)
    abduction_deg = models.FloatField(null=True, blank=True)
    internal_rotation_deg = models.FloatField(null=True, blank=True)
    external_rotation_deg = models.FloatField(null=True, blank=True)
    pain = models.PositiveSmallIntegerField(null=True, blank=True)
    exercises_progressed = models.TextField(blank=True)
    progressed_to = models.CharField(max_length=40, blank=True)  # the next phase, if moved on
    notes = models.TextField(blank=True)
    # Set when the weight bearing recorded goes beyond what the plan allows that day.
    plan_conflict = models.TextField(blank=True)
    recorded_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ("-reviewed_on", "-recorded_at", "-id")
        indexes = (
            models.Index(fields=("episode", "reviewed_on"), name="physio_episode_day"),
            models.Index(fields=("reviewed_on",), name="physio_day"),
            # The worklist's reviews that contradict the plan, newest first: only those rows.
            models.Index(
                fields=("-reviewed_on", "id"),
                condition=~models.Q(plan_conflict=""),
                name="physio_plan_conflict",
            ),
        )
        constraints = (
            models.CheckConstraint(
                condition=models.Q(pain__isnull=True) | models.Q(pain__lte=10),
                name="physio_pain_0_to_10",
            ),
        )

    def __str__(self) -> str:
        return f"Physiotherapy review {short_date(self.reviewed_on)}"

    @property
    def weight_bearing_label(self) -> str:
        """How much weight on the leg, in words ("As the physiotherapist advises")."""
        return WEIGHT_BEARING_WORDS.get(self.weight_bearing, "Not recorded")
