"""Service levels: one service level's page and the managers' forms."""

from django.urls import path

from ..views import service_levels as views

app_name = "service_levels"

urlpatterns = [
    path("contract/<int:contract_pk>/new/", views.service_level_new, name="new"),
    path("<int:service_level_pk>/", views.service_level_detail, name="detail"),
    path("<int:service_level_pk>/edit/", views.service_level_edit, name="edit"),
    path("<int:service_level_pk>/retire/", views.service_level_retire, name="retire"),
    path("<int:service_level_pk>/delete/", views.service_level_delete, name="delete"),
]
