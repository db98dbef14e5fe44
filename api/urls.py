"""The API under /api/: v1 resources, the OpenAPI schema and its docs, the API tokens page."""

from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView
from rest_framework.routers import SimpleRouter

from .views.docs import api_docs
from .views.governance import ActionItemViewSet, IssueViewSet
from .views.me import MeView, NotFoundView
from .views.measurements import MeasurementViewSet
from .views.outcomes import BreachViewSet, ResultViewSet, ScorecardViewSet
from .views.portfolio import ContractViewSet, ServiceLevelViewSet, VendorViewSet
from .views.tokens import token_list, token_revoke
from .views.webhooks import WebhookSubscriptionViewSet

app_name = "api"

router = SimpleRouter()
router.register("vendors", VendorViewSet, basename="vendor")
router.register("contracts", ContractViewSet, basename="contract")
router.register("service-levels", ServiceLevelViewSet, basename="service-level")
router.register("measurements", MeasurementViewSet, basename="measurement")
router.register("results", ResultViewSet, basename="result")
router.register("breaches", BreachViewSet, basename="breach")
router.register("scorecards", ScorecardViewSet, basename="scorecard")
router.register("action-items", ActionItemViewSet, basename="action-item")
router.register("issues", IssueViewSet, basename="issue")
router.register("webhooks", WebhookSubscriptionViewSet, basename="webhook")

v1 = ([path("me/", MeView.as_view(), name="me"), *router.urls], "v1")

urlpatterns = [
    path("v1/", include(v1)),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", api_docs, name="docs"),
    path("tokens/", token_list, name="tokens"),
    path("tokens/<int:pk>/revoke/", token_revoke, name="token_revoke"),
    # Any other path, even one with a line break in it, is a JSON 404.
    re_path(r"^(?P<unknown_path>[\s\S]*)\Z", NotFoundView.as_view()),
]
