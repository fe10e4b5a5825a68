"""Persistence for patients."""

import datetime as dt

from django.conf import settings
from django.db import models

from coxa.core.models import PublicIdModel
from coxa.patients.domain import PatientDetails, Sex, age_on, format_nhs_number


class Patient(PublicIdModel):
    given_name = models.CharField(max_length=100)
    family_name = models.CharField(max_length=100)
    # Folded copies of the names (domain.name_key) for indexed prefix search.
    given_key = models.CharField(max_length=100, editable=False)
    family_key = models.CharField(max_length=100, editable=False)
    date_of_birth = models.DateField(db_index=True)
    sex = models.CharField(max_length=16, choices=[(s.value, s.value.title()) for s in Sex])
    nhs_number = models.CharField(max_length=10, null=True, blank=True, unique=True)
    hospital_number = models.CharField(max_length=20, null=True, blank=True, unique=True)
    email = models.CharField(max_length=254, blank=True)
    phone = models.CharField(max_length=20, blank=True)
    address = models.TextField(blank=True)
    postcode = models.CharField(max_length=10, blank=True)
    date_of_death = models.DateField(null=True, blank=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="patient_record",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ("family_key", "given_key", "id")
        indexes = (
            models.Index(fields=("family_key", "given_key", "id"), name="patient_family_given"),
            models.Index(fields=("given_key", "family_key", "id"), name="patient_given_family"),
        )

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return f"{self.family_name.upper()}, {self.given_name}"

    @property
    def nhs_number_display(self) -> str:
        return format_nhs_number(self.nhs_number or "")

    def age_on(self, day: dt.date) -> int:
        return age_on(self.date_of_birth, day)

    def to_details(self) -> PatientDetails:
        """The patient's details as the domain sees them (blank, not None, for no number)."""
        return PatientDetails(
            given_name=self.given_name,
            family_name=self.family_name,
            date_of_birth=self.date_of_birth,
            sex=self.sex,
            nhs_number=self.nhs_number or "",
            hospital_number=self.hospital_number or "",
            email=self.email,
            phone=self.phone,
            address=self.address,
            postcode=self.postcode,
            date_of_death=self.date_of_death,
        )
