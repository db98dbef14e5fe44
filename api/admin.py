"""Admin screens for API tokens (revocable, never readable) and the webhook subscriptions and log."""

from django.contrib import admin, messages

from .models import ApiToken, WebhookDelivery, WebhookEvent, WebhookSubscription
from .services.tokens import api_token_revoke


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(ApiToken)
class ApiTokenAdmin(ReadOnlyAdmin):
    list_display = [
        "name",
        "user",
        "prefix",
        "scope",
        "created_at",
        "expires_at",
        "last_used_at",
        "revoked_at",
    ]
    list_filter = ["scope", ("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["name", "user__email", "prefix"]
    list_select_related = ["user"]
    readonly_fields = [
        "user",
        "name",
        "prefix",
        "scope",
        "created_at",
        "expires_at",
        "last_used_at",
        "revoked_at",
    ]
    exclude = ["token_hash"]
    actions = ["revoke"]

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description="Revoke the selected tokens")
    def revoke(self, request, queryset):
        for token in queryset.filter(revoked_at__isnull=True):
            api_token_revoke(token=token, actor=request.user)
        messages.success(request, "The selected tokens are revoked.")


@admin.register(WebhookSubscription)
class WebhookSubscriptionAdmin(ReadOnlyAdmin):
    list_display = ["url", "owner", "event_types", "is_active", "created_at"]
    list_filter = ["is_active"]
    search_fields = ["url", "owner__email"]
    list_select_related = ["owner"]
    exclude = ["secret"]

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(WebhookEvent)
class WebhookEventAdmin(ReadOnlyAdmin):
    list_display = ["event_id", "event_type", "vendor", "occurred_at", "created_at"]
    list_filter = ["event_type"]
    search_fields = ["event_id"]
    list_select_related = ["vendor"]

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ReadOnlyAdmin):
    list_display = [
        "event",
        "subscription",
        "status",
        "attempts",
        "response_code",
        "next_attempt_at",
        "delivered_at",
    ]
    list_filter = ["status"]
    list_select_related = ["event", "subscription"]
    search_fields = ["event__event_id", "subscription__url"]

    def has_delete_permission(self, request, obj=None):
        return False
