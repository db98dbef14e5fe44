"""Top-level URL map: each app mounts its own urls under a namespace."""

from django.contrib import admin
from django.urls import include, path

from contracts import urls as contract_lifecycle_urls
from governance.urls import lifecycle as vendor_lifecycle_urls
from portal import views as portal_views
from vendors import urls as vendor_directory_urls

# The vendor 360 and contract pages combine every app's data, so they live in the top layer.
vendor_urls = (
    [
        *vendor_directory_urls.urlpatterns,
        path("<int:pk>/", portal_views.vendor_detail, name="detail"),
        *vendor_lifecycle_urls.urlpatterns,
    ],
    "vendors",
)
contract_urls = (
    [path("<int:pk>/", portal_views.contract_detail, name="detail"), *contract_lifecycle_urls.urlpatterns],
    "contracts",
)

urlpatterns = [
    path("healthz", portal_views.healthz, name="healthz"),
    path("", include("portal.urls.dashboard")),
    path("accounts/", include("accounts.urls")),
    path("vendors/", include(vendor_urls)),
    path("contracts/", include(contract_urls)),
    path("breaches/", include("kpis.urls.breaches")),
    path("scorecards/", include("kpis.urls.scorecards")),
    path("measurements/", include("kpis.urls.measurements")),
    path("service-levels/", include("kpis.urls.service_levels")),
    path("metrics/", include("kpis.urls.metrics")),
    path("scoring/", include("kpis.urls.scoring")),
    path("service-levels/", include("kpis.urls.targets")),
    path("", include("kpis.urls.whatif")),
    path("forums/", include("governance.urls.forums")),
    path("decisions/", include("governance.urls.decisions")),
    path("actions/", include("governance.urls.actions")),
    path("issues/", include("governance.urls.issues")),
    path("reviews/", include("governance.urls.reviews")),
    path("audits/", include("governance.urls.audits")),
    path("calendar/", include("governance.urls.calendar")),
    path("raci/", include("governance.urls.raci")),
    path("escalation-paths/", include("governance.urls.escalation_paths")),
    path("audit-trail/", include("portal.urls.audit_trail")),
    path("selection/", include("selection.urls")),
    path("notifications/", include("notifications.urls")),
    path("vendor/", include("portal.urls.vendor_home")),
    path("api/", include("api.urls")),
    path("admin/", admin.site.urls),
]

handler403 = "portal.views.permission_denied"
handler404 = "portal.views.page_not_found"
handler500 = "portal.views.server_error"
