"""Procedure (a signed operation note) and Device (each of its implants)."""

from typing import Any

from coxa.catalogue.loader import get_catalogue
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
from coxa.surgery.models import Addendum, Implant, OperationNote


def device_id(note: OperationNote, implant: Implant) -> str:
    """An implant's id: its note's and its place on the note (ids are per note, never reused)."""
    return f"{note.public_id}-{implant.position}"


def procedure(
    note: OperationNote, implants: list[Implant], addenda: list[Addendum]
) -> dict[str, Any]:
    """The signed operation, with each addendum (a signed note is amended, never edited)."""
    found = get_catalogue().procedures.get(note.procedure)
    title = found.title if found else note.procedure
    codings = [
        {"system": c.system, "code": c.code, "display": c.display}
        for c in (found.codings if found else ())
    ]
    episode = note.episode
    resource: dict[str, Any] = {
        "resourceType": "Procedure",
        "id": str(note.public_id),
        "meta": meta("Procedure"),
        "status": "completed",
        "code": concept(title, *codings, coxa_coding("procedure", note.procedure, title)),
        "subject": reference("Patient", episode.patient.public_id),
        "performedDateTime": day(note.operated_on),
        "performer": [{"actor": {"display": str(note.surgeon)}}],
        "bodySite": hip_site(note.side),
        "focalDevice": [
            {"manipulated": reference("Device", device_id(note, implant))} for implant in implants
        ],
    }
    if addenda:
        resource["note"] = [
            {"authorString": str(a.by), "time": instant(a.at), "text": a.text} for a in addenda
        ]
    return resource


def device(note: OperationNote, implant: Implant) -> dict[str, Any]:
    names = [{"name": implant.product, "type": "manufacturer-name"}] if implant.product else []
    resource: dict[str, Any] = {
        "resourceType": "Device",
        "id": device_id(note, implant),
        "meta": meta("Device"),
        "status": "active",
        "manufacturer": implant.manufacturer,
        "lotNumber": implant.lot,
        "type": concept(
            f"{implant.component.title()} component",
            coxa_coding("implant-component", implant.component),
        ),
        "patient": reference("Patient", note.episode.patient.public_id),
    }
    if names:
        resource["deviceName"] = names
    if implant.udi:
        resource["udiCarrier"] = [{"carrierHRF": implant.udi}]
    if implant.size_mm is not None:
        resource["property"] = [
            {
                "type": {"text": "Size"},
                "valueQuantity": [
                    {"value": implant.size_mm, "unit": "mm", "system": UCUM, "code": "mm"}
                ],
            }
        ]
    return resource
