"""A service level's page and its target changes."""

from django.urls import path

from ..views import targets as views

app_name = "targets"

urlpatterns = [
    path("<int:pk>/", views.service_level_detail, name="detail"),
    path("<int:pk>/targets/", views.target_change, name="change"),
]
