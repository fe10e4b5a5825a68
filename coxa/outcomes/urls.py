"""Pages for how a hip's episode ends (under /staff/)."""

from django.urls import path

from coxa.outcomes import views

app_name = "outcomes"
urlpatterns = [
    path("episodes/<uuid:episode_id>/conversion/", views.conversion_view, name="conversion"),
    path("patients/<uuid:patient_id>/death/", views.death_view, name="death"),
]
