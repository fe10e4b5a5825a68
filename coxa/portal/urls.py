"""URLs for the patient portal (under /portal/)."""

from django.urls import path

from coxa.portal import views

app_name = "portal"
urlpatterns = [
    path("", views.my_records, name="home"),
    # An invitation: no account yet; the token is the key (portal.services.accept).
    path("welcome/<str:token>/", views.accept, name="accept"),
    path("hips/<uuid:episode_id>/", views.my_hip, name="hip"),
    path("letters/<uuid:episode_id>/", views.my_letter, name="letter"),
    path("letters/<uuid:episode_id>/letter.pdf", views.my_letter_pdf, name="letter-pdf"),
    path("recovery/<uuid:episode_id>/", views.my_plan, name="plan"),
    path("recovery/<uuid:episode_id>/plan.pdf", views.my_plan_pdf, name="plan-pdf"),
    path("recovery/<uuid:episode_id>/plan.ics", views.my_plan_ics, name="plan-ics"),
    path("questionnaires/<uuid:episode_id>/", views.my_questionnaires, name="questionnaires"),
    path("hip-checks/<uuid:episode_id>/", views.my_surveillance, name="surveillance"),
    path(
        "questionnaires/<uuid:episode_id>/<str:instrument>/",
        views.my_questionnaire,
        name="questionnaire",
    ),
]
