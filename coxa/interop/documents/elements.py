"""FHIR data types every resource uses: references, codings, days and instants, laterality."""

import datetime as dt
from typing import Any

from django.utils import timezone

from coxa.interop.domain.capability import BY_TYPE, COXA_SYSTEM
from coxa.terminology.codes import System, Use, code_for

UCUM = "http://unitsofmeasure.org"


def meta(type_: str) -> dict[str, Any]:
    return {"profile": [BY_TYPE[type_].profile]}


def reference(type_: str, public_id: object, display: str | None = None) -> dict[str, str]:
    found = {"reference": f"{type_}/{public_id}"}
    return found | ({"display": display} if display else {})


def coxa_coding(system: str, code: str, display: str | None = None) -> dict[str, str]:
    """A code of Coxa's own (a procedure, an implant component) under its URN."""
    found = {"system": COXA_SYSTEM + system, "code": code}
    return found | ({"display": display} if display else {})


def instant(moment: dt.datetime) -> str:
    """A FHIR instant: to the second, with its offset (Coxa stores UTC)."""
    return moment.astimezone(dt.UTC).replace(microsecond=0).isoformat()


def day(value: dt.date) -> str:
    return value.isoformat()


def local_day(moment: dt.datetime) -> dt.date:
    """The day a moment fell on in the service's time zone (settings.TIME_ZONE), not UTC's."""
    return timezone.localdate(moment)


def hip_site(side: str) -> list[dict[str, Any]]:
    """The body site of a hip: the hip joint, and its side (SNOMED CT's laterality qualifier).

    Both, so that a reader (Coxa's CDS service among them) knows the condition is the hip's:
    ICD-10's osteonecrosis names no bone (terminology.hips).
    """
    joint = code_for(System.SNOMED_CT, Use.HIP_SITE, "hip")
    code = code_for(System.SNOMED_CT, Use.LATERALITY, side)
    return [
        {
            "coding": [
                {"system": System.SNOMED_CT.value, "code": joint.code, "display": joint.display}
            ],
            "text": "Hip joint",
        },
        {
            "coding": [
                {"system": System.SNOMED_CT.value, "code": code.code, "display": code.display}
            ],
            "text": f"{side.title()} hip",
        },
    ]


def concept(text: str, *codings: dict[str, str]) -> dict[str, Any]:
    return ({"coding": list(codings)} if codings else {}) | {"text": text}
