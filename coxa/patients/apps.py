"""App configuration for patients."""

from django.apps import AppConfig


class PatientsConfig(AppConfig):
    name = "coxa.patients"
    label = "patients"
