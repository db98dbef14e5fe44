"""A person's delivery preferences and the in-app read marks."""

from datetime import datetime, time

from django.db import transaction
from django.utils import timezone

from accounts.audit import audit_record, audited_create, audited_update

from ..kinds import DeliveryMode, kinds_for
from ..models import Notification, NotificationPreference


def preference_for(user) -> NotificationPreference:
    """The person's saved preferences, or the defaults (unsaved) when they never changed them."""
    return NotificationPreference.objects.filter(user=user).first() or NotificationPreference(user=user)


@transaction.atomic
def preferences_update(
    *,
    user,
    actor,
    modes: dict[str, str],
    digests_enabled: bool,
    digest_frequency: str,
    delivery_time: time,
    time_zone: str,
) -> NotificationPreference:
    """Save ``user``'s preferences (validated, audited). Kinds the person cannot receive are ignored."""
    allowed = set(kinds_for(user.role))
    modes = {kind: DeliveryMode(mode).value for kind, mode in modes.items() if kind in allowed}
    data = {
        "modes": modes,
        "digests_enabled": digests_enabled,
        "digest_frequency": digest_frequency,
        "delivery_time": delivery_time,
        "time_zone": time_zone,
    }
    if digests_enabled:
        data["unsubscribed_at"] = None
    existing = NotificationPreference.objects.select_for_update().filter(user=user).first()
    if existing is None:
        return audited_create(model=NotificationPreference, actor=actor, user=user, **data)
    preference, _ = audited_update(instance=existing, actor=actor, data=data)
    return preference


@transaction.atomic
def digests_unsubscribe(*, user, now: datetime | None = None, via: str = "link") -> bool:
    """Stop the person's digests (the one-click link in every digest). Returns False when they were
    already off, so a second click changes nothing."""
    now = now or timezone.now()
    preference, created = NotificationPreference.objects.select_for_update().get_or_create(user=user)
    if not created and not preference.digests_enabled:
        return False
    NotificationPreference.objects.filter(pk=preference.pk).update(
        digests_enabled=False, unsubscribed_at=now, updated_at=now
    )
    audit_record(
        actor=None,
        action="notifications.notificationpreference.unsubscribed",
        obj=preference,
        changes={"digests_enabled": [True, False]},
        note=f"Unsubscribed from digests with the {via} in a digest e-mail.",
    )
    return True


def notification_mark_read(*, notification: Notification, now: datetime | None = None) -> bool:
    """Mark one of the person's notifications read; False when it was read already.

    Read marks are the reader's own bookkeeping, not a change to the relationship: they are not
    written to the audit trail.
    """
    now = now or timezone.now()
    return bool(Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=now))


def notifications_mark_all_read(*, user, now: datetime | None = None) -> int:
    now = now or timezone.now()
    return Notification.objects.filter(recipient=user, read_at__isnull=True).update(read_at=now)
