"""App configuration for CDS Hooks."""

from django.apps import AppConfig


class CdsConfig(AppConfig):
    name = "coxa.cds"
    label = "cds"
