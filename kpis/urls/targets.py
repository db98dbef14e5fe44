"""A service level's target changes (the page itself is service_levels:detail)."""

from django.urls import path

from ..views import targets as views

app_name = "targets"

urlpatterns = [
    path("<int:pk>/targets/", views.target_change, name="change"),
]
