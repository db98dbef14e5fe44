"""The scoring scheme in force (managers change it; viewers and auditors read it)."""

from django.urls import path

from ..views import scoring as views

app_name = "scoring"

urlpatterns = [
    path("", views.scheme_detail, name="scheme"),
    path("edit/", views.scheme_edit, name="scheme_edit"),
]
