"""App configuration for assessment."""

from django.apps import AppConfig


class AssessmentConfig(AppConfig):
    name = "coxa.assessment"
    label = "assessment"
