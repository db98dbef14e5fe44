"""Escalation paths: the list, one path, and the managers' forms."""

from django.urls import path

from ..views import escalation_paths as views

app_name = "escalation_paths"

urlpatterns = [
    path("", views.path_list, name="list"),
    path("new/", views.path_new, name="new"),
    path("<int:path_pk>/", views.path_detail, name="detail"),
    path("<int:path_pk>/edit/", views.path_edit, name="edit"),
    path("<int:path_pk>/delete/", views.path_delete, name="delete"),
]
