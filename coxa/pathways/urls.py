"""URLs for the patient chart and episodes (under /staff/)."""

from django.urls import path

from coxa.pathways import views

app_name = "pathways"
urlpatterns = [
    path("patients/<uuid:patient_id>/", views.patient_chart, name="patient"),
    path("patients/<uuid:patient_id>/episodes/new/", views.open_episode, name="open-episode"),
    path("episodes/", views.episode_list, name="episodes"),
    path("episodes/<uuid:episode_id>/", views.episode_detail, name="episode"),
]
