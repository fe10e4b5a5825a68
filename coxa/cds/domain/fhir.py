"""Read FHIR R4 prefetch into decision documents, one per hip with a recognised condition.

Resources read: Patient, Condition, Observation, MedicationStatement or MedicationRequest,
AllergyIntolerance.

Only codes in Coxa's terminology table (``coxa/terminology/codes.py``, each with its source)
are read; anything else stays unknown: hip conditions (SNOMED CT, ICD-10), their laterality
(SNOMED CT qualifiers), observations (LOINC), medicines (WHO ATC, or NHS dm+d ids read as
their ATC code) and allergies (SNOMED CT substances, with their clinical and verification
status). A medicine or an allergy Coxa cannot read is kept as not coded: the rules that need
it are then unknown.
"""

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from coxa.terminology.codes import (
    System,
    Use,
    drug_class_of,
    is_atc_substance,
    meaning,
    substance_of,
)

SIDES = {"left": ("left",), "right": ("right",), "both": ("left", "right")}
_STAGE = re.compile(r"\b(ARCO(?: 2019)?|Ficat(?:[- ]Arlet)?|Steinberg)\s+([0IVX]+[ABC]?)\b", re.I)
_SYSTEMS = {"arco": "arco-2019", "ficat": "ficat-arlet", "steinberg": "steinberg"}


class MissingPrefetchError(Exception):
    """Prefetch the service cannot work without is absent (CDS Hooks: 412)."""


@dataclass
class Prefetched:
    """What the prefetch told us, plus notes on what could not be read."""

    sex: str | None = None
    age_years: int | None = None
    hips: dict[str, dict[str, Any]] = field(default_factory=dict)  # side -> hip facts
    unsided: int = 0  # hip conditions without a readable laterality
    observations: dict[str, dict[str, Any]] = field(default_factory=dict)
    medications: list[dict[str, Any]] | None = None
    unclassified_medicines: list[str] = field(default_factory=list)
    allergies: list[dict[str, Any]] | None = None


def resources(value: Any, kind: str) -> list[dict[str, Any]] | None:
    """Resources of one type from a prefetch value (a resource or a searchset Bundle).

    None means the prefetch was not satisfied: missing, or an OperationOutcome in its place.
    """
    if not isinstance(value, dict):
        return None
    if value.get("resourceType") == "Bundle":
        entries = value.get("entry") or []
        return [
            e["resource"]
            for e in entries
            if isinstance(e, dict)
            and isinstance(e.get("resource"), dict)
            and e["resource"].get("resourceType") == kind
        ]
    if value.get("resourceType") == kind:
        return [value]
    return None


def _codings(concept: Any) -> list[dict[str, Any]]:
    if not isinstance(concept, dict):
        return []
    return [c for c in concept.get("coding") or [] if isinstance(c, dict)]


def _age(birth: str | None, today: dt.date) -> int | None:
    try:
        born = dt.date.fromisoformat(birth or "")
    except ValueError:
        return None
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def _sides(condition: dict[str, Any]) -> tuple[str, ...]:
    sides: set[str] = set()
    for site in condition.get("bodySite") or []:
        for coding in _codings(site):
            side = meaning(str(coding.get("system")), str(coding.get("code")), Use.LATERALITY)
            sides |= set(SIDES.get(side or "", ()))
    return tuple(sorted(sides))


def _diagnosis(condition: dict[str, Any]) -> str | None:
    for coding in _codings(condition.get("code")):
        found = meaning(str(coding.get("system")), str(coding.get("code", "")), Use.CONDITION)
        if found:
            return found
    return None


def _stage(condition: dict[str, Any]) -> dict[str, str] | None:
    for stage in condition.get("stage") or []:
        summary = stage.get("summary") if isinstance(stage, dict) else None
        texts = [summary.get("text", "")] if isinstance(summary, dict) else []
        texts += [c.get("display", "") for c in _codings(summary)]
        for text in texts:
            match = _STAGE.search(str(text))
            if match:
                system = _SYSTEMS[match.group(1).split()[0].split("-")[0].lower()]
                return {"system": system, "stage": match.group(2).upper()}
    return None


def _counts(condition: dict[str, Any]) -> bool:
    for key, excluded in (
        ("verificationStatus", {"refuted", "entered-in-error"}),
        ("clinicalStatus", {"inactive", "resolved", "remission"}),
    ):
        if any(c.get("code") in excluded for c in _codings(condition.get(key))):
            return False
    return True


def _read_conditions(conditions: list[dict[str, Any]], found: Prefetched) -> None:
    for condition in conditions:
        diagnosis = _diagnosis(condition)
        if diagnosis is None or not _counts(condition):
            continue
        sides = _sides(condition)
        if not sides:
            found.unsided += 1
        for side in sides:
            hip = found.hips.setdefault(side, {"side": side})
            # Avascular necrosis decides the procedure question when both are recorded.
            if hip.get("diagnosis") != "avascular-necrosis":
                hip["diagnosis"] = diagnosis
            stage = _stage(condition)
            if stage:
                hip["avn_staging"] = stage


def _quantity(value: Any) -> dict[str, Any] | None:
    if isinstance(value, dict) and isinstance(value.get("value"), int | float):
        unit = value.get("code") or value.get("unit")
        if isinstance(unit, str) and unit:
            return {"value": value["value"], "unit": unit}
    return None


def _when(observation: dict[str, Any]) -> str:
    return str(observation.get("effectiveDateTime") or observation.get("issued") or "")


def _readings(observation: dict[str, Any]) -> list[tuple[str, dict[str, Any] | None]]:
    """(LOINC code, quantity) pairs in one observation, its panel components included."""
    found = []
    for coding in _codings(observation.get("code")):
        if coding.get("system") != System.LOINC:
            continue
        found.append((str(coding.get("code")), _quantity(observation.get("valueQuantity"))))
        if meaning(System.LOINC, str(coding.get("code")), Use.PANEL) == "blood-pressure":
            for component in observation.get("component") or []:
                found.extend(
                    (str(inner.get("code")), _quantity(component.get("valueQuantity")))
                    for inner in _codings(component.get("code"))
                    if inner.get("system") == System.LOINC
                )
    return found


def _read_observations(observations: list[dict[str, Any]], found: Prefetched) -> None:
    """Keep the latest reading of each measurement Coxa uses."""
    latest: dict[str, tuple[str, dict[str, Any]]] = {}
    for observation in observations:
        if observation.get("status") not in (None, "final", "amended", "corrected"):
            continue
        when = _when(observation)
        for code, quantity in _readings(observation):
            name = meaning(System.LOINC, code, Use.OBSERVATION)
            if name and quantity and (name not in latest or when > latest[name][0]):
                latest[name] = (when, quantity)
    found.observations = {name: quantity for name, (_, quantity) in latest.items()}


def _atc_code(concept: Any) -> str | None:
    """The medicine's full (level 5) ATC code: given, or read from its NHS dm+d id."""
    for coding in _codings(concept):
        code = str(coding.get("code", "")).upper()
        if coding.get("system") == System.ATC and is_atc_substance(code):
            return code
    for coding in _codings(concept):
        atc = meaning(str(coding.get("system", "")), str(coding.get("code", "")), Use.MEDICINE)
        if atc is not None:
            return atc
    return None


def _medicine_class(concept: Any) -> str | None:
    """The class of an ATC group the medicine is in (a level-5 code, or a group only)."""
    coded = _atc_code(concept)
    if coded is not None:
        return drug_class_of(coded)
    for coding in _codings(concept):
        if coding.get("system") == System.ATC:
            return drug_class_of(str(coding.get("code", "")))
    return None


def _read_medicines(medicines: list[dict[str, Any]], found: Prefetched) -> None:
    """Each current medicine; one Coxa cannot read is kept as not coded, never dropped.

    A medicine not coded makes each rule that needs its class unknown (and needs a
    clinician's decision before the operation), as in the clinic.
    """
    read: list[dict[str, Any]] = []
    for medicine in medicines:
        if medicine.get("status") in ("stopped", "completed", "entered-in-error", "cancelled"):
            continue
        concept = medicine.get("medicationCodeableConcept")
        name = (concept or {}).get("text") or next(
            (c.get("display") for c in _codings(concept) if c.get("display")), "unnamed medicine"
        )
        coded = _atc_code(concept)
        drug_class = _medicine_class(concept)
        if coded is None:
            found.unclassified_medicines.append(str(name))
        read.append(
            {"name": str(name)[:100], "class": drug_class or "other"}
            | ({"atc": coded} if coded else {})
        )
    found.medications = read


ALLERGY_CLINICAL = "http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical"
ALLERGY_VERIFICATION = "http://terminology.hl7.org/CodeSystem/allergyintolerance-verification"


def _status(concept: Any, system: str) -> str:
    return next(
        (str(c.get("code", "")) for c in _codings(concept) if c.get("system") == system), ""
    )


def _read_allergies(allergies: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each allergy with its SNOMED CT substance when Coxa lists it, and its status.

    Entered in error: left out. Refuted: kept as refuted. Inactive or resolved: inactive.
    """
    read = []
    for allergy in allergies:
        verification = _status(allergy.get("verificationStatus"), ALLERGY_VERIFICATION)
        if verification == "entered-in-error":
            continue
        clinical = _status(allergy.get("clinicalStatus"), ALLERGY_CLINICAL)
        status = (
            "refuted"
            if verification == "refuted"
            else "inactive"
            if clinical in ("inactive", "resolved")
            else "active"
        )
        concept = allergy.get("code")
        text = (concept or {}).get("text") or next(
            (c.get("display") for c in _codings(concept) if c.get("display")), ""
        )
        code = next(
            (
                str(c.get("code"))
                for c in _codings(concept)
                if c.get("system") == System.SNOMED_CT and substance_of(str(c.get("code", "")))
            ),
            None,
        )
        read.append(
            {"substance": str(text or "allergy without a name")[:120], "status": status}
            | ({"code": code} if code else {})
        )
    return read


def read_prefetch(prefetch: Any, *, today: dt.date) -> Prefetched:
    """Read the prefetch; raise MissingPrefetchError if the patient or conditions are absent."""
    prefetch = prefetch if isinstance(prefetch, dict) else {}
    patients = resources(prefetch.get("patient"), "Patient")
    conditions = resources(prefetch.get("conditions"), "Condition")
    if not patients:
        raise MissingPrefetchError("prefetch 'patient' (Patient) is missing")
    if conditions is None:
        raise MissingPrefetchError("prefetch 'conditions' (Condition search) is missing")
    patient = patients[0]
    gender = patient.get("gender")
    found = Prefetched(
        sex=gender if gender in ("female", "male", "other", "unknown") else None,
        age_years=_age(patient.get("birthDate"), today),
    )
    _read_conditions(conditions, found)
    observations = resources(prefetch.get("observations"), "Observation")
    if observations:
        _read_observations(observations, found)
    medicines = [
        *(resources(prefetch.get("medications"), "MedicationStatement") or []),
        *(resources(prefetch.get("medications"), "MedicationRequest") or []),
    ]
    if resources(prefetch.get("medications"), "MedicationStatement") is not None or (
        resources(prefetch.get("medications"), "MedicationRequest") is not None
    ):
        _read_medicines(medicines, found)
    allergies = resources(prefetch.get("allergies"), "AllergyIntolerance")
    if allergies is not None:
        found.allergies = _read_allergies(allergies)
    return found


def procedure_for(diagnosis: str | None) -> str:
    """The hip-preservation procedure to ask about for a diagnosis."""
    return "core-decompression" if diagnosis == "avascular-necrosis" else "bhr"


def documents(found: Prefetched) -> list[dict[str, Any]]:
    """One decision document per hip, from what the prefetch held."""
    result = []
    for side in sorted(found.hips):
        hip = found.hips[side]
        document: dict[str, Any] = {
            "procedure": procedure_for(hip.get("diagnosis")),
            "patient": {"sex": found.sex, "age_years": found.age_years},
            "hip": hip,
            "observations": found.observations,
        }
        if found.medications is not None:
            document["medications"] = found.medications
        if found.allergies is not None:
            document["allergies"] = found.allergies
        result.append(document)
    return result
