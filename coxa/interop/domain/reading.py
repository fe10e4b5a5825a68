"""FHIR resources read as what Coxa records: a patient, a hip's episode, clinic entries.

Pure: each reader gives Coxa's input (checked later by the services that store it, as any
entry is) or the reason it is not taken. What Coxa cannot read is named, never guessed: a
code it does not know, a status that says the record does not stand, a type it does not
import (operation notes are written and signed in Coxa; questionnaire scores and blood
metal levels come with their records).
"""

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from coxa.interop.domain.capability import COXA_SYSTEM, NHS_NUMBER_SYSTEM
from coxa.terminology.codes import (
    System,
    Use,
    drug_class_of,
    is_atc_substance,
    meaning,
    substance_of,
)
from coxa.terminology.units import OBSERVATION_CODES

SIDE_EXTENSION = "urn:coxa:extension:hip-side"
# Hips still on their way to surgery. An operated hip (active, on hold) is not opened from a
# file: opened as referred it would be listed for surgery again, and its operation, implants
# and follow-up would be missing; the team records it in Coxa.
OPEN = ("planned", "waitlist")
TAKEN = ("Patient", "EpisodeOfCare", "Observation", "AllergyIntolerance", "MedicationStatement")


@dataclass(frozen=True)
class Skip:
    """A resource Coxa does not take, and why (the rest of the patient is still taken)."""

    reason: str


@dataclass(frozen=True)
class Read:
    """What a resource says in Coxa's terms: ``kind`` and its fields."""

    kind: str  # patient | episode | observation | medication | allergy
    fields: dict[str, Any] = field(default_factory=dict)


def _codings(concept: Any) -> list[dict[str, Any]]:
    if not isinstance(concept, dict):
        return []
    return [c for c in concept.get("coding") or [] if isinstance(c, dict)]


def _day(value: Any) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def entries_of(bundle: Mapping[str, Any]) -> list[dict[str, Any]]:
    """A Bundle's resources, each with an id: its own, or its entry's ``urn:uuid:`` fullUrl.

    References to a fullUrl (``urn:uuid:…``, as a transaction names what it creates) are
    rewritten to ``Patient/<id>``, so each record finds its patient.
    """
    found, named = [], {}
    for number, entry in enumerate(bundle.get("entry") or []):
        resource = entry.get("resource") if isinstance(entry, dict) else None
        if not isinstance(resource, dict):
            continue
        resource = dict(resource)
        full = str(entry.get("fullUrl") or "")
        if not resource.get("id") and full.startswith("urn:uuid:"):
            resource["id"] = full.removeprefix("urn:uuid:")
        elif not resource.get("id"):  # so that each entry's answer is its own
            resource["id"] = f"entry-{number}"
        if full:
            named[full] = f"{resource.get('resourceType')}/{resource.get('id')}"
        found.append(resource)
    for resource in found:
        for key in ("subject", "patient"):
            target = resource.get(key)
            if isinstance(target, dict) and target.get("reference") in named:
                resource[key] = target | {"reference": named[target["reference"]]}
    return found


def patient_reference(resource: Mapping[str, Any]) -> str | None:
    """The id of the patient a resource is about (``Patient/<id>``), or None."""
    for key in ("subject", "patient"):
        found = resource.get(key)
        if isinstance(found, dict) and isinstance(found.get("reference"), str):
            reference = str(found["reference"])
            if "Patient/" in reference:
                return reference.rsplit("Patient/", 1)[1]
    return None


def _identifier(resource: Mapping[str, Any], system: str) -> str:
    for found in resource.get("identifier") or []:
        if isinstance(found, dict) and found.get("system") == system:
            return str(found.get("value") or "")
    return ""


def read_patient(resource: Mapping[str, Any], *, hospital_system: str) -> Read | Skip:
    died_on = _day(resource.get("deceasedDateTime"))
    if died_on is None and (resource.get("deceasedBoolean") or resource.get("deceasedDateTime")):
        # Registered without it, the patient would be invited, booked and surveyed as alive.
        return Skip(
            "deceased with no day of death (deceasedBoolean, or a year or month only): "
            "Coxa records a death with its day; not imported"
        )
    name = next((n for n in resource.get("name") or [] if isinstance(n, dict)), {})
    telecom = {t.get("system"): t.get("value") for t in resource.get("telecom") or []}
    address = next((a for a in resource.get("address") or [] if isinstance(a, dict)), {})
    return Read(
        "patient",
        {
            "given_name": " ".join(name.get("given") or []),
            "family_name": str(name.get("family") or ""),
            "date_of_birth": _day(resource.get("birthDate")),
            "sex": str(resource.get("gender") or ""),
            "nhs_number": _identifier(resource, NHS_NUMBER_SYSTEM),
            "hospital_number": _identifier(resource, hospital_system),
            "email": str(telecom.get("email") or ""),
            "phone": str(telecom.get("phone") or ""),
            "address": str(address.get("text") or ""),
            "postcode": str(address.get("postalCode") or ""),
            "date_of_death": died_on,
        },
    )


def read_episode(resource: Mapping[str, Any], procedures: Iterable[str]) -> Read | Skip:
    status = resource.get("status")
    if status in ("active", "onhold"):
        return Skip(
            f"the episode is {status}: an operated hip is not opened from a file (it would be "
            "listed for surgery again); record its operation and follow-up in Coxa"
        )
    if status not in OPEN:
        return Skip(f"the episode is {status}: Coxa opens only hips waiting for surgery")
    side = next(
        (
            e.get("valueCode")
            for e in resource.get("extension") or []
            if isinstance(e, dict) and e.get("url") == SIDE_EXTENSION
        ),
        None,
    )
    procedure = next(
        (
            c.get("code")
            for t in resource.get("type") or []
            for c in _codings(t)
            if c.get("system") == COXA_SYSTEM + "procedure" and c.get("code") in set(procedures)
        ),
        None,
    )
    if side not in ("left", "right"):
        return Skip(f"no side: Coxa needs the hip ({SIDE_EXTENSION}: left or right)")
    if procedure is None:
        return Skip("no procedure Coxa offers among its type codes")
    referred = _day((resource.get("period") or {}).get("start"))
    return Read("episode", {"side": side, "procedure": procedure, "referred_on": referred})


def _measured(resource: Mapping[str, Any]) -> str | None:
    for coding in _codings(resource.get("code")):
        system, code = str(coding.get("system") or ""), str(coding.get("code") or "")
        if system == System.LOINC:
            found = meaning(system, code, Use.OBSERVATION)
            if found:
                return found
        if system == COXA_SYSTEM + "observation" and code in OBSERVATION_CODES:
            return code
    return None


def read_observation(resource: Mapping[str, Any]) -> Read | Skip:
    if resource.get("status") not in ("final", "amended", "corrected"):
        return Skip(f"its status is {resource.get('status')}: only final results are taken")
    code = _measured(resource)
    if code is None:
        return Skip("not a measurement the clinic records (no LOINC or Coxa code Coxa reads)")
    quantity = resource.get("valueQuantity")
    quantity = quantity if isinstance(quantity, dict) else {}
    if quantity.get("comparator"):
        # ">90" is not 90: an exact value would be taken as measured.
        return Skip(
            f"its value is {quantity['comparator']}{quantity.get('value')}, a bound, "
            "not a measurement: Coxa records exact values"
        )
    return Read(
        "observation",
        {
            "code": code,
            "value": quantity.get("value"),
            "unit": quantity.get("code") or quantity.get("unit") or "",
            "observed_on": _day(resource.get("effectiveDateTime")),
        },
    )


def _status(concept: Any) -> str:
    return next((str(c.get("code") or "") for c in _codings(concept)), "")


def read_allergy(resource: Mapping[str, Any], today: dt.date) -> Read | Skip:
    verification = _status(resource.get("verificationStatus"))
    if verification == "entered-in-error":
        return Skip("entered in error")
    clinical = _status(resource.get("clinicalStatus"))
    concept = resource.get("code") or {}
    code = next(
        (
            str(c.get("code"))
            for c in _codings(concept)
            if c.get("system") == System.SNOMED_CT and substance_of(str(c.get("code") or ""))
        ),
        None,
    )
    words = concept.get("text") or next((c.get("display") for c in _codings(concept)), None)
    reaction = next(
        (
            m.get("text")
            for r in resource.get("reaction") or []
            for m in r.get("manifestation") or []
        ),
        "",
    )
    status = (
        "refuted"
        if verification == "refuted"
        else "inactive"
        if clinical in ("inactive", "resolved")
        else "active"
    )
    return Read(
        "allergy",
        {
            "substance": str(words or (substance_of(code) if code else "") or ""),
            "substance_code": code,
            "status": status,
            "reaction": str(reaction or ""),
            "recorded_on": _day(resource.get("recordedDate")) or today,
        },
    )


def _atc(concept: Any) -> str | None:
    for coding in _codings(concept):
        code = str(coding.get("code") or "").upper()
        if coding.get("system") == System.ATC and is_atc_substance(code):
            return code
        found = meaning(str(coding.get("system") or ""), code, Use.MEDICINE)
        if found:
            return found
    return None


def read_medication(resource: Mapping[str, Any], today: dt.date) -> Read | Skip:
    status = resource.get("status")
    if status in ("entered-in-error", "not-taken", "unknown"):
        return Skip(f"its status is {status}")
    concept = resource.get("medicationCodeableConcept") or {}
    atc = _atc(concept)
    name = concept.get("text") or next((c.get("display") for c in _codings(concept)), None)
    dose = next((d.get("text") for d in resource.get("dosage") or [] if d.get("text")), "")
    return Read(
        "medication",
        {
            "name": str(name or ""),
            "class": drug_class_of(atc) if atc else "other",
            "atc": atc,
            "dose": str(dose or ""),
            "active": status in ("active", "intended", "on-hold"),
            "recorded_on": _day(resource.get("dateAsserted")) or today,
        },
    )


def read(
    resource: Mapping[str, Any], *, hospital_system: str, procedures: Iterable[str], today: dt.date
) -> Read | Skip:
    """Any resource: what it says, or why Coxa does not take it."""
    kind = resource.get("resourceType")
    if kind == "Patient":
        return read_patient(resource, hospital_system=hospital_system)
    if kind == "EpisodeOfCare":
        return read_episode(resource, procedures)
    if kind == "Observation":
        return read_observation(resource)
    if kind == "AllergyIntolerance":
        return read_allergy(resource, today)
    if kind == "MedicationStatement":
        return read_medication(resource, today)
    return Skip(f"Coxa does not import {kind} (it imports {', '.join(TAKEN)})")
