"""The decision log."""

from django.urls import path

from ..views import decisions as views

app_name = "decisions"

urlpatterns = [
    path("", views.decision_list, name="list"),
    path("new/", views.decision_create, name="create"),
    path("<int:pk>/", views.decision_detail, name="detail"),
    path("<int:pk>/acknowledge/", views.decision_acknowledge, name="acknowledge"),
]
