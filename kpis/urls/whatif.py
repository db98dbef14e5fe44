"""What-if replays of a service level and of a whole contract."""

from django.urls import path

from ..views import whatif as views

app_name = "whatif"

urlpatterns = [
    path("service-levels/<int:pk>/what-if/", views.service_level_whatif, name="service_level"),
    path("contracts/<int:pk>/what-if/", views.contract_whatif, name="contract"),
]
