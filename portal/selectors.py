"""Reads for the portal's composite pages: the portfolio, the vendor 360 and the contract page."""

from django.db.models import Count, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from accounts import policy
from contracts.models import Contract, ContractStatus, Deliverable
from governance.models import RoleAssignment
from kpis.models import Breach, Scorecard, ServiceLevel
from kpis.models.results import OPEN_BREACH_STATUSES
from vendors.models import Vendor, VendorContact
from vendors.selectors import vendor_list_for_user


def portfolio_for_user(*, user, tier: str | None = None, status: str | None = None) -> QuerySet[Vendor]:
    """The vendors the user may see, annotated in the same query with their counts.

    ``active_contract_count`` counts the contracts in force; ``service_level_count`` the
    active service levels on those contracts; ``standing_*`` come from the latest monthly
    scorecard and ``open_breach_count`` counts breaches still waiting for an outcome.
    """
    in_force = Q(contracts__status=ContractStatus.ACTIVE)
    latest = Scorecard.objects.filter(vendor=OuterRef("pk")).order_by("-period_start")
    open_breaches = (
        Breach.objects.filter(service_level__contract__vendor=OuterRef("pk"), status__in=OPEN_BREACH_STATUSES)
        .order_by()
        .values("service_level__contract__vendor")
        .annotate(n=Count("id"))
        .values("n")
    )
    vendors = vendor_list_for_user(user=user, tier=tier, status=status).annotate(
        standing_score=Subquery(latest.values("score")[:1]),
        standing_rag=Subquery(latest.values("rag")[:1]),
        standing_trend=Subquery(latest.values("trend")[:1]),
        standing_month=Subquery(latest.values("period_start")[:1]),
        open_breach_count=Coalesce(Subquery(open_breaches, output_field=IntegerField()), Value(0)),
        active_contract_count=Count("contracts", filter=in_force, distinct=True),
        service_level_count=Count(
            "contracts__service_levels",
            filter=in_force & Q(contracts__service_levels__is_active=True),
            distinct=True,
        ),
    )
    # Meta.ordering is not applied to aggregating queries; pagination needs a stable order.
    return vendors.order_by("name")


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
