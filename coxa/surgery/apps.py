"""App configuration for surgery."""

from django.apps import AppConfig


class SurgeryConfig(AppConfig):
    name = "coxa.surgery"
    label = "surgery"
    verbose_name = "Surgery: scheduling, operation notes and discharge"
