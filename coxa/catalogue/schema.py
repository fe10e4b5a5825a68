"""The shape of the catalogue files (pydantic, strict). loader.py assembles and cross-checks.

Every model forbids unknown keys, so a misspelt field is an error, not a silent default.
"""

import datetime as dt
from collections.abc import Sequence
from typing import Annotated, Literal

from pydantic import Field, StringConstraints, model_validator

from coxa.catalogue.schema_base import Code, SourceIds, Strict
from coxa.catalogue.schema_complications import ComplicationType
from coxa.catalogue.schema_endpoints import ConversionReason
from coxa.catalogue.schema_followup import FollowUpSchedule
from coxa.catalogue.schema_instruments import Instrument
from coxa.catalogue.schema_medicines import (
    AnticoagulantTiming,
    BleedingRisk,
    MedicationStop,
    Medicine,
    VteProphylaxis,
)
from coxa.catalogue.schema_patient import PatientInformation
from coxa.catalogue.schema_reviews import ReviewsFile
from coxa.catalogue.schema_surveillance import ImplantClass, SurveillanceFile


class Source(Strict):
    id: Code
    title: str
    # H and M facts only (clinical-facts.md); "local" marks the service's own policy.
    confidence: Literal["H", "M", "local"]
    url: str | None = None


class Threshold(Strict):
    value: float
    unit: str
    rule: str
    sources: SourceIds


class SizeRange(Strict):
    low: float = Field(gt=0)
    high: float = Field(gt=0)

    @model_validator(mode="after")
    def _ordered(self) -> "SizeRange":
        if self.low >= self.high:
            raise ValueError("low must be smaller than high")
        return self


class CupPairing(Strict):
    head: float = Field(gt=0)
    cups: tuple[float, ...] = Field(min_length=1)


class OverrideReason(Strict):
    code: Code
    # Which head-size restriction the reason may answer (none answers "contraindicated"
    # unless the service's clinical lead adds one).
    applies_to: tuple[Literal["downsizing-only", "contraindicated"], ...] = Field(min_length=1)
    text: str


class Settings(Strict):
    medication_stop_policy: Literal["source-page", "current-guidance"]
    # The resurfacing component sizes the service stocks, in mm: a size outside is refused.
    bhr_stocked_sizes_mm: dict[Literal["femoral", "acetabular"], SizeRange]
    # The cups that go with each resurfacing head (the implant's sizing chart).
    bhr_cups_for_head_mm: tuple[CupPairing, ...]
    # Coded reasons for implanting a restricted head size (with a second clinician).
    head_size_override_reasons: tuple[OverrideReason, ...] = Field(min_length=1)


class CatalogueFile(Strict):
    """catalogue.yaml."""

    version: Annotated[str, StringConstraints(pattern=r"^\d{4}\.\d{1,2}\.\d+$")]
    effective_on: dt.date
    settings: Settings
    sources: tuple[Source, ...]
    thresholds: dict[Code, Threshold]
    medicines: tuple[Medicine, ...]
    medication_stops: tuple[MedicationStop, ...]
    anticoagulant_timings: tuple[AnticoagulantTiming, ...]


class Coding(Strict):
    system: str
    code: str
    display: str
    sources: SourceIds


class Statement(Strict):
    code: Code
    text: str
    sources: SourceIds


class Requirement(Strict):
    code: Code
    kind: Literal["blood-test", "examination", "imaging", "measurement", "assessment"]
    title: str
    valid_days: int = Field(ge=1, le=3650)
    sources: SourceIds
    validity_sources: SourceIds


# What an operation note records beyond what every note has (date, times, side, surgeon,
# anaesthetic, findings, events). Each code is a part of the note form and of the check that a
# signed note is complete (surgery/domain/note_checks.py):
# - approach: the approach, and the reason when it is not the procedure's usual one;
# - <component>-component: a fixed implant row, one of that component, sized within stock;
# - implants: free implant rows (the parts of a hip replacement);
# - downsizing: a restricted head size, with a coded reason and a second clinician;
# - drill-passes, bone-graft-substitute: a core decompression's drill passes and its graft;
# - vte-prophylaxis: the prophylaxis prescribed (a regimen of ``vte_prophylaxis``, a
#   clinician's own agent, dose and duration, or none with a reason).
NoteFieldCode = Literal[
    "approach",
    "femoral-component",
    "acetabular-component",
    "implants",
    "downsizing",
    "drill-passes",
    "bone-graft-substitute",
    "vte-prophylaxis",
]
FIXED_COMPONENTS: dict[str, str] = {
    "femoral-component": "femoral",
    "acetabular-component": "acetabular",
}


class NoteField(Strict):
    code: NoteFieldCode
    title: str
    sources: SourceIds


class Discharge(Strict):
    destinations: tuple[Literal["home", "rehabilitation-facility"], ...]
    criteria: tuple[Statement, ...]


class Phase(Strict):
    """A weight-bearing phase; days count from the operation (day 0)."""

    code: Code
    title: str
    start_day: int = Field(ge=0)
    end_day_min: int = Field(ge=1)
    end_day_max: int = Field(ge=1)
    weight_bearing: Literal["offloaded", "partial", "as-advised", "full"]
    walking_aid: Literal["crutches", "cane", "frame", "none"]
    sources: SourceIds


class Advice(Strict):
    text: str
    sources: SourceIds


class Appointment(Strict):
    kind: Literal["physiotherapy-review", "wound-check", "follow-up"]
    title: str
    day: int = Field(ge=1)
    sources: SourceIds


class Recovery(Strict):
    phases: tuple[Phase, ...]
    pain_relief: Advice
    exercise: Advice
    appointments: tuple[Appointment, ...]


class Frequency(Strict):
    """How often a risk happens, as a published figure says it, with that figure's sources."""

    text: str = Field(min_length=1)  # plain English with the figure ("about 1 in 100")
    sources: SourceIds


# When a risk must be discussed before consent: "always" (a material risk of the operation)
# or only when a restricted head size may be used (the head-size override links to it).
RiskDiscussed = Literal["always", "restricted-head-size"]


class Risk(Strict):
    code: Code
    title: str  # plain English
    # None: no published figure Coxa may use ([H] or [M]); shown as "not known", never guessed.
    frequency: Frequency | None = None
    discussed: RiskDiscussed = "always"
    sources: SourceIds


class Alternative(Strict):
    """A choice other than this operation, discussed before consent (plain English)."""

    code: Code
    title: str = Field(min_length=1)
    text: str = Field(min_length=1)  # what it is and whom it suits
    procedure: Code | None = None  # the catalogue's procedure, when the choice is one
    must_discuss: bool  # every consent records it; otherwise where it applies
    sources: SourceIds


class Surveillance(Strict):
    """The procedure's implant is followed for life; how is surveillance.yaml's (ADR 0024)."""

    implant: ImplantClass
    review_for: Literal["life-of-implant"]
    sources: SourceIds


# What the patient should act on after the operation, in two groups: "get-help-now" (an
# emergency: call 999) and "call-us" (the service's own numbers, configured in settings).
WarningGroup = Literal["get-help-now", "call-us"]


class WarningSign(Strict):
    code: Code
    group: WarningGroup
    text: str = Field(min_length=1)  # plain English the patient reads; no codes
    sources: SourceIds


class XrayUse(Strict):
    used: bool
    sources: SourceIds


class Procedure(Strict):
    code: Code
    title: str
    short_title: str
    # How a sentence names it ("Right hip: core decompression not suitable; consider hip
    # replacement"): the CDS card summaries.
    in_sentence: str
    converts_to: Code | None
    bearing: Literal["metal-on-metal", "none", "other"]
    codings: tuple[Coding, ...]
    indications: tuple[Statement, ...]
    contraindications: tuple[Statement, ...]
    cautions: tuple[Statement, ...]
    requirements: tuple[Requirement, ...]
    # How much the operation may bleed, for stopping anticoagulants (high: the longer stop).
    bleeding_risk: BleedingRisk
    # X-rays in theatre (an image intensifier): pregnancy is asked about first (IR(ME)R).
    intraoperative_xray: XrayUse
    anaesthetic_options: tuple[Literal["general", "spinal"], ...]
    anaesthetic_sources: SourceIds
    approach: Literal["posterior", "lateral", "as-recorded"]
    operative_steps: tuple[Statement, ...]
    operation_note_fields: tuple[NoteField, ...]
    vte_prophylaxis: VteProphylaxis
    discharge: Discharge
    recovery: Recovery
    follow_up: FollowUpSchedule  # questionnaires and clinic reviews after (ADR 0022)
    expected_course: tuple[Statement, ...]
    risks: tuple[Risk, ...] = Field(min_length=1)
    alternatives: tuple[Alternative, ...] = Field(min_length=1)
    surveillance: Surveillance | None = None
    patient_information: PatientInformation
    warning_signs: tuple[WarningSign, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _note_fields_agree(self) -> "Procedure":
        codes = [f.code for f in self.operation_note_fields]
        if len(codes) != len(set(codes)):
            raise ValueError("operation_note_fields: a field appears twice")
        if self.approach != "as-recorded" and "approach" not in codes:
            raise ValueError(
                f"operation_note_fields: the usual approach is {self.approach}, so the note "
                "records the approach"
            )
        if "implants" in codes and self.fixed_components:
            raise ValueError("operation_note_fields: free implant rows or fixed components")
        if "downsizing" in codes and "femoral" not in self.fixed_components:
            raise ValueError("operation_note_fields: downsizing needs a femoral component")
        if "bone-graft-substitute" in codes and "drill-passes" not in codes:
            raise ValueError("operation_note_fields: a graft fills the drill passes' cavity")
        self._consent_agrees(codes)
        signs = [s.code for s in self.warning_signs]
        if len(signs) != len(set(signs)):
            raise ValueError("warning_signs: a sign appears twice")
        for group in ("get-help-now", "call-us"):
            if not self.signs_in(group):
                raise ValueError(f"warning_signs: none in the group {group}")
        # The public page says who it suits and who not in the engine's terms (hazard H77).
        unanswered = self.patient_information.unanswered(
            suits_when=tuple(s.code for s in self.indications),
            not_for=tuple(s.code for s in self.contraindications),
            weighed=tuple(s.code for s in self.cautions),
            checks=tuple(r.code for r in self.requirements),
        )
        if unanswered:
            raise ValueError("; ".join(unanswered))
        return self

    def _consent_agrees(self, note_fields: Sequence[str]) -> None:
        risks = [r.code for r in self.risks]
        if len(risks) != len(set(risks)):
            raise ValueError("risks: a risk appears twice")
        choices = [a.code for a in self.alternatives]
        if len(choices) != len(set(choices)):
            raise ValueError("alternatives: an alternative appears twice")
        if any(a.procedure == self.code for a in self.alternatives):
            raise ValueError("alternatives: a procedure is no alternative to itself")
        if not any(a.procedure is None and a.must_discuss for a in self.alternatives):
            raise ValueError("alternatives: no operation (non-operative care) must be discussed")
        restricted = any(r.discussed == "restricted-head-size" for r in self.risks)
        if restricted != ("downsizing" in note_fields):
            raise ValueError(
                "risks: a restricted head size's risk is needed where the note records "
                "downsizing, and only there (its override links to the consent)"
            )

    @property
    def material_risks(self) -> tuple[Risk, ...]:
        """The risks every consent must record as discussed."""
        return tuple(r for r in self.risks if r.discussed == "always")

    def signs_in(self, group: WarningGroup) -> tuple[WarningSign, ...]:
        """The warning signs of one group, in the catalogue's order."""
        return tuple(s for s in self.warning_signs if s.group == group)

    def records(self, code: str) -> bool:
        """Whether the operation note records this field (``operation_note_fields``)."""
        return any(f.code == code for f in self.operation_note_fields)

    @property
    def fixed_components(self) -> tuple[str, ...]:
        """The implant components the note records one each of, in the catalogue's order."""
        return tuple(
            FIXED_COMPONENTS[f.code]
            for f in self.operation_note_fields
            if f.code in FIXED_COMPONENTS
        )

    @property
    def records_implants(self) -> bool:
        """Whether the note records implants at all (fixed components or free rows)."""
        return bool(self.fixed_components) or self.records("implants")

    @property
    def only_for_men(self) -> bool:
        """Contraindicated in women (the catalogue's ``female`` contraindication)."""
        return any(c.code == "female" for c in self.contraindications)


class Catalogue(Strict):
    """The whole catalogue as Coxa uses it: catalogue.yaml plus every procedure."""

    version: str
    content_hash: str
    effective_on: dt.date
    settings: Settings
    sources: dict[str, Source]
    thresholds: dict[str, Threshold]
    medicines: dict[str, Medicine]  # by ATC code
    medication_stops: tuple[MedicationStop, ...]
    anticoagulant_timings: tuple[AnticoagulantTiming, ...]
    procedures: dict[str, Procedure]
    instruments: dict[str, Instrument]
    reviews: ReviewsFile  # what a follow-up clinic review records
    complications: dict[str, ComplicationType]  # the register's types, in the file's order
    conversion_reasons: dict[str, ConversionReason]  # endpoints.yaml
    surveillance: SurveillanceFile  # surveillance.yaml: metal-on-metal surveillance

    def medicine_classes(self) -> dict[str, str]:
        """Each coded medicine's class, by ATC code."""
        return {code: m.drug_class for code, m in self.medicines.items()}
