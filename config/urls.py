"""Top-level URL map: each app mounts its own urls under a namespace."""

from django.contrib import admin
from django.urls import include, path

from portal import views as portal_views

urlpatterns = [
    path("healthz", portal_views.healthz, name="healthz"),
    path("", include("portal.urls")),
    path("accounts/", include("accounts.urls")),
    path("vendors/", include("vendors.urls")),
    path("contracts/", include("contracts.urls")),
    path("admin/", admin.site.urls),
]

handler403 = "portal.views.permission_denied"
handler404 = "portal.views.page_not_found"
handler500 = "portal.views.server_error"
