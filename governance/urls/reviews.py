"""Performance reviews: list, one review and its workflow steps, the printable document, cadences."""

from django.urls import path

from ..services.reviews import STEPS
from ..views import reviews as views

app_name = "reviews"

urlpatterns = [
    path("", views.review_list, name="list"),
    path("new/", views.review_new, name="create"),
    path("cadences/", views.review_cadences, name="cadences"),
    path("<int:pk>/", views.review_detail, name="detail"),
    path("<int:pk>/document/", views.review_document, name="document"),
    *[
        # One URL per step, so each is named, and POSTs carry only the review id.
        path(f"<int:pk>/{step.replace('_', '-')}/", views.review_step, {"step": step}, name=step)
        for step in STEPS
    ],
]
