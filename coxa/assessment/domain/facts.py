"""From the clinic's current entries to a decision document and the dates behind it. Pure.

- Blood pressure: of the readings on the most recent day, the lowest systolic and the lowest
  diastolic (AAGBI/BHS 2016: measure up to three times; proceed if the lowest systolic is
  below 180 and the lowest diastolic below 110).
- BMI: the latest of an entered BMI and one computed from the latest height and weight; on
  the same day, the computed one.
- The latest reading of a measurement is the one taken on the latest day, then first recorded
  latest; a correction keeps the place of the entry it corrects (``latest``), so correcting
  last month's reading never makes it outrank a later one.
- A value older than its requirement's validity is left out, so it counts as unknown, never
  as normal. A fact with no validity in the procedure's requirements is never fresh.
- Imaging: a study's validity is that of the procedure's own imaging requirement (X-ray or
  MRI for resurfacing and replacement, MRI for core decompression); ultrasound decides none
  of these facts, and the lesion size (Kerboul angle) is read from MRI only. The AVN stage
  and whether the head has collapsed are read from one study, the newest that records
  either, so that a stage from one study can never be paired with a collapse finding from
  another; a still-valid earlier study that showed collapse is reported beside it (collapse
  does not reverse). A study of the other hip is never used.
- History (diabetes, a coronary stent or recent heart attack, metal sensitivity) is asked
  again with the medicines: it keeps the medicine review's validity.
- A clinician's plan for a medicine stands until what it was decided on changes: the
  medicine's class, code or reason, or a coronary stent or recent heart attack in the
  history. New information needs a new decision; the same facts asked again do not.
"""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Any

from coxa.assessment.domain.entries import bmi_from
from coxa.assessment.domain.held import (
    HeldAllergy,
    HeldHistory,
    HeldMedicine,
    HeldPlan,
    ImagingFacts,
    Reading,
    medicine_key,
)
from coxa.patients.domain import age_on
from coxa.terminology.units import MEASUREMENTS


@dataclass
class Held:
    """The current (not superseded) entries that bear on one episode, every one of them.

    Which is the newest is decided only after ``until`` has cut at the day being judged, so
    that an entry made later (a medicine stopped, a newer review) never hides what was known
    on that day.
    """

    sex: str
    age_years: int
    side: str
    procedure: str
    operation_on: dt.date | None = None
    born: dt.date | None = None  # for the age on the day judged; age_years otherwise
    readings: list[Reading] = field(default_factory=list)
    medications: list[HeldMedicine] = field(default_factory=list)  # every entry
    medicine_plans: list[tuple[str, HeldPlan]] = field(default_factory=list)  # (key, plan)
    medication_reviews: list[dt.date] = field(default_factory=list)  # "checked the list"
    allergies: list[HeldAllergy] = field(default_factory=list)
    allergy_reviews: list[dt.date] = field(default_factory=list)
    smoking: list[tuple[str, dt.date]] = field(default_factory=list)
    history: list[HeldHistory] = field(default_factory=list)
    examinations: list[dt.date] = field(default_factory=list)
    imaging: list[ImagingFacts] = field(default_factory=list)
    actions: dict[str, dt.date] = field(default_factory=dict)  # this hip's, latest recorded on
    vte_assessments: list[tuple[str, dt.date]] = field(default_factory=list)  # (setting, on)

    def until(self, day: dt.date) -> "Held":
        """What was known on ``day``: entries dated later are left out (judging a past day)."""
        return replace(
            self,
            readings=[r for r in self.readings if r.on <= day],
            medications=[m for m in self.medications if m.on <= day],
            medicine_plans=[(k, p) for k, p in self.medicine_plans if p.on <= day],
            medication_reviews=[d for d in self.medication_reviews if d <= day],
            allergies=[a for a in self.allergies if a.on <= day],
            allergy_reviews=[d for d in self.allergy_reviews if d <= day],
            smoking=[x for x in self.smoking if x[1] <= day],
            history=[x for x in self.history if x.on <= day],
            examinations=[d for d in self.examinations if d <= day],
            imaging=[i for i in self.imaging if i.on <= day],
            actions={a: on for a, on in self.actions.items() if on <= day},
            vte_assessments=[v for v in self.vte_assessments if v[1] <= day],
        )

    def current_medicines(self) -> list[HeldMedicine]:
        """The newest entry for each medicine ("no longer taking" after "taking" stops it)."""
        newest: dict[str, HeldMedicine] = {}
        for medicine in sorted(self.medications, key=lambda m: m.on, reverse=True):
            newest.setdefault(medicine_key(medicine.name), medicine)
        return list(newest.values())

    def current_allergies(self) -> list[HeldAllergy]:
        """The newest entry for each substance (by its code, or its words when not coded)."""
        newest: dict[str, HeldAllergy] = {}
        for allergy in sorted(self.allergies, key=lambda a: a.on, reverse=True):
            newest.setdefault(allergy.code or medicine_key(allergy.substance), allergy)
        return list(newest.values())

    def plan_for(self, name: str) -> HeldPlan | None:
        """A clinician's newest recorded plan for a medicine."""
        plans = [p for key, p in self.medicine_plans if key == medicine_key(name)]
        return max(plans, key=lambda p: p.on) if plans else None


def _newest(items: list[Any], on: Any) -> Any:
    return max(items, key=on) if items else None


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
    "history": "medication-review",
    "imaging-mri": "hip-mri",
    "bone-stock": "acetabular-bone-stock",
}
# A study's validity: the shortest of the procedure's imaging requirements it can satisfy.
IMAGING_REQUIREMENTS = ("hip-imaging", "hip-mri")
# The studies that can show the hip's diagnosis, stage, collapse and sizes.
DIAGNOSTIC_MODALITIES = ("x-ray", "mri", "ct")


def validity_days(fact: str, valid_days: dict[str, int]) -> int | None:
    """How long a fact stays usable for this procedure; None if no requirement says."""
    if fact == "imaging":
        found = [valid_days[code] for code in IMAGING_REQUIREMENTS if code in valid_days]
        return min(found) if found else None
    if fact == "bone-stock" and "acetabular-bone-stock" not in valid_days:
        return validity_days("imaging", valid_days)
    return valid_days.get(VALIDITY_OF.get(fact, ""))


def _fresh(on: dt.date, fact: str, valid_days: dict[str, int], today: dt.date) -> bool:
    days = validity_days(fact, valid_days)
    return days is not None and on + dt.timedelta(days=days) >= today


def latest(readings: Iterable[Reading], code: str) -> Reading | None:
    """The current value of a measurement, however recently an older one was corrected.

    The reading taken latest: its day, then the time it was first recorded (hazard H73).
    """
    chosen = [r for r in readings if r.code == code]
    return max(chosen, key=lambda r: r.order) if chosen else None


def _blood_pressure(readings: list[Reading]) -> tuple[Reading, Reading] | None:
    days = {r.on for r in readings if r.code in ("systolic_bp", "diastolic_bp")}
    for day in sorted(days, reverse=True):
        systolic = [r for r in readings if r.code == "systolic_bp" and r.on == day]
        diastolic = [r for r in readings if r.code == "diastolic_bp" and r.on == day]
        if systolic and diastolic:
            return (min(systolic, key=lambda r: r.value), min(diastolic, key=lambda r: r.value))
    return None


def _bmi(readings: list[Reading]) -> Reading | None:
    entered = latest(readings, "bmi")
    height, weight = latest(readings, "height"), latest(readings, "weight")
    computed = None
    if height and weight:
        computed = Reading(
            "bmi",
            bmi_from(height.value, weight.value),
            MEASUREMENTS["bmi"].unit,
            min(height.on, weight.on),
        )
    candidates = [r for r in (entered, computed) if r is not None]
    # The later day wins; on the same day, the BMI computed from the height and weight
    # measured that day beats one typed beside them (a copy that may be mistyped, or worked
    # out from other figures): the gate's BMI 40 threshold reads what was measured.
    return max(candidates, key=lambda r: (r.on, r is computed)) if candidates else None


def _observations(
    held: Held, valid: dict[str, int], today: dt.date, dates: dict[str, dt.date | None]
) -> dict[str, Any]:
    chosen: dict[str, Reading | None] = {
        code: latest(held.readings, code) for code in ("haemoglobin", "hba1c", "egfr")
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


def _this_hip(study: ImagingFacts, side: str) -> bool:
    return study.side in ("", "both", side)


def _hip(
    held: Held, valid: dict[str, int], today: dt.date, dates: dict[str, dt.date | None]
) -> dict[str, Any]:
    hip: dict[str, Any] = {"side": held.side}
    ordered = sorted(
        (
            i
            for i in held.imaging
            if _this_hip(i, held.side) and i.modality in DIAGNOSTIC_MODALITIES
        ),
        key=lambda i: i.on,
        reverse=True,
    )
    dates["imaging"] = ordered[0].on if ordered else None
    mri = [i for i in ordered if i.modality == "mri"]
    dates["imaging-mri"] = mri[0].on if mri else None
    stock = [i for i in ordered if i.acetabular_bone_stock]
    dates["bone-stock"] = stock[0].on if stock else None
    fresh = [i for i in ordered if _fresh(i.on, "imaging", valid, today)]
    for name in ("diagnosis", "templated_head_size_mm"):
        value = next((getattr(i, name) for i in fresh if getattr(i, name) not in (None, "")), None)
        if value is not None:
            hip[name] = value
    angle = next(
        (i.kerboul_angle_deg for i in fresh if i.modality == "mri" and i.kerboul_angle_deg),
        None,
    )
    if angle is not None:
        hip["kerboul_angle_deg"] = angle
    fresh_stock = [i for i in stock if _fresh(i.on, "bone-stock", valid, today)]
    if fresh_stock:
        hip["acetabular_bone_stock"] = fresh_stock[0].acetabular_bone_stock
    # Stage and collapse from one study: the newest that records either.
    staged = next(
        (i for i in fresh if (i.avn_system and i.avn_stage) or i.head_collapse is not None), None
    )
    if staged is not None:
        if staged.avn_system and staged.avn_stage:
            hip["avn_staging"] = {"system": staged.avn_system, "stage": staged.avn_stage}
        if staged.head_collapse is not None:
            hip["head_collapse"] = staged.head_collapse
        if staged.head_collapse is False and any(i.head_collapse for i in fresh):
            hip["collapse_on_earlier_imaging"] = True
    return hip


def _as_decided(held: Held, medicine: HeldMedicine, plan: HeldPlan) -> bool:
    """Are the medicine and the stent history what they were when the plan was made?"""
    then = held.until(plan.on)
    before = next(
        (
            m
            for m in then.current_medicines()
            if medicine_key(m.name) == medicine_key(medicine.name)
        ),
        None,
    )

    def facts(m: HeldMedicine | None) -> tuple[Any, ...] | None:
        return None if m is None else (m.drug_class, m.atc, m.indication, m.active)

    stent_then = _newest(then.history, lambda h: h.on)
    stent_now = _newest(held.history, lambda h: h.on)
    return facts(before) == facts(medicine) and (
        (stent_then.coronary_stent_or_recent_acs if stent_then else None)
        == (stent_now.coronary_stent_or_recent_acs if stent_now else None)
    )


def _standing(held: Held, medicine: HeldMedicine) -> HeldPlan | None:
    plan = held.plan_for(medicine.name)
    return plan if plan is not None and _as_decided(held, medicine, plan) else None


def _medicine(medicine: HeldMedicine, plan: HeldPlan | None) -> dict[str, Any]:
    found: dict[str, Any] = {
        "name": medicine.name,
        "class": medicine.drug_class,
        "recorded_on": medicine.on.isoformat(),
    }
    if medicine.atc:
        found["atc"] = medicine.atc
    if medicine.indication:
        found["indication"] = medicine.indication
    if plan is not None:
        found["plan"] = {
            "action": plan.action,
            "days_before": plan.days_before,
            "restart_days_after": plan.restart_days_after,
            "decided_on": plan.on.isoformat(),
        }
        if plan.anticoagulant_indication and plan.bridging is not None:
            found["plan"]["anticoagulation"] = {
                "indication": plan.anticoagulant_indication,
                "bridging": plan.bridging,
                "bridging_note": plan.bridging_note,
                "creatinine_clearance_ml_min": plan.creatinine_clearance_ml_min,
                "inr_check_days_before": plan.inr_check_days_before,
            }
    return found


def _history(
    held: Held, valid_days: dict[str, int], today: dt.date, dates: dict[str, dt.date | None]
) -> dict[str, Any]:
    """The newest history, while it is as fresh as the medicine review it is asked with."""
    patient: dict[str, Any] = {}
    history: HeldHistory | None = _newest(held.history, lambda h: h.on)
    dates["history"] = history.on if history else None
    if history and _fresh(history.on, "history", valid_days, today):
        patient["diabetes"] = history.diabetes
        patient["coronary_stent_or_recent_acs"] = history.coronary_stent_or_recent_acs
        patient["metal_sensitivity"] = history.metal_sensitivity
        if history.haemoglobinopathy:
            patient["haemoglobinopathy"] = history.haemoglobinopathy
        if history.heart_valve:
            patient["heart_valve"] = history.heart_valve
        if history.pregnancy:
            patient["pregnancy"] = history.pregnancy
    return patient


def document_for(
    held: Held, *, valid_days: dict[str, int], today: dt.date
) -> tuple[dict[str, Any], dict[str, dt.date | None]]:
    """The decision document for an episode as of ``today``, and each fact's latest date.

    Entries dated after ``today`` are left out.
    """
    held = held.until(today)
    dates: dict[str, dt.date | None] = {}
    age = age_on(held.born, today) if held.born else held.age_years
    patient: dict[str, Any] = {"sex": held.sex, "age_years": age}
    patient |= _history(held, valid_days, today, dates)
    history = _newest(held.history, lambda h: h.on)
    planned = held.actions.get("haematology-plan")
    if planned is not None and history is not None and planned >= history.on:
        patient["haematology_plan"] = True  # made since the haemoglobinopathy was last asked
    document: dict[str, Any] = {
        "procedure": held.procedure,
        "patient": patient,
        "hip": _hip(held, valid_days, today, dates),
        "observations": _observations(held, valid_days, today, dates),
    }
    smoking = _newest(held.smoking, lambda x: x[1])
    if smoking:
        dates["smoking"] = smoking[1]
        if _fresh(smoking[1], "smoking", valid_days, today):
            document["smoking"] = smoking[0]
    reviewed = [*held.medication_reviews, *(m.on for m in held.medications)]
    dates["medications"] = max(reviewed) if reviewed else None
    if dates["medications"] and _fresh(dates["medications"], "medications", valid_days, today):
        document["medications"] = [
            _medicine(m, _standing(held, m)) for m in held.current_medicines() if m.active
        ]
    if held.allergy_reviews or held.allergies:
        document["allergies"] = [
            {"substance": a.substance, "status": a.status} | ({"code": a.code} if a.code else {})
            for a in held.current_allergies()
        ]
    dates["examination"] = max(held.examinations) if held.examinations else None
    dates["vte"] = max(on for _, on in held.vte_assessments) if held.vte_assessments else None
    if held.operation_on:
        document["planned_operation_date"] = held.operation_on.isoformat()
    return document, dates
