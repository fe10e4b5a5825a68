"""API for patients: register, search, read and correct."""

import uuid

from django.http import HttpRequest
from ninja import Router, Status

from coxa.accounts.api import actor
from coxa.core.audit import Via
from coxa.core.pagination import page_request
from coxa.patients import selectors, services
from coxa.patients.schemas import PatientIn, PatientOut, PatientPageOut, PatientUpdateIn

router = Router(tags=["patients"])


@router.post("/patients", response={201: PatientOut})
def create_patient(request: HttpRequest, payload: PatientIn) -> Status[PatientOut]:
    """Register a patient. NHS number optional (checked with its modulus-11 digit), unique."""
    patient = services.register_patient(
        details=payload.to_details(), by=actor(request), via=Via.API
    )
    return Status(201, PatientOut.of(patient))


@router.get("/patients", response=PatientPageOut)
def search_patients(
    request: HttpRequest, q: str = "", page: int | None = None, page_size: int | None = None
) -> PatientPageOut:
    """Find patients by name (prefixes of each word), date of birth, hospital or NHS number."""
    found = selectors.search_patients(
        actor=actor(request), q=q, page=page_request(page, page_size), via=Via.API
    )
    return PatientPageOut(
        count=found.count,
        page=found.page.number,
        page_size=found.page.size,
        has_next=found.has_next,
        items=[PatientOut.of(p) for p in found.patients],
    )


@router.get("/patients/{patient_id}", response=PatientOut)
def get_patient(request: HttpRequest, patient_id: uuid.UUID) -> PatientOut:
    """One patient's details."""
    return PatientOut.of(
        selectors.access_patient(actor=actor(request), patient_id=patient_id, via=Via.API)
    )


@router.put("/patients/{patient_id}", response=PatientOut)
def update_patient(
    request: HttpRequest, patient_id: uuid.UUID, payload: PatientUpdateIn
) -> PatientOut:
    """Correct a patient's details; give the reason for the record."""
    user = actor(request)
    patient = selectors.access_patient(actor=user, patient_id=patient_id, via=Via.API)
    updated = services.update_patient(
        patient=patient, details=payload.to_details(), by=user, via=Via.API, reason=payload.reason
    )
    return PatientOut.of(updated)
