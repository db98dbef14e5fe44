"""The metric catalogue (managers; read-only for viewers and auditors)."""

from django.urls import path

from ..views import metrics as views

app_name = "metrics"

urlpatterns = [
    path("", views.metric_list, name="list"),
    path("new/", views.metric_new, name="new"),
    path("<int:metric_pk>/edit/", views.metric_edit, name="edit"),
]
