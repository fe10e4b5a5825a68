"""What the clinic records: Condition, Observation, AllergyIntolerance, MedicationStatement."""

from typing import Any

from coxa.assessment.models import Allergy, Imaging, Medication, Observation
from coxa.interop.documents.elements import (
    UCUM,
    concept,
    coxa_coding,
    day,
    hip_site,
    instant,
    meta,
    reference,
)
from coxa.pathways.models import Episode
from coxa.terminology.codes import CODES, Code, System, Use, find

CONDITION_CLINICAL = "http://terminology.hl7.org/CodeSystem/condition-clinical"
CONDITION_VERIFICATION = "http://terminology.hl7.org/CodeSystem/condition-ver-status"
CONDITION_CATEGORY = "http://terminology.hl7.org/CodeSystem/condition-category"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
ALLERGY_CLINICAL = "http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical"
ALLERGY_VERIFICATION = "http://terminology.hl7.org/CodeSystem/allergyintolerance-verification"

# Diagnoses in words, and the one code with a verified source for each (terminology.codes):
# SNOMED CT's osteoarthritis of the hip; ICD-10's osteonecrosis group for avascular necrosis.
DIAGNOSES = {
    "osteoarthritis": ("Osteoarthritis of the hip", System.SNOMED_CT, "239872002"),
    "avascular-necrosis": ("Avascular necrosis of the femoral head", System.ICD_10, "M87"),
    "inflammatory-arthritis": ("Inflammatory arthritis of the hip", None, None),
    "dysplasia": ("Hip dysplasia", None, None),
    "other": ("Other hip condition", None, None),
}
STAGING = {"arco-2019": "ARCO 2019", "ficat-arlet": "Ficat-Arlet", "steinberg": "Steinberg"}
VITAL_SIGNS = frozenset({"height", "weight", "bmi", "systolic_bp", "diastolic_bp"})
WORDS = {
    "height": "Body height",
    "weight": "Body weight",
    "bmi": "Body mass index",
    "systolic_bp": "Systolic blood pressure",
    "diastolic_bp": "Diastolic blood pressure",
    "haemoglobin": "Haemoglobin",
    "hba1c": "HbA1c",
    "egfr": "Estimated glomerular filtration rate",
}


# The LOINC code of each measurement, in the unit Coxa stores it (terminology.units): HbA1c
# in mmol/mol is the IFCC measure, 59261-8, not 4548-4 (a percentage).
LOINC: dict[str, Code] = {
    c.means: c
    for c in CODES
    if c.system is System.LOINC and c.use is Use.OBSERVATION and c.code != "4548-4"
}


def _status(system: str, code: str) -> dict[str, Any]:
    return {"coding": [{"system": system, "code": code}]}


def condition(episode: Episode, imaging: Imaging) -> dict[str, Any]:
    """The hip's diagnosis from its latest imaging that names one; its id is the episode's."""
    words, system, code = DIAGNOSES.get(imaging.diagnosis, DIAGNOSES["other"])
    codings = []
    if system is not None and code is not None:
        # ICD-10's osteonecrosis is any bone's: the hip is in the body site (terminology.hips).
        coded = find(system, code, Use.CONDITION) or find(system, code, Use.BONE_CONDITION)
        if coded is not None:
            codings.append({"system": system.value, "code": code, "display": coded.display})
    resource: dict[str, Any] = {
        "resourceType": "Condition",
        "id": str(episode.public_id),
        "meta": meta("Condition"),
        "clinicalStatus": _status(CONDITION_CLINICAL, "active"),
        "verificationStatus": _status(CONDITION_VERIFICATION, "confirmed"),
        "category": [_status(CONDITION_CATEGORY, "problem-list-item")],
        "code": concept(words, *codings),
        "bodySite": hip_site(episode.side),
        "subject": reference("Patient", episode.patient.public_id),
        "recordedDate": day(imaging.on),
    }
    if imaging.avn_system and imaging.avn_stage:
        label = STAGING.get(imaging.avn_system, imaging.avn_system)
        resource["stage"] = [{"summary": {"text": f"{label} {imaging.avn_stage}"}}]
    return resource


def observation(row: Observation) -> dict[str, Any]:
    loinc = LOINC.get(row.code)
    words = WORDS.get(row.code, row.code)
    codings = [coxa_coding("observation", row.code, words)]
    if loinc is not None:
        codings.insert(
            0, {"system": System.LOINC.value, "code": loinc.code, "display": loinc.display}
        )
    category = "vital-signs" if row.code in VITAL_SIGNS else "laboratory"
    return {
        "resourceType": "Observation",
        "id": str(row.public_id),
        "meta": meta("Observation"),
        "status": "corrected" if row.supersedes_id else "final",
        "category": [_status(OBSERVATION_CATEGORY, category)],
        "code": concept(words, *codings),
        "subject": reference("Patient", row.patient.public_id),
        "effectiveDateTime": day(row.on),
        "issued": instant(row.recorded_at),
        "valueQuantity": {"value": row.value, "unit": row.unit, "system": UCUM, "code": row.unit},
    }


def allergy(row: Allergy) -> dict[str, Any]:
    codings = []
    if row.substance_code:
        codings.append({"system": System.SNOMED_CT.value, "code": row.substance_code})
    resource: dict[str, Any] = {
        "resourceType": "AllergyIntolerance",
        "id": str(row.public_id),
        "meta": meta("AllergyIntolerance"),
        # A refuted allergy keeps a clinical status (FHIR ait-1): it is not active.
        "clinicalStatus": _status(
            ALLERGY_CLINICAL, "active" if row.status == "active" else "inactive"
        ),
        "verificationStatus": _status(
            ALLERGY_VERIFICATION, "refuted" if row.status == "refuted" else "confirmed"
        ),
        "code": concept(row.substance, *codings),
        "patient": reference("Patient", row.patient.public_id),
        "recordedDate": instant(row.recorded_at),
    }
    if row.reaction:
        resource["reaction"] = [{"manifestation": [{"text": row.reaction}]}]
    return resource


def medication(row: Medication) -> dict[str, Any]:
    codings = [{"system": System.ATC.value, "code": row.atc}] if row.atc else []
    resource: dict[str, Any] = {
        "resourceType": "MedicationStatement",
        "id": str(row.public_id),
        "meta": meta("MedicationStatement"),
        "status": "active" if row.active else "stopped",
        "medicationCodeableConcept": concept(row.name, *codings),
        "subject": reference("Patient", row.patient.public_id),
        "dateAsserted": instant(row.recorded_at),
    }
    if row.dose:
        resource["dosage"] = [{"text": row.dose}]
    if row.indication:
        resource["reasonCode"] = [{"text": row.indication.replace("-", " ")}]
    return resource
