"""Who the EHR's patient is in Coxa's terms, and the card link to their hip's episode.

A card links to the patient's Coxa episode only when the prefetched Patient names one NHS
number (https://fhir.nhs.uk/Id/nhs-number) and a date of birth, both of which a Coxa patient
matches, and it is the patient the hook is about (its id is ``context.patientId``). Two
different NHS numbers, or none, give no link: a link to the wrong patient is worse than none.
"""

import datetime as dt
from dataclasses import dataclass
from typing import Any

NHS_NUMBER_SYSTEM = "https://fhir.nhs.uk/Id/nhs-number"


@dataclass(frozen=True)
class Identity:
    nhs_number: str
    born: dt.date


def identity_of(patient: Any, *, patient_id: str) -> Identity | None:
    """The NHS number and date of birth of the hook's patient, when both are unambiguous."""
    if not isinstance(patient, dict) or patient.get("id") != patient_id:
        return None
    identifiers = patient.get("identifier")
    numbers = {
        "".join(str(i.get("value", "")).split())
        for i in (identifiers if isinstance(identifiers, list) else [])
        if isinstance(i, dict) and i.get("system") == NHS_NUMBER_SYSTEM and i.get("value")
    }
    try:
        born = dt.date.fromisoformat(str(patient.get("birthDate", "")))
    except ValueError:
        return None
    if len(numbers) != 1:
        return None
    return Identity(nhs_number=numbers.pop(), born=born)


def episode_link(side: str, url: str) -> dict[str, str]:
    """A card's link to the hip's episode page in Coxa (CDS Hooks 2.0 Link, absolute)."""
    return {"label": f"Open the {side} hip's episode in Coxa", "url": url, "type": "absolute"}
