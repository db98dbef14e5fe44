"""Personal API tokens, idempotency keys of ingested figures, webhook subscriptions and their delivery log."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class TokenScope(models.TextChoices):
    READ = "read", "Read only"
    WRITE = "write", "Read and write"


class ApiToken(models.Model):
    """A named, scoped, expiring personal token. Only a SHA-256 hash of the secret is stored; the
    plaintext is shown once, when the token is created. It acts as its user, through the same policy."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100)
    prefix = models.CharField(
        max_length=16, editable=False, help_text="The first characters, to recognise it."
    )
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    scope = models.CharField(max_length=5, choices=TokenScope.choices, default=TokenScope.READ)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    policy_vendor_path = "user__vendor"

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "name"],
                condition=Q(revoked_at__isnull=True),
                name="apitoken_live_name_unique",
            ),
        ]
        verbose_name = "API token"

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    def is_usable(self, now) -> bool:
        return self.revoked_at is None and self.expires_at > now

    @property
    def can_write(self) -> bool:
        return self.scope == TokenScope.WRITE


class IngestionKey(models.Model):
    """The client's idempotency key of one ingested figure, so a retried request creates nothing twice.

    Keys belong to the vendor for vendor users (any of its users' systems may retry) and to the
    user for internal staff; ``fingerprint`` is a hash of the item, so a key reused for another
    figure is refused rather than silently answered with the first one.
    """

    vendor = models.ForeignKey(
        "vendors.Vendor", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    key = models.CharField(max_length=100)
    fingerprint = models.CharField(max_length=64)
    measurement = models.ForeignKey("kpis.Measurement", on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.CheckConstraint(
                name="ingestionkey_one_owner",
                condition=Q(vendor__isnull=False, user__isnull=True)
                | Q(vendor__isnull=True, user__isnull=False),
            ),
            models.UniqueConstraint(
                fields=["vendor", "key"], condition=Q(vendor__isnull=False), name="ingestionkey_vendor_key"
            ),
            models.UniqueConstraint(
                fields=["user", "key"], condition=Q(user__isnull=False), name="ingestionkey_user_key"
            ),
        ]

    def __str__(self):
        return self.key


class WebhookEventType(models.TextChoices):
    BREACH_OPENED = "breach.opened", "Breach opened"
    BREACH_CLEARED = "breach.cleared", "Breach cleared by corrected data"
    BREACH_CLOSED = "breach.closed", "Breach closed (response accepted, closed or waived)"
    DISPUTE_OPENED = "dispute.opened", "Breach disputed by the vendor"
    DISPUTE_RESOLVED = "dispute.resolved", "Dispute decided"
    ISSUE_ESCALATED = "issue.escalated", "Issue escalated to the next level"
    REVIEW_SIGNED = "review.signed", "Review signed by one side (and locked once both have)"
    NOTICE_DEADLINE = "contract.notice_deadline_approaching", "Contract notice deadline approaching"
    PING = "ping", "Test delivery"


SUBSCRIBABLE_EVENT_TYPES = [choice for choice in WebhookEventType if choice != WebhookEventType.PING]


class WebhookSubscription(models.Model):
    """An HTTPS endpoint that receives signed events of the chosen types, limited to what its owner sees."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="webhook_subscriptions"
    )
    url = models.URLField(max_length=500)
    description = models.CharField(max_length=200, blank=True)
    event_types = models.JSONField(default=list)
    # Kept in clear because every delivery is signed with it; never part of the audit trail.
    secret = models.CharField(max_length=80, editable=False)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    policy_vendor_path = "owner__vendor"

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return self.url


class WebhookEvent(models.Model):
    """Something that happened, recorded once (``event_id`` is unique) and fanned out to subscriptions."""

    event_id = models.CharField(max_length=120, unique=True)
    event_type = models.CharField(max_length=60, choices=WebhookEventType.choices, db_index=True)
    vendor = models.ForeignKey(
        "vendors.Vendor", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    occurred_at = models.DateTimeField()
    payload = models.JSONField(default=dict)
    created_at = models.DateTimeField(default=timezone.now)

    policy_vendor_path = "vendor"

    class Meta:
        ordering = ["-occurred_at", "-id"]

    def __str__(self):
        return self.event_id


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    DELIVERED = "delivered", "Delivered"
    FAILED = "failed", "Failed"


class WebhookDelivery(models.Model):
    """One event for one subscription: the attempts made, the last response, when to try again."""

    subscription = models.ForeignKey(WebhookSubscription, on_delete=models.CASCADE, related_name="deliveries")
    event = models.ForeignKey(WebhookEvent, on_delete=models.CASCADE, related_name="deliveries")
    status = models.CharField(max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    response_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    policy_vendor_path = "subscription__owner__vendor"

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["subscription", "event"], name="webhookdelivery_once_per_event"),
        ]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="webhookdelivery_due_idx")]
        verbose_name_plural = "webhook deliveries"

    def __str__(self):
        return f"event {self.event_id} → subscription {self.subscription_id}"


class WebhookScanCursor(models.Model):
    """How far the periodic scan has read the audit trail for events to send."""

    name = models.CharField(max_length=40, primary_key=True)
    last_audit_id = models.BigIntegerField(default=0)
    scanned_at = models.DateTimeField()

    def __str__(self):
        return f"{self.name} @ {self.last_audit_id}"
