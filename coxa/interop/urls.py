"""URLs of the FHIR API (mounted at /fhir/ by config.urls; core.web.FHIR_PREFIX)."""

from django.urls import path

from coxa.interop import views

urlpatterns = [
    path("", views.transaction, name="fhir-transaction"),  # POST a transaction or a batch
    path("metadata", views.metadata, name="fhir-metadata"),
    # Bulk Data export, before the read routes take "Patient/$export" for a resource
    path("$export", views.kick_off, {"level": "system"}, name="fhir-export"),
    path("Patient/$export", views.kick_off, {"level": "patient"}, name="fhir-export-patients"),
    path(
        "Group/<str:group_id>/$export",
        views.kick_off,
        {"level": "group"},
        name="fhir-export-group",
    ),
    path("$export-status/<uuid:export_id>", views.export_status, name="fhir-export-status"),
    path("$export-file/<uuid:export_id>/<str:name>", views.export_file, name="fhir-export-file"),
    path("Patient/<uuid:patient_id>", views.read_patient, name="fhir-patient"),
    path("EpisodeOfCare/<uuid:episode_id>", views.read_episode, name="fhir-episode"),
    path("<str:resource_type>/<str:resource_id>", views.read, name="fhir-read"),
    path("<str:resource_type>", views.search, name="fhir-search"),
]
