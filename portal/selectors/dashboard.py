"""Reads for the portfolio dashboard."""

from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from contracts.models import ContractStatus
from kpis.models import Breach, Scorecard
from kpis.models.results import OPEN_BREACH_STATUSES
from vendors.models import Vendor
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
