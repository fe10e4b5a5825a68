"""App configuration for the demo data generator."""

from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "coxa.demo"
    label = "demo"
