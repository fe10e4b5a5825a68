"""The catalogue's medicines: coded list, stop advice, anticoagulant timings, VTE prophylaxis."""

from typing import Literal

from pydantic import Field, model_validator

from coxa.catalogue.schema_base import Code, SourceIds, Strict
from coxa.terminology.codes import AtcCode, DrugClass


class Medicine(Strict):
    """A medicine known by its WHO ATC code (a chemical substance, level 5)."""

    atc: AtcCode
    name: str
    drug_class: DrugClass
    sources: SourceIds


class MedicationStop(Strict):
    drug_class: DrugClass
    # When given, the advice is for these coded medicines only; the class's advice without
    # ``atc`` covers the rest of the class.
    atc: tuple[AtcCode, ...] = ()
    # When given, the advice is for these procedures only (its source speaks for them).
    procedures: tuple[Code, ...] = ()
    policy: Literal["source-page", "current-guidance"]
    action: Literal["stop", "continue", "review"]
    days_before: int | None = Field(default=None, ge=1, le=60)
    restart_days_after: int | None = Field(default=None, ge=0, le=60)
    text: str
    sources: SourceIds


class AnticoagulantTiming(Strict):
    """When to stop and restart an anticoagulant around a high-bleeding-risk operation.

    A suggestion the clinician's anticoagulation plan starts from, never applied by itself:
    an anticoagulant always needs a recorded plan. Rows for a code apply before rows for its
    class; a row with a creatinine clearance range applies only when the plan gives one in it.
    """

    drug_class: DrugClass
    atc: tuple[AtcCode, ...] = ()
    creatinine_clearance_from: int | None = Field(default=None, ge=0, le=250)  # mL/min
    creatinine_clearance_below: int | None = Field(default=None, ge=0, le=250)
    days_before: int = Field(ge=1, le=60)
    restart_days_after: int = Field(ge=0, le=60)
    restart_days_after_latest: int = Field(ge=0, le=60)
    inr_check: bool = False  # an INR check before the operation is part of the plan
    bridging: Literal["not-routine", "clinician-decides"]
    text: str
    sources: SourceIds

    @model_validator(mode="after")
    def _order(self) -> "AnticoagulantTiming":
        if self.restart_days_after_latest < self.restart_days_after:
            raise ValueError("restart_days_after_latest is before restart_days_after")
        return self


class BleedingRisk(Strict):
    level: Literal["high", "low"]
    sources: SourceIds


class ProphylaxisCourse(Strict):
    """One medicine of a regimen, taken each day for ``days`` (None: as the prescriber says)."""

    agent: Literal["lmwh", "aspirin", "rivaroxaban", "apixaban", "dabigatran"]
    days: int | None = Field(default=None, ge=1, le=90)
    doses_mg: tuple[float, ...] = ()  # the doses the source allows, where it names them
    patient_text: str = Field(min_length=1)  # plain English: "Blood-thinning injections each day"


class ProphylaxisRegimen(Strict):
    code: Code
    title: str
    courses: tuple[ProphylaxisCourse, ...] = Field(min_length=1)
    stockings_until_discharge: bool = False
    second_line: bool = False  # "if none of the options can be used": the note says why
    sources: SourceIds


class VteProphylaxis(Strict):
    """The procedure's VTE prophylaxis options; ``none``: no guideline category fits."""

    guideline: Literal["nice-ng89-elective-hip-replacement", "none"]
    regimens: tuple[ProphylaxisRegimen, ...]
    sources: SourceIds

    @model_validator(mode="after")
    def _regimens_agree(self) -> "VteProphylaxis":
        if (self.guideline == "none") != (not self.regimens):
            raise ValueError("vte_prophylaxis: regimens come from a guideline, and only then")
        codes = [r.code for r in self.regimens]
        if len(codes) != len(set(codes)):
            raise ValueError("vte_prophylaxis: a regimen appears twice")
        return self

    def regimen(self, code: str) -> ProphylaxisRegimen | None:
        return next((r for r in self.regimens if r.code == code), None)
