"""Reads of patient records. Every fetch checks the actor's role and leaves an audit record."""

import datetime as dt
import uuid
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.db.models.functions import Lower

from coxa.accounts.domain import Capability, Role, can
from coxa.accounts.models import User
from coxa.accounts.selectors import require
from coxa.core import audit
from coxa.core.errors import ErrorCode, Hidden, NotFound
from coxa.core.pagination import PageRequest
from coxa.patients.domain import (
    QueryKind,
    SearchQuery,
    nhs_number_problem,
    normalise_nhs_number,
    parse_search,
)
from coxa.patients.models import Patient

_KEY_ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyz"


def _prefix_upper_bound(key: str) -> str | None:
    """The least key above every key that starts with ``key`` (keys use _KEY_ALPHABET only).

    Prefix search then becomes an indexed range scan on SQLite and PostgreSQL alike.
    """
    stem = key.rstrip(_KEY_ALPHABET[-1])
    if not stem:
        return None
    last = _KEY_ALPHABET.index(stem[-1])
    return stem[:-1] + _KEY_ALPHABET[last + 1]


def _prefix(field: str, key: str) -> Q:
    condition = Q(**{f"{field}__gte": key})
    upper = _prefix_upper_bound(key)
    if upper is not None:
        condition &= Q(**{f"{field}__lt": upper})
    return condition


def _matching(query: SearchQuery) -> Q:
    if query.kind is QueryKind.NHS_NUMBER:
        return Q(nhs_number=query.nhs_number)
    if query.kind is QueryKind.DATE_OF_BIRTH:
        return Q(date_of_birth=query.date_of_birth)
    condition = Q(pk__in=[])
    keys = query.name_keys
    if len(keys) == 1:
        condition = _prefix("family_key", keys[0]) | _prefix("given_key", keys[0])
    elif len(keys) > 1:
        condition = (_prefix("given_key", keys[0]) & _prefix("family_key", keys[-1])) | (
            _prefix("family_key", keys[0]) & _prefix("given_key", keys[1])
        )
    if query.hospital_number:
        condition |= Q(hospital_number=query.hospital_number)
    return condition


@dataclass(frozen=True)
class PatientPage:
    patients: list[Patient]
    count: int
    page: PageRequest

    @property
    def has_next(self) -> bool:
        return self.page.offset + len(self.patients) < self.count


def search_patients(*, actor: User, q: str, page: PageRequest, via: audit.Via) -> PatientPage:
    """Find patients by name prefix, date of birth, hospital number or NHS number."""
    require(actor, Capability.VIEW_PATIENTS)
    query = parse_search(q)
    if query.kind is QueryKind.EMPTY:
        return PatientPage(patients=[], count=0, page=page)
    # Keys are already lower case, so Lower() leaves the order unchanged; it stops PostgreSQL
    # from walking the whole name index in order and filtering (the OR hides the range from an
    # ordered scan), so that it gathers the matches by index first and sorts only those.
    matches: QuerySet[Patient] = Patient.objects.filter(_matching(query)).order_by(
        Lower("family_key"), Lower("given_key"), "id"
    )
    count = matches.count()
    found = list(matches[page.offset : page.offset + page.size])
    audit.record(
        actor=actor,
        action="patient.search",
        object_type="patient",
        summary=f"Searched patients ({count} found)",
        via=via,
        details={"kind": query.kind.value, "shown": [str(p.public_id) for p in found]},
    )
    return PatientPage(patients=found, count=count, page=page)


def access_patient(*, actor: User, patient_id: uuid.UUID, via: audit.Via) -> Patient:
    """Fetch one patient for someone allowed to see them, and audit the read.

    Staff with VIEW_PATIENTS see any patient; a patient sees only their own record (another
    patient's is Hidden: 404, as if it did not exist).
    """
    own = actor.role == Role.PATIENT and can(actor.role, Capability.VIEW_OWN_RECORDS)
    if own:
        # Whether or not the id exists, a patient learns nothing of other patients.
        patient = Patient.objects.filter(public_id=patient_id, user=actor).first()
        if patient is None:
            raise Hidden(ErrorCode.NOT_FOUND, "no patient with this id")
    else:
        require(actor, Capability.VIEW_PATIENTS)
        try:
            patient = Patient.objects.get(public_id=patient_id)
        except Patient.DoesNotExist:
            raise NotFound(ErrorCode.NOT_FOUND, "no patient with this id") from None
    audit.record(
        actor=actor,
        action="patient.view",
        object_type="patient",
        object_id=patient.public_id,
        patient_id=patient.public_id,
        via=via,
    )
    return patient


def match_by_nhs_number(
    *, actor: User, nhs_number: str, date_of_birth: dt.date, via: audit.Via
) -> Patient | None:
    """The patient with this NHS number, if their date of birth is this one too; audited.

    For another system's record of a patient (an EHR's, through CDS Hooks): both must agree,
    so that a mistyped number there never finds someone else here. An invalid number finds
    no one. The caller must be allowed to see patients; ask before calling, so that nobody
    else learns whether a patient is known.
    """
    require(actor, Capability.VIEW_PATIENTS)
    if nhs_number_problem(nhs_number) is not None:
        return None
    patient = Patient.objects.filter(nhs_number=normalise_nhs_number(nhs_number)).first()
    if patient is not None and patient.date_of_birth != date_of_birth:
        patient = None
    audit.record(
        actor=actor,
        action="patient.search",
        object_type="patient",
        patient_id=patient.public_id if patient else None,
        summary=f"Matched a patient by NHS number and date of birth ({int(bool(patient))} found)",
        via=via,
        details={
            "kind": QueryKind.NHS_NUMBER.value,
            "shown": [str(patient.public_id)] if patient else [],
        },
    )
    return patient


def shown_duplicates(*, actor: User, patients: list[Patient], via: audit.Via) -> list[Patient]:
    """The possible duplicates of a registration, for someone who may see patients; audited.

    Anyone else learns only how many there are (from the refusal's message).
    """
    if not patients or not can(actor.role, Capability.VIEW_PATIENTS):
        return []
    audit.record(
        actor=actor,
        action="patient.search",
        object_type="patient",
        summary=f"Possible duplicates shown at registration ({len(patients)})",
        via=via,
        details={"kind": "possible-duplicate", "shown": [str(p.public_id) for p in patients]},
    )
    return patients


def patient_of_user(user: User) -> Patient | None:
    """The patient record a patient account belongs to, if any."""
    return Patient.objects.filter(user=user).first()
