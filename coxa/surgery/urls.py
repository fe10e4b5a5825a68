"""Pages for the operation and recovery (under /staff/)."""

from django.urls import path

from coxa.surgery import views

app_name = "surgery"
urlpatterns = [
    path("episodes/<uuid:episode_id>/operation/", views.operation, name="operation"),
    path("episodes/<uuid:episode_id>/operation/schedule/", views.schedule_view, name="schedule"),
    path("episodes/<uuid:episode_id>/operation/consent/", views.consent_view, name="consent"),
    path(
        "episodes/<uuid:episode_id>/operation/consent/withdraw/",
        views.withdraw_consent_view,
        name="withdraw-consent",
    ),
    path("episodes/<uuid:episode_id>/operation/note/", views.note_view, name="note"),
    path("episodes/<uuid:episode_id>/operation/confirm/", views.confirm_view, name="confirm"),
    path("episodes/<uuid:episode_id>/operation/addendum/", views.addendum_view, name="addendum"),
    path("episodes/<uuid:episode_id>/operation/discharge/", views.discharge_view, name="discharge"),
    path("episodes/<uuid:episode_id>/recovery-plan/adjust/", views.adjust_view, name="adjust"),
    path("episodes/<uuid:episode_id>/recovery-plan/review/", views.review_view, name="review"),
    path("episodes/<uuid:episode_id>/recovery-plan.pdf", views.plan_pdf, name="plan-pdf"),
    path("episodes/<uuid:episode_id>/recovery-plan.ics", views.plan_ics, name="plan-ics"),
    path("worklists/theatre-and-recovery/", views.worklist_page, name="worklist"),
]
