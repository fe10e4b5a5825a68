"""App configuration for decisions."""

from django.apps import AppConfig


class DecisionsConfig(AppConfig):
    name = "coxa.decisions"
    label = "decisions"
