"""Breach list, detail and workflow (both sides)."""

from django.urls import path  # noqa: F401

app_name = "breaches"

urlpatterns: list = []
