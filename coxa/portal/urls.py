"""URLs for the patient portal (under /portal/)."""

from django.urls import path

from coxa.portal import views

app_name = "portal"
urlpatterns = [
    path("", views.my_records, name="home"),
    path("letters/<uuid:episode_id>/", views.my_letter, name="letter"),
]
