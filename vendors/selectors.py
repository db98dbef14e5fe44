"""Reads of vendors for one user: scoped by the access policy and prefetched for the pages that show them."""

from dataclasses import dataclass

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts import policy
from accounts.models import AuditEvent, Invitation, Role, User

from .models import (
    ChangeRequestStatus,
    OnboardingRequirement,
    Vendor,
    VendorChangeRequest,
    VendorContact,
    VendorStatusChange,
)


def vendor_list_for_user(*, user, tier: str | None = None, status: str | None = None) -> QuerySet[Vendor]:
    vendors = policy.scope(
        user, Vendor.objects.select_related("internal_owner").prefetch_related("service_categories")
    )
    if tier:
        vendors = vendors.filter(tier=tier)
    if status:
        vendors = vendors.filter(status=status)
    return vendors


def with_pending_change_requests(vendors: QuerySet[Vendor]) -> QuerySet[Vendor]:
    """Each vendor annotated with ``pending_change_requests``: proposals waiting for a decision."""
    pending = (
        VendorChangeRequest.objects.filter(vendor=OuterRef("pk"), status=ChangeRequestStatus.PENDING)
        .order_by()
        .values("vendor")
        .annotate(count=Count("pk"))
        .values("count")
    )
    return vendors.annotate(pending_change_requests=Coalesce(Subquery(pending), 0))


def vendor_for_user(*, user, pk: int) -> Vendor:
    """One vendor the user may see (404 otherwise), with what its pages show about it."""
    vendors = Vendor.objects.select_related("parent", "internal_owner").prefetch_related("service_categories")
    return policy.get_visible_or_404(user, vendors, pk=pk)


def contacts_for_user(*, user, vendor: Vendor) -> tuple[list[VendorContact], list[VendorContact]]:
    """The vendor's current contacts (the primary one first) and its retired ones."""
    contacts = list(
        policy.scope(user, VendorContact.objects.filter(vendor=vendor)).order_by("-is_primary", "name")
    )
    return [c for c in contacts if not c.is_retired], [c for c in contacts if c.is_retired]


def contact_for_user(*, user, vendor: Vendor, pk: int) -> VendorContact:
    return policy.get_visible_or_404(
        user, VendorContact.objects.select_related("vendor"), vendor=vendor, pk=pk
    )


@dataclass(frozen=True)
class VendorAdministrators:
    users: list
    invitations: list


def vendor_administrators(*, vendor: Vendor, now=None) -> VendorAdministrators:
    """The vendor's active administrators and the pending invitations for one (for internal users)."""
    now = now or timezone.now()
    users = User.objects.filter(vendor=vendor, role=Role.VENDOR_ADMIN, is_active=True).order_by("full_name")
    invitations = Invitation.objects.filter(
        vendor=vendor, role=Role.VENDOR_ADMIN, accepted_at=None, revoked_at=None, expires_at__gt=now
    ).order_by("-created_at")
    return VendorAdministrators(list(users), list(invitations))


def change_requests_for_user(*, user, vendor: Vendor) -> QuerySet[VendorChangeRequest]:
    """The vendor's change requests, newest first, with who asked and who decided."""
    return policy.scope(
        user,
        VendorChangeRequest.objects.filter(vendor=vendor).select_related(
            "requested_by", "decided_by", "contact"
        ),
    )


def change_request_for_user(*, user, vendor: Vendor, pk: int) -> VendorChangeRequest:
    requests = VendorChangeRequest.objects.select_related("vendor", "requested_by", "decided_by", "contact")
    return policy.get_visible_or_404(user, requests, vendor=vendor, pk=pk)


def status_history_for_user(*, user, vendor: Vendor) -> QuerySet[VendorStatusChange]:
    return policy.scope(user, VendorStatusChange.objects.filter(vendor=vendor).select_related("changed_by"))


def onboarding_requirements_by_tier() -> dict[str, set[str]]:
    """The required checklist items of every tier."""
    required: dict[str, set[str]] = {}
    for tier, item, is_required in OnboardingRequirement.objects.values_list("tier", "item", "is_required"):
        items = required.setdefault(tier, set())
        if is_required:
            items.add(item)
    return required


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
