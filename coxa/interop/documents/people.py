"""Patient and EpisodeOfCare."""

from typing import Any

from django.conf import settings

from coxa.catalogue.loader import get_catalogue
from coxa.interop.documents.elements import coxa_coding, day, local_day, meta, reference
from coxa.interop.domain.capability import EPISODE_ID_SYSTEM, NHS_NUMBER_SYSTEM
from coxa.interop.domain.reading import SIDE_EXTENSION
from coxa.pathways.domain import EpisodeState
from coxa.pathways.models import Episode
from coxa.patients.models import Patient

S = EpisodeState
# A hip's state as FHIR's EpisodeOfCare status (https://hl7.org/fhir/R4/valueset-episode-of-care-status.html).
EPISODE_STATUS: dict[EpisodeState, str] = {
    S.REFERRED: "planned",
    S.ASSESSED: "planned",
    S.LISTED: "waitlist",
    S.OPTIMISING: "waitlist",
    S.READY: "waitlist",
    S.SCHEDULED: "waitlist",
    S.OPERATED: "active",
    S.RECOVERING: "active",
    S.FOLLOW_UP: "active",
    S.COMPLETED: "finished",
    S.CONVERTED: "finished",
    S.DIED: "finished",
    S.WITHDRAWN: "cancelled",
}
ENDED = frozenset({"finished", "cancelled"})


def hospital_number_system() -> str:
    return str(settings.FHIR_HOSPITAL_NUMBER_SYSTEM)


def patient(row: Patient) -> dict[str, Any]:
    identifiers = []
    if row.nhs_number:
        identifiers.append({"system": NHS_NUMBER_SYSTEM, "value": row.nhs_number})
    if row.hospital_number:
        identifiers.append({"system": hospital_number_system(), "value": row.hospital_number})
    resource: dict[str, Any] = {
        "resourceType": "Patient",
        "id": str(row.public_id),
        "meta": meta("Patient"),
        "identifier": identifiers,
        "name": [{"use": "official", "family": row.family_name, "given": row.given_name.split()}],
        "gender": row.sex,
        "birthDate": day(row.date_of_birth),
    }
    if row.date_of_death:
        resource["deceasedDateTime"] = day(row.date_of_death)
    telecom = [
        {"system": kind, "value": value}
        for kind, value in (("phone", row.phone), ("email", row.email))
        if value
    ]
    if telecom:
        resource["telecom"] = telecom
    if row.address or row.postcode:
        resource["address"] = [
            {k: v for k, v in (("text", row.address), ("postalCode", row.postcode)) if v}
        ]
    return {k: v for k, v in resource.items() if v != []}


def episode_of_care(row: Episode, *, has_condition: bool) -> dict[str, Any]:
    procedure = get_catalogue().procedures.get(row.procedure)
    title = procedure.title if procedure else row.procedure
    status = EPISODE_STATUS[EpisodeState(row.state)]
    period = {"start": day(row.referred_on)}
    if status in ENDED:
        # A death's day is the patient's recorded one, not the day it was entered.
        died = row.patient.date_of_death if row.state == EpisodeState.DIED else None
        period["end"] = day(died or local_day(row.state_changed_at))
    resource: dict[str, Any] = {
        "resourceType": "EpisodeOfCare",
        "id": str(row.public_id),
        "meta": meta("EpisodeOfCare"),
        "identifier": [{"system": EPISODE_ID_SYSTEM, "value": str(row.public_id)}],
        # Which hip: EpisodeOfCare has no body site, and Coxa's import needs it.
        "extension": [{"url": SIDE_EXTENSION, "valueCode": row.side}],
        "status": status,
        "type": [
            {
                "coding": [coxa_coding("procedure", row.procedure, title)],
                "text": f"{row.side.title()} hip: {title}",
            }
        ],
        "patient": reference("Patient", row.patient.public_id),
        "period": period,
    }
    if has_condition:
        resource["diagnosis"] = [{"condition": reference("Condition", row.public_id)}]
    return resource
