"""App configuration for the catalogue."""

from django.apps import AppConfig


class CatalogueConfig(AppConfig):
    name = "coxa.catalogue"
    label = "catalogue"
