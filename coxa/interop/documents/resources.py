"""Each page of rows the selectors found, as FHIR resources."""

from collections.abc import Callable
from typing import Any

from coxa.core import clock
from coxa.interop.documents import care, checked, clinical, operation, outcomes, people
from coxa.interop.selectors import Reading, latest_imaging

_ENTRIES: dict[str, Callable[[Any], dict[str, Any]]] = {
    "Patient": people.patient,
    "EpisodeOfCare": lambda row: people.episode_of_care(row, has_condition=row.has_condition),
    "QuestionnaireResponse": outcomes.questionnaire_response,
    "AllergyIntolerance": clinical.allergy,
    "MedicationStatement": clinical.medication,
    "Procedure": lambda row: operation.procedure(
        row, list(row.implants.all()), list(row.addenda.all())
    ),
    "Device": lambda row: operation.device(row.note, row),
    "CarePlan": lambda row: care.care_plan(row, clock.today()),
}


def _reading(reading: Reading) -> dict[str, Any]:
    if reading.kind == "score":
        return outcomes.score(reading.row)
    if reading.kind == "metal":
        return outcomes.metal(reading.row, reading.ion)
    return clinical.observation(reading.row)


def resource_id(type_: str, row: Any) -> str:
    """The FHIR id of a row's resource (an implant's is its note's id and its place)."""
    if isinstance(row, Reading):
        return row.id
    if type_ == "Device":
        return operation.device_id(row.note, row)
    if type_ == "CarePlan":
        return str(row.episode.public_id)
    return str(row.public_id)


def shape(type_: str, rows: list[Any]) -> list[dict[str, Any]]:
    """The resources of a page of one type's rows, each checked."""
    if type_ == "Condition":
        imaging = latest_imaging(rows)
        made = [clinical.condition(row, imaging[row.pk]) for row in rows]
    elif type_ == "Observation":
        made = [_reading(row) for row in rows]
    else:
        made = [_ENTRIES[type_](row) for row in rows]
    return [checked(resource) for resource in made]
