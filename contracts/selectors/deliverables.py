"""Reads of deliverables and milestones for the contract lifecycle pages, scoped by the access policy."""

import datetime as dt

from django.db.models import Prefetch, Q, QuerySet

from accounts import policy
from vendors.models import Vendor

from ..models import (
    Contract,
    Deliverable,
    DeliverableEvidence,
)
from ..services.deliverables import OPEN_STATUSES


def _overdue_q(today: dt.date) -> Q:
    return Q(due_date__lt=today, status__in=OPEN_STATUSES)


def deliverables_for_user(
    *, user, today: dt.date, contract: Contract | None = None, filters: dict | None = None
) -> QuerySet:
    """Deliverables the user may see, soonest due first, with what the list shows already joined."""
    filters = filters or {}
    queryset = Deliverable.objects.select_related("contract__vendor", "approver")
    if contract is not None:
        queryset = queryset.filter(contract=contract)
    if filters.get("vendor_id"):
        queryset = queryset.filter(contract__vendor_id=filters["vendor_id"])
    if filters.get("status"):
        queryset = queryset.filter(status=filters["status"])
    if filters.get("overdue"):
        queryset = queryset.filter(_overdue_q(today))
    return policy.scope(user, queryset).order_by("due_date", "contract__reference", "title", "pk")


def deliverable_vendors_for_user(*, user) -> list[Vendor] | None:
    """The vendor filter's choices for staff (None for vendor users, who see only their own)."""
    if not policy.sees_internal(user):
        return None
    return list(policy.scope(user, Vendor.objects.filter(contracts__deliverables__isnull=False).distinct()))


def deliverable_for_user(*, user, pk: int) -> Deliverable:
    queryset = Deliverable.objects.select_related(
        "contract__vendor", "approver", "accepted_by", "delivered_by"
    ).prefetch_related(
        Prefetch("evidence", queryset=DeliverableEvidence.objects.select_related("uploaded_by")),
    )
    return policy.get_visible_or_404(user, queryset, pk=pk)


def deliverable_evidence_for_user(*, user, pk: int) -> DeliverableEvidence:
    return policy.get_visible_or_404(user, DeliverableEvidence.objects.all(), pk=pk)


def mark_overdue(deliverables, today: dt.date) -> None:
    for deliverable in deliverables:
        deliverable.is_overdue = deliverable.due_date < today and deliverable.status in OPEN_STATUSES
