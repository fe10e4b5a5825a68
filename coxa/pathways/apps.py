"""App configuration for pathways."""

from django.apps import AppConfig


class PathwaysConfig(AppConfig):
    name = "coxa.pathways"
    label = "pathways"
