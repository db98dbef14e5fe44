"""Reads for the portfolio dashboard: the summary tiles and the filtered, sorted vendor table."""

import datetime as dt
from dataclasses import dataclass

from django.db.models import (
    Case,
    Count,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts import policy
from contracts.models import Contract, ContractStatus
from contracts.selectors.renewals import UpcomingContract, contracts_with_upcoming_dates
from governance.models import ACTION_OPEN_STATUSES, ActionItem, Review, ReviewStatus, Side
from kpis.models import (
    Breach,
    BreachKind,
    BreachSeverity,
    Scorecard,
    ServiceLevel,
)
from kpis.models.results import OPEN_BREACH_STATUSES
from kpis.selectors.measurements import validation_queue_for_user
from kpis.selectors.scorecards import BREACH_AGES
from vendors.models import TIER_ORDER, Vendor
from vendors.selectors import vendor_list_for_user

# Sort keys the table accepts (``-`` in front for descending) and the annotation each one orders by.
PORTFOLIO_SORTS = {
    "name": "name",
    "score": "standing_score",
    "breaches": "open_breach_count",
    "tier": "tier_rank",
}
STANDINGS = ("green", "amber", "red", "none")
# Counting stops here: past it the tile says "1,000+" instead of scanning every waiting figure.
COUNT_CAP = 1000
# A review counts as due once its sign-off date is this close (or past).
REVIEWS_DUE_WITHIN_DAYS = 30


def _per_vendor_count(queryset: QuerySet, vendor_path: str):
    """How many rows of ``queryset`` belong to the outer vendor, as a correlated subquery."""
    counted = (
        queryset.filter(**{vendor_path: OuterRef("pk")})
        .order_by()
        .values(vendor_path)
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def portfolio_for_user(
    *,
    user,
    tier: str | None = None,
    status: str | None = None,
    owner=None,
    category=None,
    mine: bool = False,
    standing: str | None = None,
    sort: str | None = None,
) -> QuerySet[Vendor]:
    """The vendors the user may see, filtered, sorted and annotated in one query.

    ``standing_*`` come from the latest monthly scorecard, ``open_breach_count`` counts breaches
    still waiting for an outcome, ``active_contract_count`` the contracts in force and
    ``service_level_count`` the active service levels on those contracts. ``standing`` is a RAG
    colour or "none" (no scorecard yet); ``mine`` keeps the vendors the user owns; ``sort`` is a key
    of ``PORTFOLIO_SORTS``, ``-`` in front for descending (anything else sorts by name).
    """
    latest = Scorecard.objects.filter(vendor=OuterRef("pk")).order_by("-period_start")
    vendors = vendor_list_for_user(user=user, tier=tier, status=status).annotate(
        standing_score=Subquery(latest.values("score")[:1]),
        standing_rag=Subquery(latest.values("rag")[:1]),
        standing_trend=Subquery(latest.values("trend")[:1]),
        standing_month=Subquery(latest.values("period_start")[:1]),
        open_breach_count=_per_vendor_count(
            Breach.objects.filter(status__in=OPEN_BREACH_STATUSES), "service_level__contract__vendor"
        ),
        active_contract_count=_per_vendor_count(
            Contract.objects.filter(status=ContractStatus.ACTIVE), "vendor"
        ),
        service_level_count=_per_vendor_count(
            ServiceLevel.objects.filter(is_active=True, contract__status=ContractStatus.ACTIVE),
            "contract__vendor",
        ),
        tier_rank=Case(
            *(When(tier=tier_value, then=Value(rank)) for tier_value, rank in TIER_ORDER.items()),
            default=Value(len(TIER_ORDER)),
            output_field=IntegerField(),
        ),
    )
    if owner is not None:
        vendors = vendors.filter(internal_owner=owner)
    if mine:
        vendors = vendors.filter(internal_owner=user)
    if category is not None:
        vendors = vendors.filter(service_categories=category)
    if standing == "none":
        vendors = vendors.filter(Q(standing_rag__isnull=True) | Q(standing_rag=""))
    elif standing in STANDINGS:
        vendors = vendors.filter(standing_rag=standing)
    return vendors.order_by(*_ordering(sort))


def _ordering(sort: str | None) -> list:
    key = (sort or "").removeprefix("-")
    field = PORTFOLIO_SORTS.get(key)
    if field is None or key == "name":
        return ["-name" if sort == "-name" else "name", "pk"]
    expression = F(field).desc(nulls_last=True) if sort.startswith("-") else F(field).asc(nulls_last=True)
    # Ties keep a stable alphabetical order so pages never shuffle.
    return [expression, "name", "pk"]


@dataclass(frozen=True)
class BreachSummary:
    total: int
    by_severity: dict[str, int]
    by_age: dict[str, int]
    missing_reports: int


@dataclass(frozen=True)
class DashboardSummary:
    today: dt.date
    breaches: BreachSummary
    awaiting_validation: int
    awaiting_validation_capped: bool
    upcoming_contracts: list[UpcomingContract]
    within_days: int


def open_breach_summary(*, user, now: dt.datetime) -> BreachSummary:
    """Open breaches by severity and by age (whole days since opened, bucketed as the breach list's
    ``age`` filter does), and the missing reports among them, in one query.

    A missing report is an unreported period whose breach is still open: the engine keeps an open
    breach's kind "not reported" exactly while its period's result is "missing" (late figures turn it
    into a missed target or clear it), so counting the kind counts those results, and matches the
    breach list filtered by that kind.
    """
    counts = {"total": Count("pk"), "missing": Count("pk", filter=Q(kind=BreachKind.NOT_REPORTED))}
    for severity in BreachSeverity.values:
        counts[f"severity_{severity}"] = Count("pk", filter=Q(severity=severity))
    for label, (youngest, oldest) in BREACH_AGES.items():
        window = Q(opened_at__lte=now - dt.timedelta(days=youngest))
        if oldest is not None:
            window &= Q(opened_at__gt=now - dt.timedelta(days=oldest + 1))
        counts[f"age_{label}"] = Count("pk", filter=window)
    row = policy.scope(user, Breach.objects.filter(status__in=OPEN_BREACH_STATUSES)).aggregate(**counts)
    return BreachSummary(
        total=row["total"],
        by_severity={s: row[f"severity_{s}"] for s in BreachSeverity.values},
        by_age={label: row[f"age_{label}"] for label in BREACH_AGES},
        missing_reports=row["missing"],
    )


def awaiting_validation_count(*, user) -> int:
    """The length of the validation queue (current figures vendor users submitted that nobody has
    validated or disputed yet), counted up to ``COUNT_CAP`` + 1."""
    return validation_queue_for_user(user=user).order_by().values("pk")[: COUNT_CAP + 1].count()


def dashboard_summary_for_user(
    *, user, now: dt.datetime | None = None, within_days: int = 90
) -> DashboardSummary:
    """The tiles at the top of the dashboard, each one query (the contract dates are computed in
    Python from one query)."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    waiting = awaiting_validation_count(user=user)
    return DashboardSummary(
        today=today,
        breaches=open_breach_summary(user=user, now=now),
        awaiting_validation=min(waiting, COUNT_CAP),
        awaiting_validation_capped=waiting > COUNT_CAP,
        upcoming_contracts=contracts_with_upcoming_dates(user=user, within_days=within_days, today=today),
        within_days=within_days,
    )


# ---- Governance tiles -------------------------------------------------------------------------------


@dataclass(frozen=True)
class GovernanceSummary:
    """Overdue action items (by the side that owes them) and reviews due, over the vendors shown."""

    overdue_actions: int
    overdue_actions_by_side: dict[str, int]
    reviews_due: int
    reviews_overdue: int
    within_days: int
    filtered: bool


def portfolio_vendor_ids(*, user, **filters) -> QuerySet | None:
    """The ids of the vendors the dashboard's filters keep, as a subquery; None when nothing is filtered."""
    filters = {name: value for name, value in filters.items() if value not in (None, "", False)}
    if not filters:
        return None
    return portfolio_for_user(user=user, **filters).order_by().values("pk")


def overdue_actions_for_user(*, user, today: dt.date) -> QuerySet[ActionItem]:
    """Open action items past their due date: what the action list's "overdue" filter shows."""
    return policy.scope(user, ActionItem.objects.filter(status__in=ACTION_OPEN_STATUSES, due_on__lt=today))


def reviews_due_for_user(
    *, user, today: dt.date, within_days: int = REVIEWS_DUE_WITHIN_DAYS
) -> QuerySet[Review]:
    """Reviews not yet signed and locked whose sign-off date is past or within ``within_days``."""
    return policy.scope(
        user,
        Review.objects.exclude(status=ReviewStatus.LOCKED).filter(
            due_on__lte=today + dt.timedelta(days=within_days)
        ),
    )


def governance_summary_for_user(
    *, user, today: dt.date | None = None, within_days: int = REVIEWS_DUE_WITHIN_DAYS, **filters
) -> GovernanceSummary:
    """The governance tiles in two queries, narrowed to the vendors the dashboard's filters keep."""
    today = today or timezone.localdate()
    vendor_ids = portfolio_vendor_ids(user=user, **filters)
    actions = overdue_actions_for_user(user=user, today=today)
    reviews = reviews_due_for_user(user=user, today=today, within_days=within_days)
    if vendor_ids is not None:
        actions = actions.filter(vendor__in=vendor_ids)
        reviews = reviews.filter(vendor__in=vendor_ids)
    by_side = {f"side_{side}": Count("pk", filter=Q(owner_side=side)) for side in Side.values}
    action_row = actions.aggregate(total=Count("pk"), **by_side)
    review_row = reviews.aggregate(total=Count("pk"), overdue=Count("pk", filter=Q(due_on__lt=today)))
    return GovernanceSummary(
        overdue_actions=action_row["total"],
        overdue_actions_by_side={side: action_row[f"side_{side}"] for side in Side.values},
        reviews_due=review_row["total"],
        reviews_overdue=review_row["overdue"],
        within_days=within_days,
        filtered=vendor_ids is not None,
    )
