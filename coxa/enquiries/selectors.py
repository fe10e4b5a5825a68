"""Reads of consultation requests: one request for the team, with the patients it may be."""

import uuid

from coxa.accounts.domain import Capability
from coxa.accounts.models import User
from coxa.accounts.selectors import require
from coxa.core import audit
from coxa.core.errors import ErrorCode, NotFound
from coxa.core.pagination import PageRequest
from coxa.enquiries.models import Enquiry, StatusChange
from coxa.patients import selectors as patients
from coxa.patients.models import Patient

CANDIDATES_SHOWN = 10  # possible matches offered before registering someone new


def access_enquiry(*, actor: User, enquiry_id: uuid.UUID, via: audit.Via) -> Enquiry:
    """One request, for someone who triages them; audited (the request's id, no name)."""
    require(actor, Capability.TRIAGE_ENQUIRIES)
    found = Enquiry.objects.select_related("patient", "episode").filter(public_id=enquiry_id)
    enquiry = found.first()
    if enquiry is None:
        raise NotFound(ErrorCode.NOT_FOUND, "no consultation request with this id")
    audit.record(
        actor=actor,
        action="enquiry.view",
        object_type="enquiry",
        object_id=enquiry.public_id,
        patient_id=enquiry.patient.public_id if enquiry.patient else None,
        via=via,
    )
    return enquiry


def history_of(enquiry: Enquiry) -> list[StatusChange]:
    """The request's changes of status, oldest first (read with the request, audited there)."""
    return list(enquiry.changes.select_related("by"))


def possible_patients(*, actor: User, enquiry: Enquiry, via: audit.Via) -> list[Patient]:
    """Patients already registered whose names match the request's (the patients' own search).

    "Mary Smith" finds Mary Smith and Smith, Maryanne: the search matches the start of each
    name, either way round; the search audits the showing as every patient search does.
    """
    found = patients.search_patients(
        actor=actor, q=enquiry.name, page=PageRequest(1, CANDIDATES_SHOWN), via=via
    )
    return found.patients
