"""The write path for patients: registering them and correcting their details."""

from dataclasses import asdict, replace

from django.db import IntegrityError, transaction

from coxa.accounts.domain import Capability, Role
from coxa.accounts.models import User
from coxa.accounts.selectors import require
from coxa.core import audit, clock
from coxa.core.errors import Conflict, InvalidInput
from coxa.core.text import REASON_MAX, storable
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
            "duplicate-nhs-number", "another patient already has this NHS number", "nhs_number"
        )
    if details.hospital_number and others.filter(hospital_number=details.hospital_number).exists():
        raise Conflict(
            "duplicate-hospital-number",
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
            "duplicate-identifier", "another patient already has this NHS or hospital number"
        ) from None


@transaction.atomic
def register_patient(*, details: PatientDetails, by: User, via: audit.Via) -> Patient:
    """Register a new patient after checking every field; nothing is saved on error."""
    require(by, Capability.EDIT_PATIENTS)
    details = _cleaned(details)
    _check(details)
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
        via=via,
    )
    return patient


@transaction.atomic
def update_patient(
    *, patient: Patient, details: PatientDetails, by: User, via: audit.Via, reason: str = ""
) -> Patient:
    """Correct a patient's details; the audit keeps which fields changed and why."""
    require(by, Capability.EDIT_PATIENTS)
    storable(reason, field="reason", max_length=REASON_MAX)
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


@transaction.atomic
def link_account(*, patient: Patient, user: User, by: User, via: audit.Via) -> Patient:
    """Give a patient portal access by linking their patient-role account to their record."""
    require(by, Capability.EDIT_PATIENTS)
    if user.role != Role.PATIENT:
        raise InvalidInput("not-a-patient-account", "only a patient account can be linked", "user")
    if Patient.objects.filter(user=user).exclude(pk=patient.pk).exists():
        raise Conflict("account-linked", "this account is linked to another patient", "user")
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
