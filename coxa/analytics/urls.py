"""Analytics pages, under /staff/analytics/."""

from django.urls import path

from coxa.analytics import views

app_name = "analytics"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("report.html", views.report_file, name="report"),
    path("extract.csv", views.extract_file, name="extract"),
]
