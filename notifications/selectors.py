"""Reads of a person's own notifications, through the access policy."""

from django.db.models import QuerySet

from accounts import policy

from .models import Notification


def notifications_for_user(*, user, unread_only: bool = False) -> QuerySet[Notification]:
    """The person's notifications, newest first, with their vendor for the list."""
    rows = policy.scope(user, Notification.objects.filter(recipient_id=user.pk)).select_related("vendor")
    if unread_only:
        rows = rows.filter(read_at__isnull=True)
    return rows.order_by("-created_at", "-pk")


def notification_for_user(*, user, pk: int) -> Notification:
    return policy.get_visible_or_404(user, Notification.objects.filter(recipient_id=user.pk), pk=pk)


def unread_count(user) -> int:
    if not getattr(user, "is_authenticated", False):
        return 0
    return Notification.objects.filter(recipient_id=user.pk, read_at__isnull=True).count()
