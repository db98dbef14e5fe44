"""Action items of the relationships."""

from django.urls import path

from ..views import actions as views

app_name = "actions"

urlpatterns = [
    path("", views.action_list, name="list"),
    path("new/", views.action_create, name="create"),
    path("<int:pk>/", views.action_detail, name="detail"),
    path("<int:pk>/edit/", views.action_edit, name="edit"),
    path("<int:pk>/status/", views.action_status, name="status"),
    path("<int:pk>/notes/", views.action_note, name="note"),
]
