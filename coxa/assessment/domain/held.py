"""What a clinic's entries hold, as plain values the facts are built from. Pure."""

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Reading:
    code: str
    value: float
    unit: str
    on: dt.date  # the day it was taken
    # When the reading was first recorded: a correction keeps the time of the entry it
    # corrects, so correcting an old reading never makes it the newest (facts.latest).
    first_recorded_at: dt.datetime | None = None

    @property
    def order(self) -> tuple[dt.date, float]:
        """Which of two readings is the later: the day taken, then the time first recorded."""
        at = self.first_recorded_at
        return (self.on, at.timestamp() if at is not None else float("-inf"))


@dataclass(frozen=True, slots=True)
class ImagingFacts:
    modality: str
    on: dt.date
    side: str = ""  # left, right or both; "" for studies recorded before the side was asked
    diagnosis: str = ""
    avn_system: str = ""
    avn_stage: str = ""
    head_collapse: bool | None = None
    kerboul_angle_deg: float | None = None
    templated_head_size_mm: float | None = None
    acetabular_bone_stock: str = ""


@dataclass(frozen=True, slots=True)
class HeldMedicine:
    name: str
    drug_class: str
    active: bool
    on: dt.date
    atc: str = ""
    indication: str = ""


@dataclass(frozen=True, slots=True)
class HeldPlan:
    """A clinician's recorded decision about one medicine for this operation."""

    action: str
    days_before: int | None
    restart_days_after: int | None
    on: dt.date
    anticoagulant_indication: str = ""  # with the rest, an anticoagulant's plan
    bridging: bool | None = None
    bridging_note: str = ""
    creatinine_clearance_ml_min: float | None = None
    inr_check_days_before: int | None = None


@dataclass(frozen=True, slots=True)
class HeldHistory:
    """The history asked with the medicines (None: not asked)."""

    diabetes: bool | None
    coronary_stent_or_recent_acs: bool | None
    metal_sensitivity: bool | None
    on: dt.date
    haemoglobinopathy: str = ""  # "" when not asked
    heart_valve: str = ""
    pregnancy: str = ""


@dataclass(frozen=True, slots=True)
class HeldAllergy:
    substance: str
    code: str  # SNOMED CT substance, "" when not coded
    status: str  # active | inactive | refuted
    on: dt.date


def medicine_key(name: str) -> str:
    """How a medicine's entries and a clinician's plan for it are matched: by its name."""
    return " ".join(name.split()).casefold()
