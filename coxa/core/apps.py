"""App configuration for the shared kernel."""

from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "coxa.core"
    label = "core"
    verbose_name = "Coxa core"
