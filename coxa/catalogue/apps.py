"""App configuration for the catalogue."""

from django.apps import AppConfig
from django.core import checks


class CatalogueConfig(AppConfig):
    name = "coxa.catalogue"
    label = "catalogue"

    def ready(self) -> None:
        from coxa.catalogue.checks import check_catalogue  # noqa: PLC0415 - app registry ready

        checks.register(check_catalogue, "coxa")
