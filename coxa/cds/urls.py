"""URLs for CDS Hooks (/cds-services)."""

from django.urls import path

from coxa.cds import views

urlpatterns = [
    path("cds-services", views.discovery, name="cds-discovery"),
    path("cds-services/<str:service_id>", views.service, name="cds-service"),
]
