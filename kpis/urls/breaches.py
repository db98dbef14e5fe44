"""Breach list, detail and workflow (both sides)."""

from django.urls import path

from ..views import breaches as views

app_name = "breaches"

urlpatterns = [
    path("", views.breach_list, name="list"),
    path("export/", views.breach_export, name="export"),
    path("<int:pk>/", views.breach_detail, name="detail"),
    *[
        # One URL per step, so each is named, and POSTs carry only the breach id.
        path(f"<int:pk>/{step.replace('_', '-')}/", views.breach_step, {"step": step}, name=step)
        for step in views.STEPS
    ],
]
