"""Scorecards and their explanation."""

from django.urls import path  # noqa: F401

app_name = "scorecards"

urlpatterns: list = []
