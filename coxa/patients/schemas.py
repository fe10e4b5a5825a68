"""HTTP boundary types for patients."""

import datetime as dt
import uuid

from ninja import Schema
from pydantic import ConfigDict

from coxa.core import clock
from coxa.patients.domain import PatientDetails
from coxa.patients.models import Patient


class PatientIn(Schema):
    model_config = ConfigDict(extra="forbid")
    given_name: str
    family_name: str
    date_of_birth: dt.date | None
    sex: str
    nhs_number: str | None = None
    hospital_number: str | None = None
    email: str | None = None
    phone: str | None = None
    address: str | None = None
    postcode: str | None = None
    date_of_death: dt.date | None = None

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
    reason: str = ""


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
