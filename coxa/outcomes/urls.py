"""URLs of the outcomes staff pages (under /staff/)."""

from django.urls import path

from coxa.outcomes import views

app_name = "outcomes"
urlpatterns = [
    path(
        "episodes/<uuid:episode_id>/questionnaires/",
        views.questionnaires,
        name="questionnaires",
    ),
    path(
        "episodes/<uuid:episode_id>/questionnaires/links/",
        views.issue_link,
        name="issue-link",
    ),
    path(
        "episodes/<uuid:episode_id>/questionnaires/<str:instrument>/",
        views.record,
        name="record",
    ),
]
