"""API for patients: register, search, read and correct."""

import uuid
from typing import Annotated

from django.http import HttpRequest
from ninja import Router, Schema, Status
from pydantic import ConfigDict, Field

from coxa.accounts.api import actor
from coxa.accounts.api_access import allow
from coxa.accounts.permissions import Op
from coxa.core.audit import Via
from coxa.core.idempotency import idempotent
from coxa.core.inputs import STORABLE
from coxa.core.pagination import page_request
from coxa.core.text import QUERY_MAX
from coxa.patients import selectors, services
from coxa.patients.schemas import (
    DuplicateOut,
    PatientCreateIn,
    PatientOut,
    PatientPageOut,
    PatientUpdateIn,
    PossibleDuplicateOut,
)

router = Router(tags=["patients"])


@router.post(
    "/patients",
    response={201: PatientOut, 409: PossibleDuplicateOut},
    auth=allow(Op.API_PATIENT_CREATE),
)
@idempotent
def create_patient(
    request: HttpRequest, payload: PatientCreateIn
) -> Status[PatientOut] | Status[PossibleDuplicateOut]:
    """Register a patient. NHS number optional (checked with its modulus-11 digit), unique.

    Someone already registered with the same names and date of birth: 409
    ``possible-duplicate`` with the matches, unless ``confirm_not_duplicate`` and
    ``not_duplicate_reason`` say it is another person. ``Idempotency-Key`` makes a retry
    safe.
    """
    user = actor(request)
    try:
        patient = services.register_patient(
            details=payload.to_details(),
            by=user,
            via=Via.API,
            confirm_not_duplicate=payload.confirm_not_duplicate,
            not_duplicate_reason=payload.not_duplicate_reason,
        )
    except services.PossibleDuplicate as refused:
        shown = selectors.shown_duplicates(actor=user, patients=refused.matches, via=Via.API)
        return Status(
            409,
            PossibleDuplicateOut(
                code=refused.code,
                message=refused.message,
                field=refused.field,
                count=len(refused.matches),
                matches=[DuplicateOut.of(p) for p in shown],
            ),
        )
    return Status(201, PatientOut.of(patient))


@router.get("/patients", response=PatientPageOut, auth=allow(Op.API_PATIENT_SEARCH))
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


class PatientSearchIn(Schema):
    model_config = ConfigDict(extra="forbid")
    q: Annotated[str, STORABLE] = Field(
        "",
        max_length=QUERY_MAX,
        description="Name (prefixes of each word), date of birth, hospital or NHS number.",
    )
    page: int | None = None
    page_size: int | None = None


# Before /patients/{patient_id}, whose pattern would otherwise take "search" for an id.
@router.post("/patients/search", response=PatientPageOut, auth=allow(Op.API_PATIENT_SEARCH))
def search_patients_by_body(request: HttpRequest, payload: PatientSearchIn) -> PatientPageOut:
    """Find patients as GET /patients does, with the terms in the body, out of every URL.

    Access logs, proxies and browser histories keep URLs; they never see a request body.
    """
    return search_patients(request, q=payload.q, page=payload.page, page_size=payload.page_size)


@router.get("/patients/{patient_id}", response=PatientOut, auth=allow(Op.API_PATIENT_READ))
def get_patient(request: HttpRequest, patient_id: uuid.UUID) -> PatientOut:
    """One patient's details."""
    return PatientOut.of(
        selectors.access_patient(actor=actor(request), patient_id=patient_id, via=Via.API)
    )


@router.put("/patients/{patient_id}", response=PatientOut, auth=allow(Op.API_PATIENT_UPDATE))
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


def _deprecate(path: str, method: str) -> None:
    for operation in router.path_operations[path].operations:
        if method in operation.methods:
            operation.deprecated = True


# Its query string puts names and NHS numbers in URLs, and so in access logs: it still
# answers, and the OpenAPI marks it deprecated in favour of POST /patients/search.
_deprecate("/patients", "GET")
