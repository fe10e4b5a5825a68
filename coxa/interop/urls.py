"""URLs of the FHIR API (mounted at /fhir/ by config.urls; core.web.FHIR_PREFIX)."""

from django.urls import path

from coxa.interop import views

urlpatterns = [
    path("metadata", views.metadata, name="fhir-metadata"),
    path("Patient/<uuid:patient_id>", views.read_patient, name="fhir-patient"),
    path("EpisodeOfCare/<uuid:episode_id>", views.read_episode, name="fhir-episode"),
    path("<str:resource_type>/<str:resource_id>", views.read, name="fhir-read"),
    path("<str:resource_type>", views.search, name="fhir-search"),
]
