"""Persistence for pre-assessment: what the clinic records, readiness, stored decisions.

Every clinical entry is kept for good: a correction is a new entry that supersedes the old
one (``supersedes``) with its reason; the old entry is marked not current, never changed
otherwise. Patient-level entries (measurements, medicines, allergies, smoking, history) apply
to every episode of the patient; hip-level entries (examination, imaging, ASA, anaesthetic
discussion, actions) belong to one episode.
"""

from django.conf import settings
from django.db import models

from coxa.core.models import PublicIdModel
from coxa.core.words import day_month_year
from coxa.decisions.domain.findings import Candidacy
from coxa.decisions.domain.findings import Readiness as Verdict
from coxa.pathways.models import Episode
from coxa.patients.models import Patient


class Entry(PublicIdModel):
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="+")
    episode = models.ForeignKey(Episode, on_delete=models.PROTECT, related_name="+")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField()
    on = models.DateField()  # when it was observed, examined, imaged, reviewed...
    is_current = models.BooleanField(default=True)
    supersedes = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="superseded_by"
    )
    correction_reason = models.TextField(blank=True)

    class Meta:
        abstract = True
        ordering = ("-on", "-recorded_at", "-id")


class Observation(Entry):
    code = models.CharField(max_length=20)
    value = models.FloatField()  # in Coxa's unit
    unit = models.CharField(max_length=30)
    value_as_recorded = models.FloatField()
    unit_as_recorded = models.CharField(max_length=30)

    class Meta(Entry.Meta):
        indexes = (models.Index(fields=("patient", "code", "-on"), name="observation_latest"),)

    def __str__(self) -> str:
        return f"{self.code} {self.value:g} {self.unit} on {self.on}"


class Medication(Entry):
    name = models.CharField(max_length=120)
    drug_class = models.CharField(max_length=20)
    atc = models.CharField(max_length=7, blank=True)  # WHO ATC code, when coded
    indication = models.CharField(max_length=30, blank=True)  # why it is taken
    dose = models.CharField(max_length=120, blank=True)
    active = models.BooleanField(default=True)

    def __str__(self) -> str:
        coded = f", {self.atc}" if self.atc else ", not coded"
        why = f", for {self.indication.replace('-', ' ')}" if self.indication else ""
        return f"{self.name} ({self.drug_class}{coded}{why}){'' if self.active else ': stopped'}"


class Allergy(Entry):
    substance = models.CharField(max_length=120)
    substance_code = models.CharField(max_length=18, blank=True)  # SNOMED CT, when coded
    status = models.CharField(max_length=10, default="active")  # active | inactive | refuted
    reaction = models.CharField(max_length=200, blank=True)

    def __str__(self) -> str:
        coded = f" (SNOMED CT {self.substance_code})" if self.substance_code else " (not coded)"
        status = "" if self.status == "active" else f": {self.status}"
        return f"{self.substance}{coded}{status}"


class Review(Entry):
    list = models.CharField(max_length=20)  # medications | allergies
    none_known = models.BooleanField()

    def __str__(self) -> str:
        return f"{self.list} reviewed on {self.on}"


class Smoking(Entry):
    status = models.CharField(max_length=10)
    quit_on = models.DateField(null=True, blank=True)

    def __str__(self) -> str:
        return self.status


class History(Entry):
    diabetes = models.BooleanField(null=True)
    coronary_stent_or_recent_acs = models.BooleanField(null=True)
    metal_sensitivity = models.BooleanField(null=True)  # to cobalt, chromium or nickel
    haemoglobinopathy = models.CharField(max_length=24, blank=True)  # "" when not asked
    heart_valve = models.CharField(max_length=16, blank=True)  # none | bioprosthetic | mechanical
    pregnancy = models.CharField(max_length=20, blank=True)  # "" when not asked

    def __str__(self) -> str:
        return f"history on {self.on}"


class Examination(Entry):
    flexion_deg = models.FloatField(null=True, blank=True)
    abduction_deg = models.FloatField(null=True, blank=True)
    internal_rotation_deg = models.FloatField(null=True, blank=True)
    external_rotation_deg = models.FloatField(null=True, blank=True)
    leg_length_difference_mm = models.FloatField(null=True, blank=True)
    gait = models.CharField(max_length=200, blank=True)

    def __str__(self) -> str:
        return f"examination on {self.on}"


class Imaging(Entry):
    modality = models.CharField(max_length=12)
    side = models.CharField(max_length=8, blank=True)  # left, right, both ("" before 0002)
    diagnosis = models.CharField(max_length=30, blank=True)
    avn_system = models.CharField(max_length=20, blank=True)
    avn_stage = models.CharField(max_length=8, blank=True)
    head_collapse = models.BooleanField(null=True)
    kerboul_angle_deg = models.FloatField(null=True, blank=True)
    templated_head_size_mm = models.FloatField(null=True, blank=True)
    acetabular_bone_stock = models.CharField(max_length=12, blank=True)

    def __str__(self) -> str:
        return f"{self.modality} on {self.on}"


class AsaGrade(Entry):
    grade = models.CharField(max_length=3)

    def __str__(self) -> str:
        return f"ASA {self.grade}"


class AnaestheticDiscussion(Entry):
    options_discussed = models.JSONField()
    preference = models.CharField(max_length=10)
    consultant_note = models.TextField(blank=True)

    def __str__(self) -> str:
        return f"anaesthetic discussion on {self.on}"


class OptimisationAction(Entry):
    action = models.CharField(max_length=30)
    note = models.TextField(blank=True)

    def __str__(self) -> str:
        return f"{self.action} on {self.on}"


class MedicinePlan(Entry):
    """A clinician's decision about one medicine before this hip's operation."""

    medicine = models.CharField(max_length=120)
    action = models.CharField(max_length=10)  # continue | stop
    days_before = models.PositiveSmallIntegerField(null=True, blank=True)
    restart_days_after = models.PositiveSmallIntegerField(null=True, blank=True)
    # An anticoagulant's plan (decisions/domain/anticoagulation.py); blank for others.
    anticoagulant_indication = models.CharField(max_length=30, blank=True)
    bridging = models.BooleanField(null=True)
    bridging_note = models.TextField(blank=True)
    creatinine_clearance_ml_min = models.FloatField(null=True, blank=True)
    inr_check_days_before = models.PositiveSmallIntegerField(null=True, blank=True)
    note = models.TextField(blank=True)

    def __str__(self) -> str:
        if self.action == "stop":
            return f"{self.medicine}: stop {self.days_before} days before"
        return f"{self.medicine}: continue"


class VteAssessment(Entry):
    """A VTE and bleeding risk assessment: at pre-assessment, or again on admission."""

    setting = models.CharField(max_length=16)  # pre-assessment | admission
    risk_factors = models.JSONField()  # codes of assessment/domain/vte.VteRiskFactor
    bleeding_risks = models.JSONField()  # codes of assessment/domain/vte.BleedingRisk
    vte_risk_outweighs_bleeding_risk = models.BooleanField()
    regimen = models.CharField(max_length=40, blank=True)  # the catalogue's regimen code
    note = models.TextField(blank=True)

    class Meta(Entry.Meta):
        indexes = (models.Index(fields=("episode", "setting", "-on"), name="vte_latest"),)

    def __str__(self) -> str:
        return f"VTE risk assessment ({self.setting}) on {self.on}"


class CautionAcknowledgement(PublicIdModel):
    """A surgeon's recorded acknowledgement of a hip's candidacy cautions, with the reason.

    The newest one counts, and only for the cautions (rule ids) it names: a caution that
    appears later needs a new acknowledgement before the hip can be ready.
    """

    episode = models.ForeignKey(Episode, on_delete=models.PROTECT, related_name="+")
    cautions = models.JSONField()  # rule id -> the finding's message when acknowledged
    reason = models.TextField()
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()
    catalogue_version = models.CharField(max_length=40)

    class Meta:
        ordering = ("-at", "-id")
        indexes = (models.Index(fields=("episode", "-at"), name="caution_ack_episode_at"),)

    def __str__(self) -> str:
        return f"cautions acknowledged on {day_month_year(self.at.date())}"


class Readiness(models.Model):
    """The episode's readiness as last computed, kept so worklists never recompute it.

    Rewritten in the same transaction as every entry that can change it; the dates let a
    worklist compare with today without recomputing anything.
    """

    episode = models.OneToOneField(Episode, on_delete=models.CASCADE, related_name="readiness")
    readiness = models.CharField(max_length=20)
    candidacy = models.CharField(max_length=20)
    missing_count = models.PositiveSmallIntegerField()
    expired_count = models.PositiveSmallIntegerField()
    abnormal_count = models.PositiveSmallIntegerField()
    unactioned_count = models.PositiveSmallIntegerField()
    expires_on = models.DateField(null=True)  # the soonest a met requirement expires
    first_stop_on = models.DateField(null=True)  # the earliest medication stop date
    # A medicine whose stop day had passed before it (or its plan) was recorded.
    late_stop = models.BooleanField(default=False, db_index=True)
    # When the gate last moved the hip back (ready or scheduled, no longer ready), and why;
    # cleared when the hip is ready again.
    moved_back_at = models.DateTimeField(null=True, blank=True)
    moved_back_reason = models.TextField(blank=True)
    # What waits on a clinician, counted from the panel when it is written (worklist
    # ``waiting_of`` words them): cautions no surgeon has acknowledged, medicines to decide.
    cautions_waiting = models.PositiveSmallIntegerField(default=0)
    decisions_waiting = models.PositiveSmallIntegerField(default=0)
    panel = models.JSONField()  # requirements, medication stops, findings, gate, for display
    computed_at = models.DateTimeField()

    class Meta:
        indexes = (
            models.Index(fields=("missing_count",), name="readiness_missing"),
            models.Index(fields=("expires_on",), name="readiness_expires"),
            models.Index(fields=("first_stop_on",), name="readiness_first_stop"),
            models.Index(fields=("unactioned_count",), name="readiness_unactioned"),
            models.Index(fields=("moved_back_at",), name="readiness_moved_back"),
            models.Index(fields=("cautions_waiting",), name="readiness_cautions_waiting"),
            models.Index(fields=("decisions_waiting",), name="readiness_decisions_waiting"),
        )

    def __str__(self) -> str:
        return f"{self.episode_id}: {self.readiness}"

    @property
    def readiness_label(self) -> str:
        """The readiness in words ("Not yet known: measurements are missing")."""
        return Verdict(self.readiness).label

    @property
    def candidacy_label(self) -> str:
        """The candidacy in words ("Suitable with cautions a surgeon must acknowledge")."""
        return Candidacy(self.candidacy).label


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
