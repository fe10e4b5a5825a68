"""App configuration for consultation requests (the public form and the staff's triage queue)."""

from django.apps import AppConfig


class EnquiriesConfig(AppConfig):
    name = "coxa.enquiries"
    label = "enquiries"
