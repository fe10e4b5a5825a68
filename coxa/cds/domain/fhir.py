"""Read FHIR R4 prefetch into decision documents, one per hip with a recognised condition.

Resources read: Patient, Condition, Observation, MedicationStatement or MedicationRequest,
AllergyIntolerance.

Only codes in Coxa's terminology table (``coxa/terminology/codes.py``, each with its source)
are read; anything else stays unknown: hip conditions and their side (``conditions.py``:
SNOMED CT, WHO ICD-10 and ICD-10-CM, body sites), observations (LOINC), medicines (WHO ATC,
or NHS dm+d ids read as their ATC code; given in place or in the Medication resource they
reference) and allergies (SNOMED CT substances, with their clinical and verification
status). A medicine or an allergy Coxa cannot read is kept as not coded: the rules that need
it are then unknown.
"""

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from coxa.cds.domain.conditions import codings, hip_condition
from coxa.terminology.codes import (
    System,
    Use,
    drug_class_of,
    is_atc_substance,
    meaning,
    substance_of,
)


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


def _age(birth: str | None, today: dt.date) -> int | None:
    try:
        born = dt.date.fromisoformat(birth or "")
    except ValueError:
        return None
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def _read_conditions(conditions: list[dict[str, Any]], found: Prefetched) -> None:
    for condition in conditions:
        read = hip_condition(condition)
        if read is None:
            continue
        if not read.sides:
            found.unsided += 1
        for side in read.sides:
            hip = found.hips.setdefault(side, {"side": side})
            # Avascular necrosis decides the procedure question when both are recorded.
            if hip.get("diagnosis") != "avascular-necrosis":
                hip["diagnosis"] = read.diagnosis
            if read.stage:
                hip["avn_staging"] = read.stage


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
    for coding in codings(observation.get("code")):
        if coding.get("system") != System.LOINC:
            continue
        found.append((str(coding.get("code")), _quantity(observation.get("valueQuantity"))))
        if meaning(System.LOINC, str(coding.get("code")), Use.PANEL) == "blood-pressure":
            for component in observation.get("component") or []:
                found.extend(
                    (str(inner.get("code")), _quantity(component.get("valueQuantity")))
                    for inner in codings(component.get("code"))
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
    for coding in codings(concept):
        code = str(coding.get("code", "")).upper()
        if coding.get("system") == System.ATC and is_atc_substance(code):
            return code
    for coding in codings(concept):
        atc = meaning(str(coding.get("system", "")), str(coding.get("code", "")), Use.MEDICINE)
        if atc is not None:
            return atc
    return None


def _medicine_class(concept: Any) -> str | None:
    """The class of an ATC group the medicine is in (a level-5 code, or a group only)."""
    coded = _atc_code(concept)
    if coded is not None:
        return drug_class_of(coded)
    for coding in codings(concept):
        if coding.get("system") == System.ATC:
            return drug_class_of(str(coding.get("code", "")))
    return None


def medications_by_reference(value: Any) -> dict[str, dict[str, Any]]:
    """The Medication resources a prefetch Bundle holds, by the references that reach them."""
    found: dict[str, dict[str, Any]] = {}
    entries = value.get("entry") if isinstance(value, dict) else None
    for entry in entries if isinstance(entries, list) else []:
        resource = entry.get("resource") if isinstance(entry, dict) else None
        if not isinstance(resource, dict) or resource.get("resourceType") != "Medication":
            continue
        if isinstance(entry.get("fullUrl"), str):
            found[entry["fullUrl"]] = resource
        if isinstance(resource.get("id"), str):
            found[f"Medication/{resource['id']}"] = resource
    return found


def _concept(medicine: dict[str, Any], bundled: dict[str, dict[str, Any]]) -> Any:
    """The medicine's code: given in place, or in the Medication it references (UK Core).

    A reference reaches a contained Medication ("#id") or one in the same Bundle (its id or
    fullUrl); one Coxa cannot reach leaves the medicine not coded.
    """
    if "medicationCodeableConcept" in medicine:
        return medicine["medicationCodeableConcept"]
    reference = medicine.get("medicationReference")
    target = reference.get("reference") if isinstance(reference, dict) else None
    if not isinstance(target, str):
        return None
    if target.startswith("#"):
        contained = [c for c in medicine.get("contained") or [] if isinstance(c, dict)]
        resource = next((c for c in contained if f"#{c.get('id')}" == target), None)
    else:
        resource = bundled.get(target)
    if resource is None or resource.get("resourceType") != "Medication":
        return None
    return resource.get("code")


def _name(medicine: dict[str, Any], concept: Any) -> str:
    reference = medicine.get("medicationReference")
    shown = reference.get("display") if isinstance(reference, dict) else None
    return str(
        (concept if isinstance(concept, dict) else {}).get("text")
        or next((c.get("display") for c in codings(concept) if c.get("display")), None)
        or shown
        or "unnamed medicine"
    )


def _read_medicines(
    medicines: list[dict[str, Any]], found: Prefetched, bundled: dict[str, dict[str, Any]]
) -> None:
    """Each current medicine; one Coxa cannot read is kept as not coded, never dropped.

    A medicine not coded makes each rule that needs its class unknown (and needs a
    clinician's decision before the operation), as in the clinic.
    """
    read: list[dict[str, Any]] = []
    for medicine in medicines:
        if medicine.get("status") in ("stopped", "completed", "entered-in-error", "cancelled"):
            continue
        concept = _concept(medicine, bundled)
        name = _name(medicine, concept)
        coded = _atc_code(concept)
        drug_class = _medicine_class(concept)
        if coded is None:
            found.unclassified_medicines.append(name)
        read.append(
            {"name": name[:100], "class": drug_class or "other"} | ({"atc": coded} if coded else {})
        )
    found.medications = read


ALLERGY_CLINICAL = "http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical"
ALLERGY_VERIFICATION = "http://terminology.hl7.org/CodeSystem/allergyintolerance-verification"


def _status(concept: Any, system: str) -> str:
    """The status code of an element bound to one HL7 code system (a coding may omit it)."""
    return next(
        (str(c.get("code", "")) for c in codings(concept) if c.get("system") in (system, None)),
        "",
    )


def _allergy_status(allergy: dict[str, Any]) -> str | None:
    """Coxa's status of an allergy (``decisions.domain.allergies``); None: entered in error.

    Refuted (tested, not allergic) wins; then inactive or resolved (no longer at risk);
    then unconfirmed ("a low level of certainty", FHIR R4); anything else is active.
    """
    verification = _status(allergy.get("verificationStatus"), ALLERGY_VERIFICATION)
    clinical = _status(allergy.get("clinicalStatus"), ALLERGY_CLINICAL)
    if verification == "entered-in-error":
        return None
    if verification == "refuted":
        return "refuted"
    if clinical in ("inactive", "resolved"):
        return "inactive"
    return "unconfirmed" if verification == "unconfirmed" else "active"


def _read_allergies(allergies: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each allergy with its SNOMED CT substance when Coxa lists it, and its status."""
    read = []
    for allergy in allergies:
        status = _allergy_status(allergy)
        if status is None:
            continue
        concept = allergy.get("code")
        text = (concept or {}).get("text") or next(
            (c.get("display") for c in codings(concept) if c.get("display")), ""
        )
        code = next(
            (
                str(c.get("code"))
                for c in codings(concept)
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
        _read_medicines(medicines, found, medications_by_reference(prefetch.get("medications")))
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
