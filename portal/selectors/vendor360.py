"""Reads for the vendor 360 and contract pages."""

from django.db.models import Prefetch

from accounts import policy
from contracts.models import Contract, Deliverable
from governance.models import RoleAssignment
from kpis.models import Breach, Scorecard, ServiceLevel
from kpis.models.results import OPEN_BREACH_STATUSES
from vendors.models import Vendor, VendorContact


def vendor_360_for_user(*, user, pk: int) -> Vendor:
    """One vendor with its contacts, contracts and their service levels, and RACI rows prefetched.

    ``vendor.contracts.all()`` carry ``service_levels.all()`` (with their metric), and
    ``vendor.role_assignments.all()`` come ordered by area for grouping. Every related set
    is scoped by the access policy too.
    """
    queryset = Vendor.objects.select_related("internal_owner").prefetch_related(
        "service_categories",
        Prefetch("contacts", queryset=policy.scope(user, VendorContact.objects.all())),
        Prefetch(
            "contracts",
            queryset=policy.scope(user, Contract.objects.order_by("reference")).prefetch_related(
                Prefetch("service_levels", queryset=_service_levels(user))
            ),
        ),
        Prefetch(
            "role_assignments",
            queryset=policy.scope(user, RoleAssignment.objects.all())
            .select_related("person", "contact", "contract")
            .order_by("area", "side", "role_title"),
        ),
    )
    return policy.get_visible_or_404(user, queryset, pk=pk)


def _service_levels(user):
    return policy.scope(user, ServiceLevel.objects.select_related("metric").order_by("metric__name"))


def contract_detail_for_user(*, user, pk: int) -> Contract:
    """One contract with its vendor, parent, children, deliverables and service levels (with metrics)."""
    queryset = Contract.objects.select_related("vendor", "parent", "owner").prefetch_related(
        Prefetch("children", queryset=policy.scope(user, Contract.objects.order_by("reference"))),
        Prefetch(
            "deliverables",
            queryset=policy.scope(user, Deliverable.objects.select_related("approver", "accepted_by")),
        ),
        Prefetch("service_levels", queryset=_service_levels(user)),
    )
    return policy.get_visible_or_404(user, queryset, pk=pk)


def vendor_performance_for_user(*, user, vendor: Vendor, months: int = 6) -> dict:
    """The vendor's recent scorecards (newest first) and its open breaches, in two queries."""
    scorecards = list(
        policy.scope(user, Scorecard.objects.filter(vendor=vendor)).order_by("-period_start")[:months]
    )
    breaches = list(
        policy.scope(user, Breach.objects.filter(service_level__contract__vendor=vendor))
        .filter(status__in=OPEN_BREACH_STATUSES)
        .select_related("service_level__metric", "service_level__contract")
        .order_by("response_due_at", "service_level__metric__name")
    )
    return {"scorecards": scorecards, "open_breaches": breaches}
