"""Issues raised by either side and the escalation clock on each (both sides)."""

from django.urls import path

from ..services.issues import STEPS
from ..views import issues as views

app_name = "issues"

urlpatterns = [
    path("", views.issue_list, name="list"),
    path("raise/", views.issue_raise, name="raise"),
    path("<int:issue_pk>/", views.issue_detail, name="detail"),
    # One URL per step, so each is named, and POSTs carry only the issue id.
    *[path(f"<int:issue_pk>/{step}/", views.issue_step, {"step": step}, name=step) for step in STEPS],
]
