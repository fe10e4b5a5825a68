"""From the clinic's current entries to a decision document and the dates behind it. Pure.

- Blood pressure: of the readings on the most recent day, the lowest systolic and the lowest
  diastolic (AAGBI/BHS 2016: measure up to three times; proceed if the lowest systolic is
  below 180 and the lowest diastolic below 110).
- BMI: the latest of an entered BMI and one computed from the latest height and weight.
- A value older than its requirement's validity is left out, so it counts as unknown, never
  as normal.
"""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from coxa.assessment.domain.entries import bmi_from


@dataclass(frozen=True, slots=True)
class Reading:
    code: str
    value: float
    unit: str
    on: dt.date


@dataclass(frozen=True, slots=True)
class ImagingFacts:
    modality: str
    on: dt.date
    diagnosis: str = ""
    avn_system: str = ""
    avn_stage: str = ""
    head_collapse: bool | None = None
    kerboul_angle_deg: float | None = None
    templated_head_size_mm: float | None = None
    acetabular_bone_stock: str = ""


@dataclass
class Held:
    """The current (not superseded) entries that bear on one episode."""

    sex: str
    age_years: int
    side: str
    procedure: str
    operation_on: dt.date | None = None
    readings: list[Reading] = field(default_factory=list)
    medications: list[tuple[str, str, bool, dt.date]] = field(default_factory=list)
    medication_review: dt.date | None = None  # latest "checked the list" date, if any
    medications_none_known: bool = False
    allergies: list[tuple[str, dt.date]] = field(default_factory=list)
    allergy_review: dt.date | None = None
    smoking: tuple[str, dt.date] | None = None
    history: tuple[bool | None, bool | None, dt.date] | None = None
    examination_on: dt.date | None = None
    imaging: list[ImagingFacts] = field(default_factory=list)


# Which requirement's validity applies to each fact (requirement codes in the catalogue).
VALIDITY_OF = {
    "haemoglobin": "blood-tests",
    "hba1c": "blood-tests",
    "egfr": "blood-tests",
    "systolic_bp": "blood-pressure",
    "diastolic_bp": "blood-pressure",
    "bmi": "bmi",
    "height": "bmi",
    "weight": "bmi",
    "smoking": "smoking-status",
    "medications": "medication-review",
    "imaging": "hip-imaging",
    "imaging-mri": "hip-mri",
    "bone-stock": "acetabular-bone-stock",
}


def _fresh(on: dt.date, fact: str, valid_days: dict[str, int], today: dt.date) -> bool:
    days = valid_days.get(VALIDITY_OF.get(fact, ""))
    return days is None or on + dt.timedelta(days=days) >= today


def _latest(readings: Iterable[Reading], code: str) -> Reading | None:
    chosen = [r for r in readings if r.code == code]
    return max(chosen, key=lambda r: r.on) if chosen else None


def _blood_pressure(readings: list[Reading]) -> tuple[Reading, Reading] | None:
    days = {r.on for r in readings if r.code in ("systolic_bp", "diastolic_bp")}
    for day in sorted(days, reverse=True):
        systolic = [r for r in readings if r.code == "systolic_bp" and r.on == day]
        diastolic = [r for r in readings if r.code == "diastolic_bp" and r.on == day]
        if systolic and diastolic:
            return (min(systolic, key=lambda r: r.value), min(diastolic, key=lambda r: r.value))
    return None


def _bmi(readings: list[Reading]) -> Reading | None:
    entered = _latest(readings, "bmi")
    height, weight = _latest(readings, "height"), _latest(readings, "weight")
    computed = None
    if height and weight:
        computed = Reading(
            "bmi", bmi_from(height.value, weight.value), "kg/m2", min(height.on, weight.on)
        )
    candidates = [r for r in (entered, computed) if r is not None]
    return max(candidates, key=lambda r: r.on) if candidates else None


def _observations(
    held: Held, valid: dict[str, int], today: dt.date, dates: dict[str, dt.date | None]
) -> dict[str, Any]:
    chosen: dict[str, Reading | None] = {
        code: _latest(held.readings, code) for code in ("haemoglobin", "hba1c", "egfr")
    }
    chosen["bmi"] = _bmi(held.readings)
    pressure = _blood_pressure(held.readings)
    chosen["systolic_bp"], chosen["diastolic_bp"] = pressure or (None, None)
    observations: dict[str, Any] = {}
    for code, reading in chosen.items():
        dates[code] = reading.on if reading else None
        if reading and _fresh(reading.on, code, valid, today):
            observations[code] = {"value": reading.value, "unit": reading.unit}
    return observations


def _hip(
    held: Held, valid: dict[str, int], today: dt.date, dates: dict[str, dt.date | None]
) -> dict[str, Any]:
    hip: dict[str, Any] = {"side": held.side}
    ordered = sorted(held.imaging, key=lambda i: i.on, reverse=True)
    dates["imaging"] = ordered[0].on if ordered else None
    mri = [i for i in ordered if i.modality == "mri"]
    dates["imaging-mri"] = mri[0].on if mri else None
    stock = [i for i in ordered if i.acetabular_bone_stock]
    dates["bone-stock"] = stock[0].on if stock else None
    fresh = [i for i in ordered if _fresh(i.on, "imaging", valid, today)]
    for name in (
        "diagnosis",
        "head_collapse",
        "kerboul_angle_deg",
        "templated_head_size_mm",
        "acetabular_bone_stock",
    ):
        value = next((getattr(i, name) for i in fresh if getattr(i, name) not in (None, "")), None)
        if value is not None:
            hip[name] = value
    staged = next((i for i in fresh if i.avn_system and i.avn_stage), None)
    if staged:
        hip["avn_staging"] = {"system": staged.avn_system, "stage": staged.avn_stage}
    return hip


def document_for(
    held: Held, *, valid_days: dict[str, int], today: dt.date
) -> tuple[dict[str, Any], dict[str, dt.date | None]]:
    """The decision document for an episode, and when each fact was last recorded."""
    dates: dict[str, dt.date | None] = {}
    patient: dict[str, Any] = {"sex": held.sex, "age_years": held.age_years}
    if held.history:
        patient["diabetes"], patient["coronary_stent_or_recent_acs"], _ = held.history
    document: dict[str, Any] = {
        "procedure": held.procedure,
        "patient": patient,
        "hip": _hip(held, valid_days, today, dates),
        "observations": _observations(held, valid_days, today, dates),
    }
    if held.smoking:
        dates["smoking"] = held.smoking[1]
        if _fresh(held.smoking[1], "smoking", valid_days, today):
            document["smoking"] = held.smoking[0]
    listed = [m for m in held.medications if m[2]]
    reviewed = [d for d in (held.medication_review, *(m[3] for m in held.medications)) if d]
    dates["medications"] = max(reviewed) if reviewed else None
    if dates["medications"] and _fresh(dates["medications"], "medications", valid_days, today):
        document["medications"] = [{"name": n, "class": c} for n, c, _, _ in listed]
    if held.allergy_review or held.allergies:
        document["allergies"] = [substance for substance, _ in held.allergies]
    dates["examination"] = held.examination_on
    if held.operation_on:
        document["planned_operation_date"] = held.operation_on.isoformat()
    return document, dates
