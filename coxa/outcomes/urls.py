"""URLs for outcomes pages (under /staff/)."""

from django.urls import path

from coxa.outcomes import views

app_name = "outcomes"
urlpatterns = [
    path("worklists/follow-up/", views.worklist_page, name="worklist"),
]
