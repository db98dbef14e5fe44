"""Reads of vendors for one user: scoped by the access policy and prefetched for the pages that show them."""

from django.db.models import Q, QuerySet, Subquery

from accounts import policy
from accounts.models import AuditEvent

from .models import Vendor


def vendor_list_for_user(*, user, tier: str | None = None, status: str | None = None) -> QuerySet[Vendor]:
    vendors = policy.scope(
        user, Vendor.objects.select_related("internal_owner").prefetch_related("service_categories")
    )
    if tier:
        vendors = vendors.filter(tier=tier)
    if status:
        vendors = vendors.filter(status=status)
    return vendors


def vendor_activity_for_user(
    *, user, vendor: Vendor, limit: int = 20, before: int | None = None
) -> list[AuditEvent]:
    """The latest audit events about the vendor and everything that belongs to it, newest first.

    ``before`` is the id of an event already shown: only older events follow (a cursor, so new
    events arriving meanwhile do not shift the page).
    """
    events = policy.scope(user, AuditEvent.objects.filter(vendor_id=vendor.pk)).select_related("actor")
    if before is not None:
        cursor = AuditEvent.objects.filter(pk=before, vendor_id=vendor.pk).values("occurred_at")[:1]
        events = events.filter(
            Q(occurred_at__lt=Subquery(cursor)) | Q(occurred_at=Subquery(cursor), pk__lt=before)
        )
    return list(events.order_by("-occurred_at", "-pk")[:limit])
