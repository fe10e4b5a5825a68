"""App configuration for interoperability (FHIR)."""

from django.apps import AppConfig


class InteropConfig(AppConfig):
    name = "coxa.interop"
    label = "interop"
