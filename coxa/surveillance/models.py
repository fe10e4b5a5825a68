"""Persistence for metal-on-metal surveillance (issue 15, ADR 0024).

One enrolment per hip, holding the stored programme the worklist reads (the rule and table
version behind the next due date, the next check, flags, a repeat awaited); the hip's blood
metal results, imaging studies and surveillance reviews; and the contacts made for a recall.
A record entered in error is struck out with a reason, never edited nor deleted: ``objects``
holds what counts, ``every`` (the default manager) holds everything.
"""

from typing import TypeVar

from django.conf import settings
from django.db import models

from coxa.core.models import PublicIdModel
from coxa.pathways.models import Episode

USER = settings.AUTH_USER_MODEL
_M = TypeVar("_M", bound=models.Model)


class Source(models.TextChoices):
    OPERATION_NOTE = "operation-note", "Signed operation note"
    RECORDED_ELSEWHERE = "recorded-elsewhere", "Recorded by hand (operated earlier or elsewhere)"


class EnrolmentStatus(models.TextChoices):
    ACTIVE = "active", "Under surveillance"
    ENDED = "ended", "Ended"


class EndReason(models.TextChoices):
    REVISED = "revised", "The bearing was revised"
    DIED = "died", "The patient died"


class Enrolment(PublicIdModel):
    """A hip under lifelong metal-on-metal surveillance, and where its surveillance stands."""

    episode = models.OneToOneField(Episode, on_delete=models.PROTECT, related_name="+")
    source = models.CharField(max_length=20, choices=Source.choices)
    implant = models.CharField(max_length=16)  # catalogue ImplantClass
    head_mm = models.FloatField(null=True, blank=True)  # None: not known
    operated_on = models.DateField(null=True, blank=True)  # None: not known
    operated_where = models.CharField(max_length=200, blank=True)
    enrolled_on = models.DateField()
    enrolled_by = models.ForeignKey(  # None: enrolled from its signed note by the sweep
        USER, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    status = models.CharField(max_length=8, choices=EnrolmentStatus.choices)
    ended_on = models.DateField(null=True, blank=True)
    ended_reason = models.CharField(max_length=8, choices=EndReason.choices, blank=True)
    # The rule and table version behind the stored due date (never rewritten by a change to
    # the table: the next refresh stores the new rule and version beside the new date).
    rule_code = models.CharField(max_length=60)
    rule_version = models.CharField(max_length=20)
    rule_checked = models.BooleanField()  # the table had been checked by the clinical lead
    interval_days = models.PositiveIntegerField()
    needs_bloods = models.BooleanField()
    needs_imaging = models.BooleanField()
    # The next check and the worklist's columns.
    next_kind = models.CharField(max_length=16, blank=True)  # schedule.Next
    next_due_on = models.DateField(null=True)  # always set while active
    routine_on = models.DateField(null=True)
    shows_from = models.DateField(null=True)
    lost_on = models.DateField(null=True)
    sort_on = models.DateField(null=True)
    repeat_due_on = models.DateField(null=True)  # a repeat of the bloods awaited
    flagged_on = models.DateField(null=True)  # a flag or a recommendation awaiting action
    flag_text = models.CharField(max_length=300, blank=True)
    last_review_on = models.DateField(null=True)
    last_result_on = models.DateField(null=True)
    last_imaging_on = models.DateField(null=True)
    last_recommendation = models.CharField(max_length=20, blank=True)
    refreshed_at = models.DateTimeField()

    class Meta:
        constraints = (
            models.CheckConstraint(
                condition=models.Q(status__in=EnrolmentStatus.values),
                name="enrolment_status_known",
            ),
            models.CheckConstraint(
                condition=~models.Q(status=EnrolmentStatus.ACTIVE)
                | models.Q(next_due_on__isnull=False),
                name="enrolment_active_has_due",
            ),
            models.CheckConstraint(
                condition=~models.Q(status=EnrolmentStatus.ENDED)
                | (models.Q(ended_on__isnull=False) & ~models.Q(ended_reason="")),
                name="enrolment_ended_has_day_and_reason",
            ),
        )
        indexes = (
            models.Index(fields=("status", "sort_on", "id"), name="enrolment_worklist"),
            # One per filter, in the filter's order (worklist.py); due and overdue carry the
            # days they test, so rows they skip are skipped inside the index.
            models.Index(
                fields=("status", "next_due_on", "id", "lost_on", "shows_from"),
                name="enrolment_due",
            ),
            models.Index(fields=("status", "flagged_on", "id"), name="enrolment_flagged"),
            models.Index(fields=("status", "repeat_due_on", "id"), name="enrolment_repeat"),
            models.Index(fields=("status", "lost_on", "id"), name="enrolment_lost"),
        )

    def __str__(self) -> str:
        return f"surveillance {self.status}: {self.next_kind} due {self.next_due_on}"


class EnrolledImplant(models.Model):
    """A component of a hip recorded by hand (a hip operated here has its note's implants)."""

    enrolment = models.ForeignKey(Enrolment, on_delete=models.PROTECT, related_name="implants")
    component = models.CharField(max_length=16)
    manufacturer = models.CharField(max_length=120, blank=True)
    product = models.CharField(max_length=120)
    lot = models.CharField(max_length=60, blank=True)  # blank: not known

    class Meta:
        indexes = (models.Index(fields=("product", "lot"), name="enrolled_implant_recall"),)

    def __str__(self) -> str:
        return f"{self.component}: {self.product} lot {self.lot or '-'}"


class Counted(models.Manager[_M]):
    """The records that count: every one not struck out."""

    def get_queryset(self) -> models.QuerySet[_M]:
        return super().get_queryset().filter(struck_out_at__isnull=True)


class StruckOut(PublicIdModel):
    """Struck out with a reason when entered in error; kept and marked."""

    recorded_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField()
    struck_out_at = models.DateTimeField(null=True, blank=True)
    struck_out_by = models.ForeignKey(
        USER, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    struck_out_reason = models.TextField(blank=True)

    class Meta:
        abstract = True


class MetalIonResult(StruckOut):
    """One blood sample's cobalt and chromium: as reported, and in micrograms per litre."""

    every = models.Manager["MetalIonResult"]()
    objects = Counted["MetalIonResult"]()
    enrolment = models.ForeignKey(Enrolment, on_delete=models.PROTECT, related_name="results")
    sampled_on = models.DateField()
    matrix = models.CharField(max_length=12)  # results.Matrix
    laboratory = models.CharField(max_length=120)
    tube = models.CharField(max_length=20, blank=True)  # results.TUBES; blank: not given
    cobalt_value = models.FloatField(null=True)
    cobalt_unit = models.CharField(max_length=8, blank=True)
    cobalt_ug_per_l = models.FloatField(null=True)
    chromium_value = models.FloatField(null=True)
    chromium_unit = models.CharField(max_length=8, blank=True)
    chromium_ug_per_l = models.FloatField(null=True)
    flags = models.JSONField(default=list)  # results.Flag.as_json, when recorded

    class Meta(StruckOut.Meta):
        base_manager_name = "every"
        default_manager_name = "every"
        ordering = ("sampled_on", "id")
        constraints = (
            models.CheckConstraint(
                condition=models.Q(cobalt_ug_per_l__isnull=False)
                | models.Q(chromium_ug_per_l__isnull=False),
                name="metal_result_has_a_level",
            ),
            models.CheckConstraint(
                condition=models.Q(matrix__in=("whole-blood", "serum", "plasma")),
                name="metal_result_matrix_known",
            ),
        )

    def __str__(self) -> str:
        return f"metal levels {self.sampled_on} ({self.matrix})"


class ImagingStudy(StruckOut):
    every = models.Manager["ImagingStudy"]()
    objects = Counted["ImagingStudy"]()
    enrolment = models.ForeignKey(Enrolment, on_delete=models.PROTECT, related_name="studies")
    performed_on = models.DateField()
    modality = models.CharField(max_length=12)  # imaging.Modality
    fluid_collection = models.CharField(max_length=14, blank=True)  # imaging.Seen
    solid_mass = models.CharField(max_length=14, blank=True)
    muscle_involvement = models.CharField(max_length=14, blank=True)
    bone_involvement = models.CharField(max_length=14, blank=True)
    very_large = models.BooleanField(default=False)
    size_mm = models.FloatField(null=True, blank=True)  # the largest dimension
    classification_system = models.CharField(max_length=14, blank=True)
    classification = models.CharField(max_length=40, blank=True)
    xray = models.JSONField(default=dict)  # finding code -> imaging.Seen
    report = models.TextField(blank=True)

    class Meta(StruckOut.Meta):
        base_manager_name = "every"
        default_manager_name = "every"
        ordering = ("performed_on", "id")

    def __str__(self) -> str:
        return f"{self.modality} {self.performed_on}"


class SurveillanceReview(StruckOut):
    """A surveillance review: symptoms, the recommendation with its reasons, and the plan."""

    every = models.Manager["SurveillanceReview"]()
    objects = Counted["SurveillanceReview"]()
    enrolment = models.ForeignKey(Enrolment, on_delete=models.PROTECT, related_name="reviews")
    reviewed_on = models.DateField()
    symptoms = models.JSONField(default=dict)  # symptom code -> recommend.Answer
    score_fall_on = models.DateField(null=True)
    advice = models.JSONField(default=dict)  # recommend.Advice.as_json
    recommendation = models.CharField(max_length=20)
    # The clinician's decision: the recommendation followed, or another, with the reason why.
    plan = models.CharField(max_length=20)
    plan_reason = models.TextField(blank=True)

    class Meta(StruckOut.Meta):
        base_manager_name = "every"
        default_manager_name = "every"
        ordering = ("reviewed_on", "id")

    def __str__(self) -> str:
        return f"surveillance review {self.reviewed_on}: {self.recommendation}"


class RecallContact(models.Model):
    """A patient contacted about a field safety notice (a recall of a product and lot)."""

    episode = models.ForeignKey(Episode, on_delete=models.PROTECT, related_name="+")
    product = models.CharField(max_length=120)
    lot = models.CharField(max_length=60, blank=True)  # blank: every lot of the product
    notice = models.CharField(max_length=120)  # the field safety notice's reference
    method = models.CharField(max_length=12)  # phone | letter | email | in-person
    note = models.TextField(blank=True)
    contacted_on = models.DateField()
    by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()

    class Meta:
        indexes = (models.Index(fields=("product", "lot"), name="recall_contact_notice"),)

    def __str__(self) -> str:
        return f"recall {self.product}/{self.lot} contacted {self.contacted_on}"
