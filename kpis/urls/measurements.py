"""Submitting, uploading, correcting and validating figures; evidence files."""

from django.urls import path  # noqa: F401

app_name = "measurements"

urlpatterns: list = []
