"""Reads of the KPI domain, scoped by the access policy, with their explanations."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from accounts import policy

from .models import Outcome, Scorecard, ServiceLevelResult
from .scoring import active_scheme

HUNDRED = Decimal(100)


@dataclass
class ExplainedResult:
    result: ServiceLevelResult
    points: Decimal
    weight: int
    contribution: Decimal = Decimal(0)


@dataclass
class ExplainedCategory:
    category: str
    weight: int
    share: Decimal = Decimal(0)  # the category weight renormalised over categories present
    score: Decimal = Decimal(0)
    contribution: Decimal = Decimal(0)
    results: list[ExplainedResult] = field(default_factory=list)


@dataclass
class ScorecardExplanation:
    scorecard: Scorecard
    categories: list[ExplainedCategory]
    total: Decimal


def results_for_vendor_month(*, vendor_id: int, month_start: date, month_end: date):
    return (
        ServiceLevelResult.objects.filter(
            service_level__contract__vendor_id=vendor_id,
            period_end__gte=month_start,
            period_end__lte=month_end,
        )
        .select_related("service_level__metric", "service_level__contract")
        .order_by("service_level__metric__category", "service_level__metric__name")
    )


def scorecard_explanation(*, scorecard: Scorecard) -> ScorecardExplanation:
    """How the score came about: each result's points, weight and contribution, summing to the score.

    Mirrors the engine: met = 100 points, warning = the scheme's warning points, breached or
    unreported = 0; results weighted by their service level's weight within a category;
    categories weighted by the scheme, renormalised over the categories that have results.
    """
    scheme = active_scheme()
    weights = scheme.category_weights()
    points = {Outcome.MET: HUNDRED, Outcome.WARNING: Decimal(scheme.warning_points)}
    by_category: dict[str, ExplainedCategory] = {}
    for result in results_for_vendor_month(
        vendor_id=scorecard.vendor_id, month_start=scorecard.period_start, month_end=scorecard.period_end
    ):
        sl = result.service_level
        if sl.weight <= 0 or weights.get(sl.metric.category, 0) <= 0:
            continue
        cat = by_category.setdefault(
            sl.metric.category, ExplainedCategory(sl.metric.category, weights[sl.metric.category])
        )
        cat.results.append(ExplainedResult(result, points.get(result.outcome, Decimal(0)), sl.weight))
    total_weight = sum(c.weight for c in by_category.values())
    total = Decimal(0)
    for cat in by_category.values():
        cat.share = Decimal(cat.weight) / total_weight
        cat_weight = sum(r.weight for r in cat.results)
        cat.score = sum(r.points * r.weight for r in cat.results) / cat_weight
        for r in cat.results:
            r.contribution = r.points * r.weight / cat_weight * cat.share
        cat.contribution = cat.score * cat.share
        total += cat.contribution
    quantum = Decimal("0.01")
    return ScorecardExplanation(
        scorecard=scorecard,
        categories=sorted(by_category.values(), key=lambda c: c.category),
        total=total.quantize(quantum, rounding=ROUND_HALF_UP),
    )


def scorecards_for_user(*, user, vendor_id: int | None = None):
    qs = policy.scope(user, Scorecard.objects.select_related("vendor"))
    if vendor_id is not None:
        qs = qs.filter(vendor_id=vendor_id)
    return qs.order_by("-period_start", "rank")


def results_for_user(*, user):
    return policy.scope(
        user,
        ServiceLevelResult.objects.select_related("service_level__metric", "service_level__contract__vendor"),
    )


def breaches_by_vendor(*, user) -> dict[int, int]:
    """Open breach counts per vendor, in one query."""
    from django.db.models import Count

    from .models import Breach
    from .models.results import OPEN_BREACH_STATUSES

    rows = (
        policy.scope(user, Breach.objects.filter(status__in=OPEN_BREACH_STATUSES))
        .values("service_level__contract__vendor_id")
        .annotate(n=Count("id"))
    )
    counts = defaultdict(int)
    for row in rows:
        counts[row["service_level__contract__vendor_id"]] = row["n"]
    return counts
