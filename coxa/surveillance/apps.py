"""App configuration for surveillance."""

from django.apps import AppConfig


class SurveillanceConfig(AppConfig):
    name = "coxa.surveillance"
    label = "surveillance"
    default_auto_field = "django.db.models.BigAutoField"
