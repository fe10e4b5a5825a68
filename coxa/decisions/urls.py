"""URLs for decision pages (under /staff/)."""

from django.urls import path

from coxa.decisions import views

app_name = "decisions"
urlpatterns = [path("episodes/<uuid:episode_id>/decision/", views.episode_decision, name="episode")]
