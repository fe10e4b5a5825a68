"""App configuration for outcomes."""

from django.apps import AppConfig


class OutcomesConfig(AppConfig):
    name = "coxa.outcomes"
    label = "outcomes"
