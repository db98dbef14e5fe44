"""Notifications in the portal, each person's delivery preferences, and the ledger of digest e-mails.

A notification is recorded once per recipient, kind and source (an audit trail row or a state the
scans found), whatever the number of scans; a digest once per person, digest kind and period. Both
are e-mailed by senders that claim rows with a conditional update, so no e-mail goes out twice.
"""

from datetime import time
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone

from .kinds import DEFAULT_MODES, DeliveryMode, DigestFrequency, DigestKind, NotificationKind


class SendStatus(models.TextChoices):
    """Where an e-mail stands: claimed rows are "sending" until the SMTP server took them."""

    NONE = "", "No e-mail"
    PENDING = "pending", "Waiting to be sent"
    SENDING = "sending", "Being sent"
    SENT = "sent", "Sent"
    SKIPPED = "skipped", "Nothing to say"
    FAILED = "failed", "Failed"


class Notification(models.Model):
    """Something one person should know about, with a link to it in the portal."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications", db_index=False
    )
    kind = models.CharField(max_length=30, choices=NotificationKind.choices)
    title = models.CharField(max_length=200)
    body = models.CharField(max_length=500, blank=True)
    url = models.CharField(max_length=300, help_text="Path of the page in the portal.")
    vendor = models.ForeignKey(
        "vendors.Vendor", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    source_key = models.CharField(
        max_length=120, help_text="What the notification is about: audit-<id>, or a state such as a due date."
    )
    audit_event_id = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    # The e-mail sent straight away, for the kinds the recipient wants by e-mail at once.
    email_status = models.CharField(
        max_length=10, choices=SendStatus.choices, default=SendStatus.NONE, blank=True
    )
    claimed_by = models.CharField(max_length=64, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)

    # Notifications are personal: views also filter on the recipient; this keeps vendor users' rows
    # within their vendor for the access policy.
    policy_vendor_path = "recipient__vendor"

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "kind", "source_key"], name="notification_once_per_source"
            ),
        ]
        indexes = [
            models.Index(fields=["recipient", "-created_at"], name="notification_inbox_idx"),
            models.Index(
                fields=["recipient"], condition=Q(read_at__isnull=True), name="notification_unread_idx"
            ),
            models.Index(
                fields=["email_status", "claimed_at"],
                condition=Q(email_status__in=["pending", "sending"]),
                name="notification_outbox_idx",
            ),
        ]

    def __str__(self):
        return self.title

    @property
    def is_unread(self) -> bool:
        return self.read_at is None


@cache
def time_zone_names() -> frozenset[str]:
    return frozenset(available_timezones()) | {"UTC"}


def validate_time_zone(name: str) -> None:
    """An IANA time zone name the system knows, such as Europe/Paris (never a file path)."""
    try:
        known = name in time_zone_names() and ZoneInfo(name) is not None
    except (ZoneInfoNotFoundError, ValueError):
        known = False
    if not known:
        raise ValidationError(
            f"“{name}” is not a time zone name; use one such as Europe/Paris or America/New_York."
        )


def default_time_zone() -> str:
    return settings.TIME_ZONE


def default_delivery_time() -> time:
    return time(7, 0)


class NotificationPreference(models.Model):
    """How one person wants to hear from the portal. A person without a row gets the defaults."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preference"
    )
    modes = models.JSONField(
        default=dict, blank=True, help_text="{kind: immediate | digest | off}; missing kinds use the default."
    )
    digests_enabled = models.BooleanField(default=True)
    digest_frequency = models.CharField(
        max_length=10, choices=DigestFrequency.choices, default=DigestFrequency.DAILY
    )
    delivery_time = models.TimeField(default=default_delivery_time, help_text="Local time of the digest.")
    time_zone = models.CharField(max_length=64, default=default_time_zone, validators=[validate_time_zone])
    unsubscribed_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    policy_vendor_path = "user__vendor"

    def __str__(self):
        return f"Notification preferences of {self.user_id}"

    def clean(self):
        unknown = set(self.modes or {}) - set(NotificationKind.values)
        bad = set((self.modes or {}).values()) - set(DeliveryMode.values)
        if unknown or bad:
            raise ValidationError({"modes": "Choose a known delivery for each known kind of notification."})

    def mode_for(self, kind: str) -> str:
        return (self.modes or {}).get(kind) or DEFAULT_MODES[kind]


class DigestLedger(models.Model):
    """One digest e-mail for one person and period: planned once, claimed by one sender, sent once."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    kind = models.CharField(max_length=10, choices=DigestKind.choices)
    period_key = models.CharField(max_length=20, help_text="d:2026-04-10, w:2026-W15 or m:2026-04.")
    window_start = models.DateTimeField()
    window_end = models.DateTimeField(help_text="When the digest became due; it covers up to here.")
    status = models.CharField(max_length=10, choices=SendStatus.choices, default=SendStatus.PENDING)
    claimed_by = models.CharField(max_length=64, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-window_end", "user"]
        constraints = [
            models.UniqueConstraint(fields=["user", "kind", "period_key"], name="digest_once_per_period"),
        ]
        indexes = [
            models.Index(
                fields=["status", "claimed_at"],
                condition=Q(status__in=["pending", "sending"]),
                name="digest_outbox_idx",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.period_key} for {self.user_id} ({self.status})"
