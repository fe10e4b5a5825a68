"""The write path for patients: registering them and correcting their details."""

import hashlib
from collections.abc import Sequence
from dataclasses import asdict, replace

from django.db import IntegrityError, connection, transaction

from coxa.accounts.domain import Capability, Role
from coxa.accounts.models import User
from coxa.accounts.selectors import require
from coxa.core import audit, clock
from coxa.core.errors import Conflict, ErrorCode, InvalidInput
from coxa.core.text import REASON_MAX, meaningful, storable
from coxa.patients.domain import PatientDetails, name_key, normalise_nhs_number, patient_problems
from coxa.patients.models import Patient

_FIELDS = tuple(PatientDetails.__dataclass_fields__)


def _cleaned(details: PatientDetails) -> PatientDetails:
    """Trim whitespace and put identifiers in their stored form."""
    return replace(
        details,
        given_name=details.given_name.strip(),
        family_name=details.family_name.strip(),
        nhs_number=normalise_nhs_number(details.nhs_number),
        hospital_number=details.hospital_number.strip().upper(),
        email=details.email.strip(),
        phone=details.phone.strip(),
        address=details.address.strip(),
        postcode=details.postcode.strip().upper(),
    )


def _check(details: PatientDetails, *, exclude_pk: int | None = None) -> None:
    problems = patient_problems(details, today=clock.today())
    if problems:
        raise InvalidInput.of(problems)
    others = Patient.objects.exclude(pk=exclude_pk) if exclude_pk else Patient.objects.all()
    if details.nhs_number and others.filter(nhs_number=details.nhs_number).exists():
        raise Conflict(
            ErrorCode.DUPLICATE_NHS_NUMBER,
            "another patient already has this NHS number",
            "nhs_number",
        )
    if details.hospital_number and others.filter(hospital_number=details.hospital_number).exists():
        raise Conflict(
            ErrorCode.DUPLICATE_HOSPITAL_NUMBER,
            "another patient already has this hospital number",
            "hospital_number",
        )


def _apply(patient: Patient, details: PatientDetails) -> None:
    for field in _FIELDS:
        setattr(patient, field, getattr(details, field))
    # Unique columns hold NULL, not "", when a patient has no such number.
    patient.nhs_number = details.nhs_number or None
    patient.hospital_number = details.hospital_number or None
    patient.given_key = name_key(details.given_name)
    patient.family_key = name_key(details.family_name)


def _save(patient: Patient) -> None:
    try:
        with transaction.atomic():
            patient.save()
    except IntegrityError:
        # Two people registered the same number at the same moment: the database decided.
        raise Conflict(
            ErrorCode.DUPLICATE_IDENTIFIER,
            "another patient already has this NHS or hospital number",
        ) from None


class PossibleDuplicate(Conflict):
    """Patients already registered with the same names and date of birth.

    ``matches`` are for the interface to show through ``selectors.shown_duplicates``,
    which checks that the caller may see them and audits the showing.
    """

    def __init__(
        self,
        matches: Sequence[Patient],
        message: str = "",
        field: str | None = None,
    ) -> None:
        count = len(matches)
        super().__init__(
            ErrorCode.POSSIBLE_DUPLICATE,
            message
            or (
                f"{count} patient{'s are' if count > 1 else ' is'} already registered with "
                "this name and date of birth: check that this is not the same person; if it "
                "is not, confirm so and say why"
            ),
            field,
        )
        self.matches = list(matches)


def _queue_identity(details: PatientDetails) -> None:
    """Make registrations of one name and date of birth wait for each other.

    PostgreSQL: a lock on the identity for the rest of the transaction, so that the check
    for an earlier registration and the insert are one step. SQLite already writes one
    transaction at a time (IMMEDIATE transactions, settings.py).
    """
    if connection.vendor != "postgresql":
        return
    identity = f"patient|{name_key(details.family_name)}|{name_key(details.given_name)}"
    digest = hashlib.sha256(f"{identity}|{details.date_of_birth}".encode()).digest()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(%s)", [int.from_bytes(digest[:8], "big", signed=True)]
        )


def same_person(details: PatientDetails) -> list[Patient]:
    """Patients with the same date of birth, family and given names (case and accents aside)."""
    if details.date_of_birth is None:  # refused by the checks before this is asked
        return []
    return list(
        Patient.objects.filter(
            date_of_birth=details.date_of_birth,
            family_key=name_key(details.family_name),
            given_key=name_key(details.given_name),
        ).order_by("id")
    )


@audit.atomic()
def register_patient(
    *,
    details: PatientDetails,
    by: User,
    via: audit.Via,
    confirm_not_duplicate: bool = False,
    not_duplicate_reason: str = "",
) -> Patient:
    """Register a new patient after checking every field; nothing is saved on error.

    Someone already registered with the same names and date of birth may be the same
    person: the registration is refused (``PossibleDuplicate``) unless the caller confirms
    that it is not, with a reason in words, which the audit keeps.
    """
    require(by, Capability.EDIT_PATIENTS)
    storable(not_duplicate_reason, field="not_duplicate_reason", max_length=REASON_MAX)
    details = _cleaned(details)
    _check(details)
    _queue_identity(details)
    matches = same_person(details)
    reason = not_duplicate_reason.strip() if matches else ""
    if matches and not confirm_not_duplicate:
        raise PossibleDuplicate(matches)
    if matches and not meaningful(reason):
        raise PossibleDuplicate(
            matches,
            "say why this is not the same person as the patient already registered "
            "(a reason in words)",
            "not_duplicate_reason",
        )
    patient = Patient(created_by=by)
    _apply(patient, details)
    _save(patient)
    audit.record(
        actor=by,
        action="patient.create",
        object_type="patient",
        object_id=patient.public_id,
        patient_id=patient.public_id,
        summary=f"Patient registered: {patient.display_name}",
        reason=reason,
        via=via,
        details={"not_duplicate_of": [str(m.public_id) for m in matches]} if matches else None,
    )
    return patient


@audit.atomic()
def update_patient(
    *, patient: Patient, details: PatientDetails, by: User, via: audit.Via, reason: str = ""
) -> Patient:
    """Correct a patient's details; the audit keeps which fields changed and why.

    Not the date of death: a death is recorded through its own record (issue 14,
    ``outcomes.services.endpoints.record_death``), which closes the patient's open episodes;
    a date typed here would leave them open to be invited, booked or surveyed (hazard H60).
    """
    require(by, Capability.EDIT_PATIENTS)
    storable(reason, field="reason", max_length=REASON_MAX)
    if details.date_of_death != patient.date_of_death:
        raise Conflict(
            ErrorCode.OWN_STEP,
            "a death is recorded with 'Record a death' on the patient's chart (or "
            "POST /api/v1/patients/{id}/death), which also closes their episodes; it is not "
            "changed here",
            "date_of_death",
        )
    details = _cleaned(details)
    _check(details, exclude_pk=patient.pk)
    before = asdict(patient.to_details())
    after = asdict(details)
    changed = sorted(f for f in _FIELDS if before[f] != after[f])
    if not changed:
        return patient
    _apply(patient, details)
    _save(patient)
    audit.record(
        actor=by,
        action="patient.update",
        object_type="patient",
        object_id=patient.public_id,
        patient_id=patient.public_id,
        summary="Details changed: " + ", ".join(f.replace("_", " ") for f in changed),
        reason=reason.strip(),
        via=via,
        details={"changed": changed},
    )
    return patient


@audit.atomic()
def link_account(*, patient: Patient, user: User, by: User, via: audit.Via) -> Patient:
    """Give a patient portal access by linking their patient-role account to their record."""
    require(by, Capability.EDIT_PATIENTS)
    if user.role != Role.PATIENT:
        raise InvalidInput(
            ErrorCode.NOT_A_PATIENT_ACCOUNT, "only a patient account can be linked", "user"
        )
    if Patient.objects.filter(user=user).exclude(pk=patient.pk).exists():
        raise Conflict(
            ErrorCode.ACCOUNT_LINKED, "this account is linked to another patient", "user"
        )
    patient.user = user
    patient.save(update_fields=["user", "updated_at"])
    user.first_name, user.last_name = patient.given_name, patient.family_name
    user.save(update_fields=["first_name", "last_name"])
    audit.record(
        actor=by,
        action="patient.link-account",
        object_type="patient",
        object_id=patient.public_id,
        patient_id=patient.public_id,
        summary=f"Portal account {user.username} linked",
        via=via,
    )
    return patient
