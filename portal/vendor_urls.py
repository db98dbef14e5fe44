"""The vendor's own pages: what is due, progress updates, the vendor's team."""

from django.urls import path  # noqa: F401

app_name = "vendor_portal"

urlpatterns: list = []
