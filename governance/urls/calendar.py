"""The personal calendar feed and its settings page."""

from django.urls import path

from ..views import calendar as views

app_name = "calendar"

urlpatterns = [
    path("", views.calendar_settings, name="settings"),
    path("address/", views.calendar_generate, name="generate"),
    path("address/revoke/", views.calendar_revoke, name="revoke"),
    path("feed/<str:key>.ics", views.calendar_feed, name="feed"),
]
