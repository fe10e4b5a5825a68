"""The decision input: a documented JSON document, checked and turned into frozen facts.

Every problem is reported at once, each naming its field by dotted path. Missing facts stay
None (unknown); they are never filled with a normal value.
"""

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from coxa.core.errors import ErrorCode, InvalidInput, Problem, validation_problems
from coxa.core.inputs import STORABLE, Day, Measure
from coxa.decisions.domain.allergies import (
    Allergy,
    DocumentAllergyIn,
    allergy_problems,
    read_allergy,
)
from coxa.decisions.domain.anticoagulation import AnticoagulationPlan
from coxa.decisions.domain.anticoagulation import Indication as AnticoagulantIndication
from coxa.decisions.domain.history import Haemoglobinopathy, HeartValve, Pregnancy
from coxa.decisions.domain.staging import Stage, StagingSystem, allowed_stages, read_stage
from coxa.terminology.codes import AtcCode, DrugClass, drug_class_of
from coxa.terminology.units import ObservationCode, normalise

Diagnosis = Literal[
    "osteoarthritis", "inflammatory-arthritis", "avascular-necrosis", "dysplasia", "other"
]
# Why an antiplatelet medicine is taken. All but primary prevention are reasons a stop is
# never set from policy (clinical-facts 3.6: never auto-stop after stents or recent ACS).
Indication = Literal[
    "coronary-stent",
    "acute-coronary-syndrome",
    "stroke-or-tia",
    "peripheral-arterial-disease",
    "primary-prevention",
    "other",
]


class _Closed(BaseModel):
    # Validators built on first use, not as Coxa loads (catalogue.schema_base.Strict).
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)


class Quantity(_Closed):
    value: Measure
    unit: Annotated[str, Field(min_length=1, max_length=30), STORABLE]


class DocumentPatientIn(_Closed):
    sex: Literal["female", "male", "other", "unknown"] | None = None
    age_years: int | None = Field(default=None, ge=0, le=120)
    diabetes: bool | None = None
    coronary_stent_or_recent_acs: bool | None = None
    metal_sensitivity: bool | None = None  # to cobalt, chromium or nickel, asked as yes/no
    haemoglobinopathy: Haemoglobinopathy | None = None
    heart_valve: HeartValve | None = None
    haematology_plan: bool | None = None  # a haematologist's plan for the operation recorded
    pregnancy: Pregnancy | None = None


class StagingIn(_Closed):
    system: StagingSystem
    stage: Annotated[str, Field(min_length=1, max_length=8), STORABLE]


class HipIn(_Closed):
    side: Literal["left", "right"] | None = None
    diagnosis: Diagnosis | None = None
    avn_staging: StagingIn | None = None
    head_collapse: bool | None = None
    # A still-valid earlier study showed collapse (the newest did not): a conflict.
    collapse_on_earlier_imaging: bool | None = None
    kerboul_angle_deg: float | None = Field(default=None, ge=0, le=360)
    templated_head_size_mm: float | None = Field(default=None, ge=30, le=70)
    acetabular_bone_stock: Literal["adequate", "inadequate"] | None = None


class ObservationsIn(_Closed):
    bmi: Quantity | None = None
    systolic_bp: Quantity | None = None
    diastolic_bp: Quantity | None = None
    haemoglobin: Quantity | None = None
    hba1c: Quantity | None = None
    egfr: Quantity | None = None


class ActivityIn(_Closed):
    ucla: int | None = Field(default=None, ge=1, le=10)


class DocumentAnticoagulationIn(_Closed):
    """What an anticoagulant's plan adds: why it is taken, bridging, kidney function, INR."""

    indication: AnticoagulantIndication
    bridging: bool
    bridging_note: Annotated[str, Field(max_length=2000), STORABLE] = ""
    creatinine_clearance_ml_min: float | None = Field(default=None, ge=0, le=250)
    inr_check_days_before: int | None = Field(default=None, ge=0, le=7)


class DocumentMedicinePlanIn(_Closed):
    """A clinician's recorded decision for one medicine before this operation."""

    action: Literal["continue", "stop"]
    days_before: int | None = Field(default=None, ge=1, le=60)
    restart_days_after: int | None = Field(default=None, ge=0, le=60)
    decided_on: Day | None = None
    anticoagulation: DocumentAnticoagulationIn | None = None  # for an anticoagulant


class DocumentMedicationIn(_Closed):
    name: Annotated[str, Field(min_length=1, max_length=100), STORABLE]
    drug_class: DrugClass = Field(alias="class")
    atc: AtcCode | None = None  # WHO ATC code, when the medicine is coded; else not coded
    dose: Annotated[str, Field(max_length=120), STORABLE] = ""  # as prescribed, in words
    indication: Indication | None = None  # why it is taken (antiplatelets)
    plan: DocumentMedicinePlanIn | None = None  # a clinician's decision, once recorded
    recorded_on: Day | None = None  # when the medicine was last recorded


class DecisionDocument(_Closed):
    """What the engine is asked: one procedure for one hip, and what is known."""

    procedure: Annotated[str, Field(max_length=40), STORABLE]
    patient: DocumentPatientIn = DocumentPatientIn()
    hip: HipIn = HipIn()
    observations: ObservationsIn = ObservationsIn()
    smoking: Literal["never", "former", "current"] | None = None
    activity: ActivityIn = ActivityIn()
    # None: not known. An empty list: known to take none / have none.
    medications: Annotated[tuple[DocumentMedicationIn, ...], Field(max_length=100)] | None = None
    allergies: (
        Annotated[
            tuple[Annotated[str, Field(max_length=120), STORABLE] | DocumentAllergyIn, ...],
            Field(max_length=100),
        ]
        | None
    ) = None
    planned_operation_date: Day | None = None


@dataclass(frozen=True, slots=True)
class MedicinePlan:
    action: str  # continue | stop
    days_before: int | None = None
    restart_days_after: int | None = None
    decided_on: dt.date | None = None
    anticoagulation: AnticoagulationPlan | None = None


@dataclass(frozen=True, slots=True)
class Medication:
    name: str
    drug_class: str
    atc: str | None = None
    indication: str | None = None
    plan: MedicinePlan | None = None
    recorded_on: dt.date | None = None
    dose: str = ""

    @property
    def coded(self) -> bool:
        return self.atc is not None


@dataclass(frozen=True, slots=True)
class Facts:
    """Everything the rules may read, in Coxa's units; None means unknown."""

    procedure: str
    sex: str | None = None
    age_years: int | None = None
    diabetes: bool | None = None
    coronary_stent_or_recent_acs: bool | None = None
    metal_sensitivity: bool | None = None
    haemoglobinopathy: str | None = None
    heart_valve: str | None = None
    haematology_plan: bool | None = None
    pregnancy: str | None = None
    side: str | None = None
    diagnosis: str | None = None
    stage: Stage | None = None
    head_collapse: bool | None = None
    collapse_on_earlier_imaging: bool | None = None
    kerboul_angle_deg: float | None = None
    templated_head_size_mm: float | None = None
    acetabular_bone_stock: str | None = None
    bmi: float | None = None
    systolic_bp: float | None = None
    diastolic_bp: float | None = None
    haemoglobin_g_l: float | None = None
    hba1c_mmol_mol: float | None = None
    egfr: float | None = None
    smoking: str | None = None
    ucla: int | None = None
    medications: tuple[Medication, ...] | None = None
    allergies: tuple[Allergy, ...] | None = None
    planned_operation_date: dt.date | None = None


_OBSERVATION_FIELDS: dict[ObservationCode, str] = {
    "bmi": "bmi",
    "systolic_bp": "systolic_bp",
    "diastolic_bp": "diastolic_bp",
    "haemoglobin": "haemoglobin_g_l",
    "hba1c": "hba1c_mmol_mol",
    "egfr": "egfr",
}


def _observations(document: DecisionDocument, problems: list[Problem]) -> dict[str, float | None]:
    values: dict[str, float | None] = {}
    for code, attribute in _OBSERVATION_FIELDS.items():
        quantity: Quantity | None = getattr(document.observations, code)
        if quantity is None:
            values[attribute] = None
            continue
        value, problem = normalise(code, quantity.value, quantity.unit, f"observations.{code}")
        if problem is not None:
            problems.append(problem)
        values[attribute] = value
    systolic, diastolic = values["systolic_bp"], values["diastolic_bp"]
    if systolic is not None and diastolic is not None and systolic <= diastolic:
        problems.append(
            Problem(
                ErrorCode.IMPLAUSIBLE_VALUE,
                "systolic_bp must be higher than diastolic_bp",
                "observations.systolic_bp.value",
            )
        )
    return values


def _stage(document: DecisionDocument, problems: list[Problem]) -> Stage | None:
    staging = document.hip.avn_staging
    if staging is None:
        return None
    stage = read_stage(staging.system, staging.stage)
    if stage is None:
        problems.append(
            Problem(
                ErrorCode.UNKNOWN_STAGE,
                f"{staging.system.value} has no stage {staging.stage!r}; its stages are "
                f"{allowed_stages(staging.system)} (Roman numerals)",
                "hip.avn_staging.stage",
            )
        )
    return stage


def parse_document(data: Any) -> DecisionDocument:
    """Check the shape of a decision document (parsed JSON); raise InvalidInput."""
    try:
        return DecisionDocument.model_validate(data)
    except ValidationError as error:
        raise InvalidInput.of(validation_problems(error.errors(), whole="document")) from None


def _medicine_problems(
    document: DecisionDocument, classes: Mapping[str, str] | None
) -> list[Problem]:
    """A coded medicine's class is the one its code has; a plan to stop gives its days."""
    problems = []
    for index, m in enumerate(document.medications or ()):
        known = None
        if m.atc:  # the catalogue's class, or else the class of the code's ATC group
            known = (classes or {}).get(m.atc) or drug_class_of(m.atc)
            known = None if known == "other" and m.atc not in (classes or {}) else known
        if known is not None and known != m.drug_class:
            problems.append(
                Problem(
                    ErrorCode.CLASS_MISMATCH,
                    f"{m.atc} is a {known} medicine, not {m.drug_class}",
                    f"medications.{index}.class",
                )
            )
        if m.plan is not None and m.plan.action == "stop" and m.plan.days_before is None:
            problems.append(
                Problem(
                    ErrorCode.REQUIRED,
                    "a plan to stop a medicine needs days_before",
                    f"medications.{index}.plan.days_before",
                )
            )
    return problems


def facts_of(
    document: DecisionDocument,
    *,
    procedure_codes: tuple[str, ...],
    medicine_classes: Mapping[str, str] | None = None,
) -> Facts:
    """Check a well-shaped document's meaning (procedure, stage, units); return its facts.

    ``medicine_classes`` (ATC code to class, from the catalogue) refuses a coded medicine
    given another class, so that no class rule reaches a medicine it is not about.
    """
    problems: list[Problem] = []
    if document.procedure not in procedure_codes:
        problems.append(
            Problem(
                ErrorCode.UNKNOWN_PROCEDURE,
                f"procedure must be one of: {', '.join(procedure_codes)}",
                "procedure",
            )
        )
    observations = _observations(document, problems)
    stage = _stage(document, problems)
    problems += _medicine_problems(document, medicine_classes)
    problems += allergy_problems(document.allergies)
    if problems:
        raise InvalidInput.of(problems)
    medications = document.medications
    return Facts(
        procedure=document.procedure,
        sex=document.patient.sex,
        age_years=document.patient.age_years,
        diabetes=document.patient.diabetes,
        coronary_stent_or_recent_acs=document.patient.coronary_stent_or_recent_acs,
        metal_sensitivity=document.patient.metal_sensitivity,
        haemoglobinopathy=document.patient.haemoglobinopathy,
        heart_valve=document.patient.heart_valve,
        haematology_plan=document.patient.haematology_plan,
        pregnancy=document.patient.pregnancy,
        side=document.hip.side,
        diagnosis=document.hip.diagnosis,
        stage=stage,
        head_collapse=document.hip.head_collapse,
        collapse_on_earlier_imaging=document.hip.collapse_on_earlier_imaging,
        kerboul_angle_deg=document.hip.kerboul_angle_deg,
        templated_head_size_mm=document.hip.templated_head_size_mm,
        acetabular_bone_stock=document.hip.acetabular_bone_stock,
        smoking=document.smoking,
        ucla=document.activity.ucla,
        medications=None
        if medications is None
        else tuple(_medication(m, medicine_classes) for m in medications),
        allergies=None
        if document.allergies is None
        else tuple(read_allergy(a) for a in document.allergies),
        planned_operation_date=document.planned_operation_date,
        **observations,
    )


def _medication(m: DocumentMedicationIn, classes: Mapping[str, str] | None) -> Medication:
    """A medicine as the rules read it.

    A code that is neither on the catalogue's list nor in an ATC group Coxa knows says
    nothing Coxa can read: the medicine counts as not coded (its rules unknown), never as
    "other" and cleared.
    """
    plan = m.plan
    readable = m.atc is not None and (m.atc in (classes or {}) or drug_class_of(m.atc) != "other")
    return Medication(
        m.name.strip(),
        m.drug_class,
        m.atc if readable else None,
        m.indication,
        None
        if plan is None
        else MedicinePlan(
            plan.action,
            plan.days_before,
            plan.restart_days_after,
            plan.decided_on,
            None
            if plan.anticoagulation is None
            else AnticoagulationPlan(**plan.anticoagulation.model_dump()),
        ),
        m.recorded_on,
        m.dose.strip(),
    )


def read_document(
    data: Any,
    *,
    procedure_codes: tuple[str, ...],
    medicine_classes: Mapping[str, str] | None = None,
) -> Facts:
    """Parse and check a decision document in one step (the CLI and tests use this)."""
    return facts_of(
        parse_document(data), procedure_codes=procedure_codes, medicine_classes=medicine_classes
    )


def document_json_schema() -> dict[str, Any]:
    """The published JSON Schema of the decision input (docs/decisions/input.schema.json)."""
    return DecisionDocument.model_json_schema(by_alias=True)
