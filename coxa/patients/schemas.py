"""HTTP boundary types for patients."""

import datetime as dt
import uuid
from typing import Annotated

from ninja import Schema
from pydantic import ConfigDict, Field

from coxa.core import clock
from coxa.core.errors import ErrorCode
from coxa.core.inputs import STORABLE, Address, Name, Reason
from coxa.patients.domain import (
    EMAIL_MAX,
    HOSPITAL_NUMBER_MAX,
    PHONE_MAX,
    POSTCODE_MAX,
    PatientDetails,
)
from coxa.patients.models import Patient


class PatientIn(Schema):
    model_config = ConfigDict(extra="forbid")
    given_name: Name
    family_name: Name
    date_of_birth: dt.date | None  # not in the future, not before 1900 (the domain's check)
    sex: Annotated[str, Field(max_length=16), STORABLE]
    nhs_number: Annotated[str, Field(max_length=20), STORABLE] | None = None  # spaces allowed
    hospital_number: Annotated[str, Field(max_length=HOSPITAL_NUMBER_MAX), STORABLE] | None = None
    email: Annotated[str, Field(max_length=EMAIL_MAX), STORABLE] | None = None
    phone: Annotated[str, Field(max_length=PHONE_MAX), STORABLE] | None = None
    address: Address | None = None
    postcode: Annotated[str, Field(max_length=POSTCODE_MAX), STORABLE] | None = None
    date_of_death: dt.date | None = None  # not in the future, not before birth

    def to_details(self) -> PatientDetails:
        return PatientDetails(
            given_name=self.given_name,
            family_name=self.family_name,
            date_of_birth=self.date_of_birth,
            sex=self.sex,
            nhs_number=self.nhs_number or "",
            hospital_number=self.hospital_number or "",
            email=self.email or "",
            phone=self.phone or "",
            address=self.address or "",
            postcode=self.postcode or "",
            date_of_death=self.date_of_death,
        )


class PatientUpdateIn(PatientIn):
    reason: Reason = ""


class PatientOut(Schema):
    id: uuid.UUID
    given_name: str
    family_name: str
    date_of_birth: dt.date
    age_years: int
    sex: str
    nhs_number: str | None
    hospital_number: str | None
    email: str
    phone: str
    address: str
    postcode: str
    date_of_death: dt.date | None
    created_at: dt.datetime
    updated_at: dt.datetime

    @classmethod
    def of(cls, patient: Patient) -> "PatientOut":
        return cls(
            id=patient.public_id,
            given_name=patient.given_name,
            family_name=patient.family_name,
            date_of_birth=patient.date_of_birth,
            age_years=patient.age_on(patient.date_of_death or clock.today()),
            sex=patient.sex,
            nhs_number=patient.nhs_number,
            hospital_number=patient.hospital_number,
            email=patient.email,
            phone=patient.phone,
            address=patient.address,
            postcode=patient.postcode,
            date_of_death=patient.date_of_death,
            created_at=patient.created_at,
            updated_at=patient.updated_at,
        )


class PatientPageOut(Schema):
    count: int
    page: int
    page_size: int
    has_next: bool
    items: list[PatientOut]


class PatientCreateIn(PatientIn):
    """A registration; ``confirm_not_duplicate`` with a reason registers a namesake."""

    confirm_not_duplicate: bool = False
    not_duplicate_reason: Reason = ""


class DuplicateOut(Schema):
    """A patient already registered with the same names and date of birth."""

    id: uuid.UUID
    given_name: str
    family_name: str
    date_of_birth: dt.date
    hospital_number: str | None

    @classmethod
    def of(cls, patient: Patient) -> "DuplicateOut":
        return cls(
            id=patient.public_id,
            given_name=patient.given_name,
            family_name=patient.family_name,
            date_of_birth=patient.date_of_birth,
            hospital_number=patient.hospital_number,
        )


class PossibleDuplicateOut(Schema):
    """409: the registration may be of someone already registered.

    ``matches``: those the caller may see; ``count``: all of them. Send it again with
    ``confirm_not_duplicate`` and ``not_duplicate_reason`` if it is not the same person.
    """

    code: ErrorCode
    message: str
    field: str | None
    count: int
    matches: list[DuplicateOut]
