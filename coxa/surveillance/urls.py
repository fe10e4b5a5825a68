"""Surveillance's staff pages (under /staff/; issue 15)."""

from django.urls import path

from coxa.surveillance import views

app_name = "surveillance"
urlpatterns = [
    # ---- one hip's surveillance: the page, enrolment, the record forms, strike-outs
    path("episodes/<uuid:episode_id>/surveillance/", views.hip_page, name="hip"),
    path("episodes/<uuid:episode_id>/surveillance/enrol/", views.enrol_now, name="enrol-now"),
    path(
        "episodes/<uuid:episode_id>/surveillance/results/",
        views.record_result,
        name="record-result",
    ),
    path(
        "episodes/<uuid:episode_id>/surveillance/imaging/",
        views.record_imaging,
        name="record-imaging",
    ),
    path(
        "episodes/<uuid:episode_id>/surveillance/reviews/",
        views.record_review,
        name="record-review",
    ),
    path(
        "episodes/<uuid:episode_id>/surveillance/results/<uuid:entry_id>/strike-out/",
        views.strike_out,
        {"kind": "result"},
        name="strike-out-result",
    ),
    path(
        "episodes/<uuid:episode_id>/surveillance/imaging/<uuid:entry_id>/strike-out/",
        views.strike_out,
        {"kind": "imaging"},
        name="strike-out-imaging",
    ),
    path(
        "episodes/<uuid:episode_id>/surveillance/reviews/<uuid:entry_id>/strike-out/",
        views.strike_out,
        {"kind": "review"},
        name="strike-out-review",
    ),
    path(
        "patients/<uuid:patient_id>/surveillance/enrol/",
        views.enrol_by_hand,
        name="enrol-by-hand",
    ),
    # ---- end of one hip's surveillance
    # ---- the worklist, its letters printed as one PDF, the recall and the invitation letter
    path("worklists/surveillance/", views.worklist_page, name="worklist"),
    path("worklists/surveillance/letters/", views.letters_start, name="letters"),
    path("surveillance/letters/<uuid:job_id>/", views.letters_run, name="letters-run"),
    path("surveillance/letters/<uuid:job_id>/letters.pdf", views.letters_file, name="letters-file"),
    path("surveillance/recall/", views.recall_page, name="recall"),
    path(
        "surveillance/recall/<uuid:episode_id>/contact/",
        views.recall_contact,
        name="recall-contact",
    ),
    path("episodes/<uuid:episode_id>/surveillance/letter/", views.letter_page, name="letter"),
    path(
        "episodes/<uuid:episode_id>/surveillance/letter.pdf",
        views.letter_pdf,
        name="letter-pdf",
    ),
    # ---- end of the worklist, its letters, the recall and the invitation letter
]
