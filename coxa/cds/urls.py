"""URLs for CDS Hooks (/cds-services)."""

from django.urls import path

from coxa.cds import views
from coxa.core.web import CDS_PREFIX

CDS = CDS_PREFIX.lstrip("/")  # answered_as (core/web.py) reads the prefix

urlpatterns = [
    path(CDS, views.discovery, name="cds-discovery"),
    path(f"{CDS}/<str:service_id>", views.service, name="cds-service"),
    path(f"{CDS}/<str:service_id>/feedback", views.feedback, name="cds-feedback"),
]
