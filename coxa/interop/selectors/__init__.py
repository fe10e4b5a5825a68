"""Reads for the FHIR API: the caller's patients only, one audit record for each answer.

A patient reads only their own records (anyone else's is as if it did not exist); staff who
may see patients read any. What each type is read from is in ``readers``; the resources are
shaped from these rows by ``interop.documents``.
"""

import uuid
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet

from coxa.accounts.domain import Capability, Role
from coxa.accounts.models import User
from coxa.accounts.selectors import require
from coxa.core import audit
from coxa.core.errors import ErrorCode, Hidden, NotFound
from coxa.interop.domain.search import Search
from coxa.interop.selectors.readers import READERS, latest_imaging, patient_of
from coxa.interop.selectors.readings import Reading, readings
from coxa.patients.models import Patient

__all__ = ["Reading", "Rows", "latest_imaging", "patient_of", "read", "search"]


@dataclass(frozen=True)
class Rows:
    type: str
    rows: list[Any]
    has_next: bool
    total: int | None  # every match, when this page holds the last of them


def _patients(actor: User) -> QuerySet[Patient]:
    if actor.role == Role.PATIENT:
        return Patient.objects.filter(user=actor)
    require(actor, Capability.VIEW_PATIENTS)
    return Patient.objects.all()


def _patient_of(type_: str, row: Any) -> Patient:
    return row.patient if isinstance(row, Reading) else patient_of(type_, row)


def read(*, actor: User, type_: str, id_: str) -> Any:
    """One resource's row, for a caller who may see it; audited."""
    patients = _patients(actor)
    if type_ == "Observation":
        found = readings(patients, ids=[id_], tokens=(), periods=(), limit=1)
        row = found[0] if found else None
    else:
        row = READERS[type_].query(patients, ids=[id_], tokens=(), periods=()).first()
    if row is None:
        message = f"no {type_} with this id"
        if actor.role == Role.PATIENT:
            raise Hidden(ErrorCode.NOT_FOUND, message)
        raise NotFound(ErrorCode.NOT_FOUND, message)
    patient = _patient_of(type_, row)
    audit.record(
        actor=actor,
        action="fhir.read",
        object_type=type_.lower(),
        object_id=id_[:64],
        patient_id=patient.public_id,
        summary=f"Read FHIR {type_}",
        via=audit.Via.API,
    )
    return row


def search(*, actor: User, query: Search, shown: Any) -> Rows:
    """A page of one type's rows matching ``query``; audited with each resource shown.

    ``shown(row)`` names a row's resource (its FHIR id) for the audit record.
    """
    patients = _patients(actor)
    if query.patient is not None:
        patients = patients.filter(public_id=query.patient)
    window = query.offset + query.count + 1
    if query.type == "Observation":
        found = readings(
            patients, ids=query.ids, tokens=query.tokens, periods=query.periods, limit=window
        )[query.offset :]
    else:
        rows = READERS[query.type].query(
            patients, ids=query.ids, tokens=query.tokens, periods=query.periods
        )
        found = list(rows[query.offset : window])
    has_next = len(found) > query.count
    page = found[: query.count]
    audit.record(
        actor=actor,
        action="fhir.search",
        object_type=query.type.lower(),
        patient_id=_one_patient(page, query.type),
        summary=f"Searched FHIR {query.type} ({len(page)} shown)",
        via=audit.Via.API,
        details={
            "parameters": sorted({name for name, _ in query.used}),
            "shown": [str(shown(row)) for row in page],
        },
    )
    # A page past the last match knows nothing of how many there are.
    known = not has_next and (bool(page) or query.offset == 0)
    total = query.offset + len(page) if known else None
    return Rows(type=query.type, rows=page, has_next=has_next, total=total)


def _one_patient(page: list[Any], type_: str) -> uuid.UUID | None:
    """The patient every row shown is about, however they were searched (an identifier, _id)."""
    patients = {patient_of(type_, row).public_id for row in page}
    return patients.pop() if len(patients) == 1 else None
