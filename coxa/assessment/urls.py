"""URLs for pre-assessment pages (under /staff/)."""

from django.urls import path

from coxa.assessment import views

app_name = "assessment"
urlpatterns = [
    path("episodes/<uuid:episode_id>/clinic/", views.clinic, name="clinic"),
    path(
        "episodes/<uuid:episode_id>/clinic/operation-date/",
        views.operation_date,
        name="operation-date",
    ),
    path(
        "episodes/<uuid:episode_id>/clinic/acknowledge-cautions/",
        views.acknowledge,
        name="acknowledge",
    ),
    # Medicine plans first: the same form and URL shape, but a clinician's row of the table.
    path(
        "episodes/<uuid:episode_id>/clinic/medicine-plan/",
        views.record_medicine_plan,
        {"kind": "medicine-plan"},
        name="record-medicine-plan",
    ),
    path(
        "episodes/<uuid:episode_id>/clinic/medicine-plan/<uuid:entry_id>/correct/",
        views.correct_medicine_plan,
        {"kind": "medicine-plan"},
        name="correct-medicine-plan",
    ),
    path("episodes/<uuid:episode_id>/clinic/<str:kind>/", views.record, name="record"),
    path(
        "episodes/<uuid:episode_id>/clinic/<str:kind>/<uuid:entry_id>/correct/",
        views.correct,
        name="correct",
    ),
    path("episodes/<uuid:episode_id>/decision/", views.episode_decision, name="decision"),
    path("episodes/<uuid:episode_id>/letter/", views.letter, name="letter"),
    path("episodes/<uuid:episode_id>/letter.pdf", views.letter_pdf, name="letter-pdf"),
    path("worklists/pre-assessment/", views.worklist_page, name="worklist"),
    path("worklists/pre-assessment.csv", views.worklist_csv, name="worklist-csv"),
]
