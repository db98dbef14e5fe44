"""Reads of results and scorecards with their explanations, scoped by the access policy."""

from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

from django.db.models import Case, IntegerField, Value, When

from accounts import policy

from ..models import (
    Breach,
    BreachSeverity,
    BreachStatus,
    Measurement,
    MetricCategory,
    Outcome,
    Scorecard,
    ServiceLevelResult,
)
from ..models.results import OPEN_BREACH_STATUSES
from ..scoring import active_scheme

HUNDRED = Decimal(100)


CENT = Decimal("0.01")


@dataclass
class ExplainedResult:
    result: ServiceLevelResult
    points: Decimal
    weight: int
    contribution: Decimal = Decimal(0)
    weight_share: Decimal = Decimal(0)  # the service level's weight over its category's total weight
    shown_contribution: Decimal = Decimal(0)  # rounded to 0.01 so that the shown figures add up exactly

    @property
    def weight_percent(self) -> Decimal:
        return self.weight_share * HUNDRED


@dataclass
class ExplainedCategory:
    category: str
    weight: int
    share: Decimal = Decimal(0)  # the category weight renormalised over categories present
    score: Decimal = Decimal(0)
    contribution: Decimal = Decimal(0)
    results: list[ExplainedResult] = field(default_factory=list)
    total_weight: int = 0
    shown_contribution: Decimal = Decimal(0)

    @property
    def share_percent(self) -> Decimal:
        return self.share * HUNDRED

    @property
    def label(self) -> str:
        return MetricCategory(self.category).label


@dataclass
class ScorecardExplanation:
    scorecard: Scorecard
    categories: list[ExplainedCategory]
    total: Decimal
    warning_points: int = 50

    @property
    def provisional(self) -> int:
        """How many of the results rest on figures awaiting review or disputed."""
        return sum(1 for cat in self.categories for r in cat.results if r.result.provisional)


def results_for_vendor_month(*, vendor_id: int, month_start: date, month_end: date, user=None):
    """The results a month's scorecard is made of (those whose period ends in the month)."""
    results = ServiceLevelResult.objects.all()
    if user is not None:
        results = policy.scope(user, results)
    return (
        results.filter(
            service_level__contract__vendor_id=vendor_id,
            period_end__gte=month_start,
            period_end__lte=month_end,
        )
        .select_related("service_level__metric", "service_level__contract")
        .order_by("service_level__metric__category", "service_level__metric__name")
    )


def _share_out(results: list[ExplainedResult], total: Decimal) -> None:
    """Round each contribution to 0.01 so that the rounded figures add up to the rounded total.

    Largest remainder: every contribution is rounded down, then the cents still missing go to
    the contributions that lost most in rounding.
    """
    for r in results:
        r.shown_contribution = r.contribution.quantize(CENT, rounding=ROUND_DOWN)
    missing = int((total - sum((r.shown_contribution for r in results), Decimal(0))) / CENT)
    by_loss = sorted(results, key=lambda r: r.contribution - r.shown_contribution, reverse=True)
    for r in by_loss[: max(missing, 0)]:
        r.shown_contribution += CENT


def scorecard_explanation(*, scorecard: Scorecard, user=None) -> ScorecardExplanation:
    """How the score came about: each result's points, weight and contribution, summing to the score.

    Mirrors the engine: met = 100 points, warning = the scheme's warning points, breached or
    unreported = 0; results weighted by their service level's weight within a category;
    categories weighted by the scheme, renormalised over the categories that have results.
    With ``user`` the results are read through the access policy.
    """
    scheme = active_scheme()
    weights = scheme.category_weights()
    points = {Outcome.MET: HUNDRED, Outcome.WARNING: Decimal(scheme.warning_points)}
    by_category: dict[str, ExplainedCategory] = {}
    for result in results_for_vendor_month(
        vendor_id=scorecard.vendor_id,
        month_start=scorecard.period_start,
        month_end=scorecard.period_end,
        user=user,
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
        cat.total_weight = cat_weight = sum(r.weight for r in cat.results)
        cat.score = sum(r.points * r.weight for r in cat.results) / cat_weight
        for r in cat.results:
            r.weight_share = Decimal(r.weight) / cat_weight
            r.contribution = r.points * r.weight / cat_weight * cat.share
        cat.contribution = cat.score * cat.share
        total += cat.contribution
    total = total.quantize(CENT, rounding=ROUND_HALF_UP)
    _share_out([r for cat in by_category.values() for r in cat.results], total)
    for cat in by_category.values():
        cat.shown_contribution = sum((r.shown_contribution for r in cat.results), Decimal(0))
    return ScorecardExplanation(
        scorecard=scorecard,
        categories=sorted(by_category.values(), key=lambda c: list(weights).index(c.category)),
        total=total,
        warning_points=scheme.warning_points,
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


CLOSED_BREACH_STATUSES = tuple(s for s in BreachStatus if s not in OPEN_BREACH_STATUSES)


# Still waiting for the vendor's root cause and plan.
AWAITING_RESPONSE = (BreachStatus.OPEN, BreachStatus.ACKNOWLEDGED)


SEVERITY_RANK = Case(
    When(severity=BreachSeverity.HIGH, then=Value(3)),
    When(severity=BreachSeverity.MEDIUM, then=Value(2)),
    default=Value(1),
    output_field=IntegerField(),
)


# Sort keys of the breach list and their orderings (ties broken by id for stable pages).
BREACH_SORTS = {
    "due": ("response_due_at", "id"),
    "-due": ("-response_due_at", "-id"),
    "severity": ("-severity_rank", "response_due_at", "id"),
    "-severity": ("severity_rank", "response_due_at", "id"),
    "opened": ("opened_at", "id"),
    "-opened": ("-opened_at", "-id"),
    "period": ("period_start", "id"),
    "-period": ("-period_start", "-id"),
    "vendor": ("service_level__contract__vendor__name", "response_due_at", "id"),
    "-vendor": ("-service_level__contract__vendor__name", "response_due_at", "id"),
}


DEFAULT_BREACH_SORT = "due"


# Age buckets in whole days since the breach was opened: (youngest, oldest or None).
BREACH_AGES = {"0-7": (0, 7), "8-30": (8, 30), "31+": (31, None)}


def scorecard_for_user(*, user, pk: int) -> Scorecard:
    return policy.get_visible_or_404(user, Scorecard.objects.select_related("vendor"), pk=pk)


def result_for_user(*, user, pk: int) -> ServiceLevelResult:
    results = ServiceLevelResult.objects.select_related(
        "service_level__metric", "service_level__contract__vendor"
    )
    return policy.get_visible_or_404(user, results, pk=pk)


@dataclass
class ResultFigures:
    """The figures of one result's period, corrections included, with what replaced what (each
    superseded figure also carries its correcting figure as ``correction``)."""

    measurements: list[Measurement]
    corrected_by: dict[int, Measurement]  # superseded figure id → the figure that corrected it
    breach: Breach | None
    scorecard: Scorecard | None


def result_figures_for_user(*, user, result: ServiceLevelResult) -> ResultFigures:
    """Every figure reported for the result's period (current and superseded), oldest day first;
    the period's breach and the scorecard the result counts towards. Three queries."""
    figures = list(
        policy.scope(user, Measurement.objects.all())
        .filter(
            service_level_id=result.service_level_id,
            measured_on__gte=result.period_start,
            measured_on__lte=result.period_end,
        )
        .select_related("submitted_by", "reviewed_by", "service_level__metric")
        .order_by("measured_on", "submitted_at", "id")
    )
    breach = (
        policy.scope(user, Breach.objects.all())
        .filter(service_level_id=result.service_level_id, period_start=result.period_start)
        .first()
    )
    scorecard = (
        policy.scope(user, Scorecard.objects.all())
        .filter(
            vendor_id=result.service_level.contract.vendor_id,
            period_start__lte=result.period_end,
            period_end__gte=result.period_end,
        )
        .first()
    )
    corrected_by = {m.supersedes_id: m for m in figures if m.supersedes_id}
    for figure in figures:
        figure.correction = corrected_by.get(figure.pk)
    return ResultFigures(
        measurements=figures,
        corrected_by=corrected_by,
        breach=breach,
        scorecard=scorecard,
    )


def scorecard_list_for_user(*, user, vendor=None, rag: str | None = None, month: date | None = None):
    scorecards = policy.scope(user, Scorecard.objects.select_related("vendor"))
    if vendor is not None:
        scorecards = scorecards.filter(vendor=vendor)
    if rag:
        scorecards = scorecards.filter(rag=rag)
    if month:
        scorecards = scorecards.filter(period_start=month.replace(day=1))
    return scorecards.order_by("-period_start", "rank", "vendor__name", "id")
