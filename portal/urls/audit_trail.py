"""The audit trail: who changed what, when, for auditors, managers and administrators (and, for their
own vendor, vendor users)."""

from django.urls import path

from ..views import audit_trail as views

app_name = "audit"

urlpatterns = [
    path("", views.audit_trail, name="trail"),
    path("export/", views.audit_trail_export, name="export"),
]
