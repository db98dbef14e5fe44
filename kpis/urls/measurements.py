"""Submitting, uploading, correcting and validating figures; evidence files."""

from django.urls import path

from ..views import measurements as views

app_name = "measurements"

urlpatterns = [
    path("", views.measurement_list, name="list"),
    path("new/", views.measurement_new, name="new"),
    path("<int:pk>/", views.measurement_detail, name="detail"),
    path("<int:pk>/correct/", views.measurement_correct_view, name="correct"),
    path("<int:pk>/evidence/", views.evidence_add, name="evidence_add"),
    path("<int:pk>/dispute/", views.measurement_dispute_view, name="dispute"),
    path("<int:pk>/decide/", views.correction_decide_view, name="correction_decide"),
    path("disputes/<int:pk>/resolve/", views.dispute_resolve_view, name="dispute_resolve"),
    path("evidence/<int:pk>/", views.evidence_download, name="evidence"),
    path("upload/", views.upload_new, name="upload"),
    path("uploads/", views.upload_list, name="uploads"),
    path("uploads/<int:pk>/", views.upload_detail, name="upload_detail"),
    path("uploads/<int:pk>/confirm/", views.upload_confirm_view, name="upload_confirm"),
    path("template.<str:fmt>", views.upload_template_download, name="template"),
    path("validation/", views.validation_queue, name="validation"),
    path("validation/review/", views.validation_review, name="review"),
]
