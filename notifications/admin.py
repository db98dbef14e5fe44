from django.contrib import admin

from .models import DigestLedger, Notification, NotificationPreference


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("created_at", "recipient", "kind", "title", "read_at", "email_status")
    list_filter = ("kind", "email_status")
    search_fields = ("title", "recipient__email", "source_key")
    list_select_related = ("recipient",)
    raw_id_fields = ("recipient", "vendor")
    readonly_fields = ("claimed_by", "claimed_at", "sent_at", "attempts")


@admin.register(NotificationPreference)
class NotificationPreferenceAdmin(admin.ModelAdmin):
    list_display = ("user", "digests_enabled", "digest_frequency", "delivery_time", "time_zone", "updated_at")
    list_filter = ("digests_enabled", "digest_frequency")
    search_fields = ("user__email",)
    raw_id_fields = ("user",)


@admin.register(DigestLedger)
class DigestLedgerAdmin(admin.ModelAdmin):
    list_display = ("period_key", "kind", "user", "status", "attempts", "sent_at", "last_error")
    list_filter = ("kind", "status")
    search_fields = ("user__email", "period_key")
    list_select_related = ("user",)
    raw_id_fields = ("user",)
    readonly_fields = ("claimed_by", "claimed_at", "sent_at", "attempts", "last_error")
