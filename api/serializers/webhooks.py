"""What the API shows and accepts of webhook subscriptions and their deliveries."""

from rest_framework import serializers

from ..models import SUBSCRIBABLE_EVENT_TYPES, WebhookDelivery, WebhookSubscription
from .base import PolicyFieldsMixin


class WebhookSubscriptionSerializer(PolicyFieldsMixin, serializers.ModelSerializer):
    event_types = serializers.ListField(
        child=serializers.ChoiceField(choices=SUBSCRIBABLE_EVENT_TYPES), min_length=1, max_length=20
    )
    url = serializers.URLField(max_length=500)
    description = serializers.CharField(max_length=200, required=False, allow_blank=True)

    class Meta:
        model = WebhookSubscription
        fields = ["id", "url", "description", "event_types", "is_active", "created_at", "updated_at"]
        read_only_fields = ["id", "created_at", "updated_at"]


class WebhookSubscriptionCreatedSerializer(WebhookSubscriptionSerializer):
    secret = serializers.CharField(
        read_only=True, help_text="Signs every delivery (X-Portal-Signature). Shown only in this response."
    )

    class Meta(WebhookSubscriptionSerializer.Meta):
        fields = [*WebhookSubscriptionSerializer.Meta.fields, "secret"]


class WebhookDeliverySerializer(PolicyFieldsMixin, serializers.ModelSerializer):
    event_id = serializers.CharField(source="event.event_id", read_only=True)
    event_type = serializers.CharField(source="event.event_type", read_only=True)
    occurred_at = serializers.DateTimeField(source="event.occurred_at", read_only=True)

    class Meta:
        model = WebhookDelivery
        fields = [
            "id",
            "event_id",
            "event_type",
            "occurred_at",
            "status",
            "attempts",
            "next_attempt_at",
            "last_attempt_at",
            "response_code",
            "last_error",
            "delivered_at",
            "created_at",
        ]
        read_only_fields = fields
