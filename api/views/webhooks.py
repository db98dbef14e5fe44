"""The caller's own webhook subscriptions, a test delivery, and the delivery log."""

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts import policy

from ..models import WebhookDelivery, WebhookSubscription
from ..serializers.webhooks import (
    WebhookDeliverySerializer,
    WebhookSubscriptionCreatedSerializer,
    WebhookSubscriptionSerializer,
)
from ..services import webhooks
from .base import ID_PATTERN, service_errors, validated


@extend_schema_view(
    list=extend_schema(summary="Your webhook subscriptions"),
    retrieve=extend_schema(summary="One subscription"),
    partial_update=extend_schema(summary="Change a subscription"),
    destroy=extend_schema(summary="Delete a subscription"),
)
class WebhookSubscriptionViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Each user manages their own subscriptions; an endpoint receives only events its owner may see."""

    serializer_class = WebhookSubscriptionSerializer
    lookup_value_regex = ID_PATTERN
    http_method_names = ["get", "post", "patch", "delete"]
    filter_backends = []
    ordering = ["-created_at", "-id"]

    def get_queryset(self):
        user = self.request.user
        return policy.scope(user, WebhookSubscription.objects.filter(owner_id=user.pk)).order_by(
            *self.ordering
        )

    @extend_schema(
        summary="Subscribe an endpoint",
        description="The response carries the signing secret, shown only this once. Every delivery has the "
        'header `X-Portal-Signature: t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<body>" with the secret>`.',
        request=WebhookSubscriptionSerializer,
        responses={201: WebhookSubscriptionCreatedSerializer},
    )
    def create(self, request):
        data = validated(WebhookSubscriptionSerializer, request)
        with service_errors():
            subscription, _secret = webhooks.webhook_subscription_create(owner=request.user, **data)
        return Response(
            WebhookSubscriptionCreatedSerializer(subscription).data, status=status.HTTP_201_CREATED
        )

    def perform_update(self, serializer):
        with service_errors():
            webhooks.webhook_subscription_update(
                subscription=serializer.instance, actor=self.request.user, data=serializer.validated_data
            )

    def perform_destroy(self, instance):
        webhooks.webhook_subscription_delete(subscription=instance, actor=self.request.user)

    @extend_schema(
        summary="Send a test delivery",
        description="A signed `ping` event to this endpoint, whatever its event types.",
        request=None,
        responses={202: WebhookDeliverySerializer},
    )
    @action(detail=True, methods=["post"])
    def ping(self, request, pk=None):
        delivery = webhooks.webhook_ping(subscription=self.get_object(), actor=request.user)
        delivery = WebhookDelivery.objects.select_related("event").get(pk=delivery.pk)
        return Response(WebhookDeliverySerializer(delivery).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(summary="Delivery log", responses={200: WebhookDeliverySerializer(many=True)})
    @action(detail=True, methods=["get"], serializer_class=WebhookDeliverySerializer)
    def deliveries(self, request, pk=None):
        subscription = self.get_object()
        log = policy.scope(request.user, WebhookDelivery.objects.filter(subscription=subscription))
        log = log.select_related("event")
        page = self.paginate_queryset(log.order_by("-created_at", "-id"))
        return self.get_paginated_response(WebhookDeliverySerializer(page, many=True).data)
