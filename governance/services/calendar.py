"""Each user's secret calendar feed key: issued (or replaced) and revoked by its owner. Only a SHA-256
hash of the key is stored, so a leaked database does not open anyone's feed."""

import hashlib
import secrets
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from accounts.audit import audit_record

from ..models import CalendarFeed

KEY_BYTES = 32
# Reading a feed notes when it was last used, at most this often (calendar apps poll).
LAST_USED_RESOLUTION = timedelta(minutes=15)


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@transaction.atomic
def calendar_feed_issue(*, user, now: datetime | None = None) -> str:
    """A new secret key for the user's feed, replacing any earlier one; returns the key (shown once)."""
    now = now or timezone.now()
    key = secrets.token_urlsafe(KEY_BYTES)
    feed, created = CalendarFeed.objects.update_or_create(
        user=user, defaults={"key_hash": hash_key(key), "created_at": now, "last_used_at": None}
    )
    audit_record(
        actor=user,
        action="governance.calendarfeed.created" if created else "governance.calendarfeed.regenerated",
        obj=feed,
        note="A new feed address was issued; any earlier one stopped working.",
    )
    return key


@transaction.atomic
def calendar_feed_revoke(*, user) -> bool:
    """Stop the user's feed; returns False when there was none."""
    feed = CalendarFeed.objects.filter(user=user).first()
    if feed is None:
        return False
    audit_record(actor=user, action="governance.calendarfeed.revoked", obj=feed)
    feed.delete()
    return True


def calendar_feed_for_key(key: str, *, now: datetime | None = None) -> CalendarFeed | None:
    """The feed a key opens, or None (unknown, revoked, or its user deactivated)."""
    if not key or len(key) > 200:
        return None
    feed = CalendarFeed.objects.select_related("user", "user__vendor").filter(key_hash=hash_key(key)).first()
    if feed is None or not feed.user.is_active:
        return None
    now = now or timezone.now()
    if feed.last_used_at is None or now - feed.last_used_at >= LAST_USED_RESOLUTION:
        CalendarFeed.objects.filter(pk=feed.pk).update(last_used_at=now)
    return feed
