"""The RACI matrix of each relationship: read by both sides, edited by the client's managers."""

from django.urls import path

from ..views import raci as views

app_name = "raci"

urlpatterns = [
    path("", views.raci_index, name="index"),
    path("<int:vendor_pk>/", views.raci_matrix, name="matrix"),
    path("<int:vendor_pk>/add/", views.raci_add, name="add"),
    path("assignments/<int:role_assignment_pk>/edit/", views.raci_edit, name="edit"),
    path("assignments/<int:role_assignment_pk>/remove/", views.raci_remove, name="remove"),
]
