"""Scorecards and their explanation."""

from django.urls import path

from ..views import scorecards as views

app_name = "scorecards"

urlpatterns = [
    path("", views.scorecard_list, name="list"),
    path("export/", views.scorecard_export, name="export"),
    path("<int:pk>/", views.scorecard_detail, name="detail"),
    path("results/<int:pk>/", views.result_detail, name="result"),
]
