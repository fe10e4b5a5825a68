"""Outcomes' pages (under /staff/)."""

from django.urls import path

from coxa.outcomes import views

app_name = "outcomes"
urlpatterns = [
    path("episodes/<uuid:episode_id>/reviews/", views.reviews_page, name="reviews"),
    path(
        "episodes/<uuid:episode_id>/reviews/<uuid:review_id>/strike-out/",
        views.strike_out_page,
        name="strike-out-review",
    ),
    path(
        "episodes/<uuid:episode_id>/complications/",
        views.complications_page,
        name="complications",
    ),
    path(
        "episodes/<uuid:episode_id>/complications/<uuid:complication_id>/strike-out/",
        views.strike_out_view,
        name="strike-out",
    ),
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
        "episodes/<uuid:episode_id>/questionnaires/responses/<uuid:response_id>/strike-out/",
        views.strike_out_response,
        name="strike-out-response",
    ),
    path(
        "episodes/<uuid:episode_id>/questionnaires/<str:instrument>/",
        views.record,
        name="record",
    ),
    path("worklists/follow-up/", views.worklist_page, name="worklist"),
    path("episodes/<uuid:episode_id>/conversion/", views.conversion_view, name="conversion"),
    path("patients/<uuid:patient_id>/death/", views.death_view, name="death"),
]
