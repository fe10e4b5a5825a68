"""What comes after the operation: questionnaire responses, their scores, blood metal levels."""

from typing import Any

from coxa.catalogue.loader import get_catalogue
from coxa.interop.documents.elements import (
    UCUM,
    concept,
    coxa_coding,
    day,
    instant,
    meta,
    reference,
)
from coxa.outcomes.models import QuestionnaireResponse
from coxa.surveillance.models import MetalIonResult

OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
QUESTIONNAIRE = "urn:coxa:questionnaire:"  # a questionnaire's canonical: its catalogue code
MATRIX = {"whole-blood": "whole blood", "serum": "serum", "plasma": "plasma"}


def _title(instrument: str) -> str:
    found = get_catalogue().instruments.get(instrument)
    return found.title if found else instrument


def _answer(value: Any) -> dict[str, Any]:
    if isinstance(value, bool):
        return {"valueBoolean": value}
    if isinstance(value, int):
        return {"valueInteger": value}
    if isinstance(value, float):
        return {"valueDecimal": value}
    return {"valueString": str(value)}


def questionnaire_response(row: QuestionnaireResponse) -> dict[str, Any]:
    """The answers as given, item by item (a licensed questionnaire's wording is never sent)."""
    patient = reference("Patient", row.episode.patient.public_id)
    resource: dict[str, Any] = {
        "resourceType": "QuestionnaireResponse",
        "id": str(row.public_id),
        "meta": meta("QuestionnaireResponse"),
        "questionnaire": QUESTIONNAIRE + row.instrument,
        "status": "completed",
        "subject": patient,
        "authored": day(row.completed_on),
        "item": [
            {"linkId": str(code), "answer": [_answer(value)]}
            for code, value in row.answers.items()
            if value is not None
        ],
    }
    if row.entered_by_patient:
        resource["source"] = patient
    return resource


def score(row: QuestionnaireResponse) -> dict[str, Any]:
    """A completed questionnaire's score, as an Observation derived from the response."""
    title = _title(row.instrument)
    return {
        "resourceType": "Observation",
        "id": str(row.public_id),
        "meta": meta("Observation"),
        "status": "final",
        "category": [{"coding": [{"system": OBSERVATION_CATEGORY, "code": "survey"}]}],
        "code": concept(f"{title} score", coxa_coding("instrument-score", row.instrument, title)),
        "subject": reference("Patient", row.episode.patient.public_id),
        "effectiveDateTime": day(row.completed_on),
        "issued": instant(row.recorded_at),
        "valueQuantity": {"value": row.score, "unit": "score", "system": UCUM, "code": "{score}"},
        "derivedFrom": [reference("QuestionnaireResponse", row.public_id)],
    }


def metal(row: MetalIonResult, ion: str) -> dict[str, Any]:
    """One ion of a blood sample, in micrograms per litre (as Coxa converts and judges it)."""
    words = f"{ion.title()} in {MATRIX.get(row.matrix, row.matrix)}"
    return {
        "resourceType": "Observation",
        "id": f"{row.public_id}-{ion}",
        "meta": meta("Observation"),
        "status": "final",
        "category": [{"coding": [{"system": OBSERVATION_CATEGORY, "code": "laboratory"}]}],
        "code": concept(words, coxa_coding("observation", ion, ion.title())),
        "subject": reference("Patient", row.enrolment.episode.patient.public_id),
        "effectiveDateTime": day(row.sampled_on),
        "issued": instant(row.recorded_at),
        "valueQuantity": {
            "value": getattr(row, f"{ion}_ug_per_l"),
            "unit": "µg/L",
            "system": UCUM,
            "code": "ug/L",
        },
        "specimen": {"display": MATRIX.get(row.matrix, row.matrix)},
    }
