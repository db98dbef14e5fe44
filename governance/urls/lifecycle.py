"""The vendor lifecycle pages; config mounts them under /vendors/<pk>/ in the vendors namespace."""

from django.urls import path

from ..views import lifecycle

urlpatterns = [
    path("<int:pk>/lifecycle/", lifecycle.vendor_lifecycle, name="lifecycle"),
    path("<int:pk>/lifecycle/move/", lifecycle.vendor_lifecycle_move_view, name="lifecycle_move"),
]
