"""URLs of consultation requests: the public form, and the staff's triage queue."""

from django.urls import path

from coxa.enquiries import views

app_name = "enquiries"
urlpatterns = [
    path("consultation/", views.request_consultation, name="request"),
    path("consultation/sent/", views.sent, name="sent"),
    path("staff/enquiries/", views.queue, name="queue"),
    path("staff/enquiries/<uuid:enquiry_id>/", views.detail, name="detail"),
    path("staff/enquiries/<uuid:enquiry_id>/patient/", views.convert, name="convert"),
]
