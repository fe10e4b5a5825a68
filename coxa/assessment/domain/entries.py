"""What the pre-assessment clinic records, as checked input. Pure.

Each kind of entry has a schema; every schema forbids unknown fields and every text is
bounded and storable (``core/inputs.py``). Every date must lie between 1950 (and the
patient's birth) and today: ``date_problems`` judges it before anything is computed from
it. Measurements are stored as recorded and normalised (``coxa/terminology/units.py``).
"""

import datetime as dt
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import Field, model_validator

from coxa.assessment.domain.base import Entry, Text
from coxa.assessment.domain.vte import VteAssessmentIn
from coxa.core.errors import ErrorCode, Problem
from coxa.core.inputs import EARLIEST_EVENT, STORABLE, Measure
from coxa.decisions.domain.allergies import AllergyStatus
from coxa.decisions.domain.anticoagulation import AnticoagulationPlan
from coxa.decisions.domain.anticoagulation import Indication as AnticoagulantIndication
from coxa.decisions.domain.document import Diagnosis, Indication
from coxa.decisions.domain.history import Haemoglobinopathy, HeartValve, Pregnancy
from coxa.decisions.domain.staging import StagingSystem, allowed_stages, read_stage
from coxa.terminology.codes import AtcCode, DrugClass
from coxa.terminology.units import MEASUREMENTS, ObservationCode, normalise

ShortText = Annotated[str, Field(min_length=1, max_length=120), STORABLE]
SubstanceCode = Annotated[str, Field(pattern=r"^[0-9]{6,18}$")]


class Kind(StrEnum):
    """The kinds of entry; the first five describe the patient, the rest this hip."""

    OBSERVATION = "observation"
    MEDICATION = "medication"
    ALLERGY = "allergy"
    REVIEW = "review"
    SMOKING = "smoking"
    HISTORY = "history"
    EXAMINATION = "examination"
    IMAGING = "imaging"
    ASA = "asa"
    ANAESTHETIC = "anaesthetic"
    ACTION = "action"
    MEDICINE_PLAN = "medicine-plan"
    VTE = "vte"  # the VTE and bleeding risk assessment (domain/vte.py)


# Actions that change a decision, not only record that something was done: a clinician's.
CLINICIAN_ACTIONS = frozenset({"haematology-plan"})
PATIENT_LEVEL = frozenset(
    {Kind.OBSERVATION, Kind.MEDICATION, Kind.ALLERGY, Kind.REVIEW, Kind.SMOKING, Kind.HISTORY}
)


# ------------------------------------------------------------------ measurements
class ObservationIn(Entry):
    code: ObservationCode
    value: Measure
    unit: Annotated[str, Field(min_length=1, max_length=30), STORABLE]
    observed_on: dt.date


def normalise_observation(entry: ObservationIn) -> tuple[float | None, str, Problem | None]:
    """(normalised value, Coxa's unit, problem): refused units and implausible values named."""
    value, problem = normalise(entry.code, entry.value, entry.unit)
    return value, MEASUREMENTS[entry.code].unit, problem


def bmi_from(height_cm: float, weight_kg: float) -> float:
    """BMI in kg/m2 from height and weight."""
    return round(weight_kg / (height_cm / 100) ** 2, 1)


# ------------------------------------------------------------------ the patient
class MedicationIn(Entry):
    name: ShortText
    drug_class: DrugClass = Field(alias="class")
    atc: AtcCode | None = None  # the medicine's WHO ATC code, from the catalogue's list
    indication: Indication | None = None  # why it is taken (asked for antiplatelets)
    dose: Annotated[str, Field(max_length=120), STORABLE] = ""
    active: bool = True  # False records that the patient no longer takes it
    recorded_on: dt.date


class AllergyIn(Entry):
    """An allergy, coded by its substance (SNOMED CT) where the list has it.

    The substance in words is always kept; one without a code counts as not coded, so a rule
    that needs to know what it is (metal sensitivity) stays unknown until it is coded.
    """

    substance: ShortText
    substance_code: SubstanceCode | None = None  # SNOMED CT, from Coxa's list
    status: AllergyStatus = "active"  # inactive: no longer; refuted: tested and not allergic
    reaction: Annotated[str, Field(max_length=200), STORABLE] = ""
    recorded_on: dt.date


class ReviewIn(Entry):
    """A list checked with the patient; none_known records "takes none" / "no allergies"."""

    list: Literal["medications", "allergies"]
    none_known: bool
    reviewed_on: dt.date


class SmokingIn(Entry):
    status: Literal["never", "former", "current"]
    quit_on: dt.date | None = None
    recorded_on: dt.date

    @model_validator(mode="after")
    def _quit_date(self) -> "SmokingIn":
        if self.quit_on is not None and self.status != "former":
            raise ValueError("quit_on is only for former smokers")
        return self


class HistoryIn(Entry):
    diabetes: bool | None = None
    coronary_stent_or_recent_acs: bool | None = None
    # A known sensitivity to cobalt, chromium or nickel (FDA: no metal-on-metal hip). Asked
    # as yes or no: an allergy typed as free text can only add a warning, never clear it.
    metal_sensitivity: bool | None = None
    # Sickle cell disease or another haemoglobinopathy (a haematologist plans the operation)
    # and a replaced heart valve (a mechanical one is a reason for an anticoagulant).
    haemoglobinopathy: Haemoglobinopathy | None = None
    heart_valve: HeartValve | None = None
    # Asked of a woman of childbearing age when the operation uses X-rays (IR(ME)R).
    pregnancy: Pregnancy | None = None
    recorded_on: dt.date


# ------------------------------------------------------------------ this hip
class ExaminationIn(Entry):
    flexion_deg: float | None = Field(default=None, ge=0, le=160)
    abduction_deg: float | None = Field(default=None, ge=0, le=90)
    internal_rotation_deg: float | None = Field(default=None, ge=0, le=90)
    external_rotation_deg: float | None = Field(default=None, ge=0, le=90)
    leg_length_difference_mm: float | None = Field(default=None, ge=-100, le=100)
    gait: Annotated[str, Field(max_length=200), STORABLE] = ""
    examined_on: dt.date


class ImagingIn(Entry):
    modality: Literal["x-ray", "mri", "ct", "ultrasound"]
    side: Literal["left", "right", "both"]  # which hip the study shows ("both": a pelvis)
    imaged_on: dt.date
    diagnosis: Diagnosis | None = None
    avn_system: StagingSystem | None = None
    avn_stage: Annotated[str, Field(max_length=8), STORABLE] | None = None
    head_collapse: bool | None = None
    kerboul_angle_deg: float | None = Field(default=None, ge=0, le=360)
    templated_head_size_mm: float | None = Field(default=None, ge=30, le=70)
    acetabular_bone_stock: Literal["adequate", "inadequate"] | None = None


def imaging_problems(entry: ImagingIn, *, hip_side: str) -> list[Problem]:
    """A study must show this hip, and its stage and collapse finding must agree."""
    problems = []
    if entry.side not in ("both", hip_side):
        problems.append(
            Problem(
                ErrorCode.WRONG_SIDE,
                f"this study is of the {entry.side} hip; this episode is for the {hip_side} "
                "hip: record it on that hip's episode",
                "side",
            )
        )
    if (entry.avn_system is None) != (entry.avn_stage is None):
        problems.append(
            Problem(
                ErrorCode.INCOMPLETE_STAGE,
                "give both the staging system and the stage",
                "avn_stage",
            )
        )
        return problems
    if entry.avn_system is None or entry.avn_stage is None:
        return problems
    stage = read_stage(entry.avn_system, entry.avn_stage)
    if stage is None:
        problems.append(
            Problem(
                ErrorCode.UNKNOWN_STAGE,
                f"{entry.avn_system.value} has no stage "
                f"{entry.avn_stage!r}; its stages are {allowed_stages(entry.avn_system)}",
                "avn_stage",
            )
        )
    elif entry.head_collapse is not None and entry.head_collapse != stage.collapsed:
        means = "collapse" if stage.collapsed else "no collapse"
        problems.append(
            Problem(
                ErrorCode.STAGE_COLLAPSE_CONFLICT,
                f"{stage.label} means {means}, but head_collapse says "
                f"{'collapse' if entry.head_collapse else 'no collapse'}: correct one of them",
                "head_collapse",
            )
        )
    return problems


class AsaIn(Entry):
    """ASA physical status (ASA, amended 2020): I to VI, assigned by the anaesthetist."""

    grade: Literal["I", "II", "III", "IV", "V", "VI"]
    assessed_on: dt.date


class AnaestheticIn(Entry):
    """The anaesthetic discussion (source page b: general or spinal, chosen together)."""

    options_discussed: tuple[Literal["general", "spinal"], ...] = Field(min_length=1, max_length=2)
    preference: Literal["general", "spinal", "undecided"]
    consultant_note: Text = ""
    discussed_on: dt.date


class ActionIn(Entry):
    """Something done about a readiness gate (a GP referral, weight-management referral...)."""

    action: Literal[
        "weight-management",
        "refer-gp-blood-pressure",
        "anaemia-work-up",
        "diabetes-optimisation",
        "stop-smoking",
        "medicine-review",
        "haematology-referral",
        "haematology-plan",  # the haematologist's plan received: a surgeon or anaesthetist
        "pregnancy-review",
    ]
    note: Text = ""
    taken_on: dt.date


class MedicinePlanIn(Entry):
    """A clinician's decision about one current medicine before this hip's operation.

    Recorded by a surgeon or an anaesthetist; it replaces the policy's advice for that
    medicine (an antiplatelet after a stent is continued, say, or stopped 5 days before).
    """

    medicine: ShortText  # as it is named in the patient's current medicines
    action: Literal["continue", "stop"]
    days_before: int | None = Field(default=None, ge=1, le=60)
    restart_days_after: int | None = Field(default=None, ge=0, le=60)
    # An anticoagulant's plan also says why it is taken, whether bridging is needed (and
    # what), the creatinine clearance for dabigatran and the INR check for warfarin.
    anticoagulant_indication: AnticoagulantIndication | None = None
    bridging: bool | None = None
    bridging_note: Text = ""
    creatinine_clearance_ml_min: float | None = Field(default=None, ge=0, le=250)
    inr_check_days_before: int | None = Field(default=None, ge=0, le=7)
    note: Text = ""
    decided_on: dt.date

    def anticoagulation(self) -> AnticoagulationPlan | None:
        """The anticoagulation part, when any of it is given (checked for completeness)."""
        if self.anticoagulant_indication is None and self.bridging is None:
            return None
        return AnticoagulationPlan(
            indication=self.anticoagulant_indication or "",
            bridging=bool(self.bridging),
            bridging_note=self.bridging_note,
            creatinine_clearance_ml_min=self.creatinine_clearance_ml_min,
            inr_check_days_before=self.inr_check_days_before,
        )


def plan_problems(entry: MedicinePlanIn) -> list[Problem]:
    """A stop says when; a medicine that continues has neither a stop nor a restart."""
    if entry.action == "stop" and entry.days_before is None:
        return [
            Problem(
                ErrorCode.REQUIRED, "say how many days before the operation to stop", "days_before"
            )
        ]
    if entry.action == "continue":
        return [
            Problem(
                ErrorCode.NOT_STOPPED,
                f"a medicine that continues has no {name.replace('_', ' ')}",
                name,
            )
            for name in ("days_before", "restart_days_after")
            if getattr(entry, name) is not None
        ]
    return []


SCHEMAS: dict[Kind, type[Entry]] = {
    Kind.OBSERVATION: ObservationIn,
    Kind.MEDICATION: MedicationIn,
    Kind.ALLERGY: AllergyIn,
    Kind.REVIEW: ReviewIn,
    Kind.SMOKING: SmokingIn,
    Kind.HISTORY: HistoryIn,
    Kind.EXAMINATION: ExaminationIn,
    Kind.IMAGING: ImagingIn,
    Kind.ASA: AsaIn,
    Kind.ANAESTHETIC: AnaestheticIn,
    Kind.ACTION: ActionIn,
    Kind.MEDICINE_PLAN: MedicinePlanIn,
    Kind.VTE: VteAssessmentIn,
}
DATE_FIELDS = (
    "observed_on",
    "recorded_on",
    "reviewed_on",
    "examined_on",
    "imaged_on",
    "assessed_on",
    "discussed_on",
    "taken_on",
    "decided_on",
)


def entry_date(entry: Entry) -> dt.date:
    for name in DATE_FIELDS:
        value = getattr(entry, name, None)
        if isinstance(value, dt.date):
            return value
    raise ValueError("an entry always has a date")


def date_problems(entry: Entry, *, today: dt.date, born: dt.date) -> list[Problem]:
    """Dates in the future, before 1950, or before the patient was born, are refused."""
    problems = []
    for name in (*DATE_FIELDS, "quit_on"):
        value = getattr(entry, name, None)
        if not isinstance(value, dt.date):
            continue
        if value > today:
            problems.append(
                Problem(ErrorCode.DATE_IN_FUTURE, f"{name} cannot be in the future", name)
            )
        elif value < EARLIEST_EVENT:
            problems.append(
                Problem(
                    ErrorCode.IMPLAUSIBLE_DATE,
                    f"{name} must be between {EARLIEST_EVENT} and today",
                    name,
                )
            )
        elif value < born:
            problems.append(
                Problem(ErrorCode.BEFORE_BIRTH, f"{name} is before date of birth", name)
            )
    return problems
