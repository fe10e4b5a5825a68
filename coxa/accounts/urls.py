"""URLs for user administration and the audit log (under /staff/)."""

from django.urls import path

from coxa.accounts import views

app_name = "accounts"
urlpatterns = [
    path("users/", views.user_list, name="users"),
    path("users/new/", views.user_create, name="user-create"),
    path("users/<str:username>/", views.user_edit, name="user-edit"),
    path("audit/", views.audit_log, name="audit"),
]
