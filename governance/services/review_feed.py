"""A locked performance review feeds the vendor's scorecard, through the KPI domain and its engine.

The scorecard's relationship score is the weighted points of the vendor's relationship-category
service level results (met 100, warning the scheme's warning points, breached or missing 0). A review
reaches it the way any figure does, with no special case in the engine:

- the catalogue metric "Performance review score" (``performance-review-score``: %, higher is better,
  averaged, category relationship) is created on first use;
- the vendor's primary contract (its active MSA, else its earliest active contract) gets a quarterly
  KPI on that metric, expected 75 %, minimum 60 %, created on first use; managers may change its levels
  and weight like any other service level's;
- on lock, the manager's relationship-category score becomes one system measurement per quarter of the
  review's period (dated the quarter's last day, or today while the quarter runs), through
  ``kpis.services.measurement_submit``. That service queues closed periods for re-evaluation and asks
  the engine to run on commit, exactly as for late data; open quarters are evaluated when they close.

The service level is in force over the periods reviewed so far: its ``effective_to`` moves to the end
of each locked review's period, so quarters not reviewed yet are not judged "not reported" (a period
skipped between two locked reviews is, like any missing figure). Periods the KPI domain has locked
(ended over a year ago, or settled) take no figure; they are skipped and named in the audit trail.
"""

from datetime import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Case, IntegerField, Q, Value, When

from accounts import policy
from accounts.audit import audit_record, audited_create, audited_update
from contracts.models import Contract, ContractStatus, ContractType
from kpis import periods
from kpis.models import (
    Aggregation,
    Direction,
    MeasurementPeriod,
    MeasurementSource,
    Metric,
    MetricCategory,
    ServiceLevel,
    ServiceLevelKind,
)
from kpis.services import measurement_submit

from ..models import Review, ReviewScore, Side

METRIC_CODE = "performance-review-score"
METRIC_NAME = "Performance review score"
EXPECTED_LEVEL = Decimal("75")
MINIMUM_LEVEL = Decimal("60")


def primary_contract(vendor_id: int) -> Contract | None:
    """The contract a relationship is measured on: the active MSA, else the earliest active contract."""
    msa_first = Case(
        When(contract_type=ContractType.MSA, then=Value(0)), default=Value(1), output_field=IntegerField()
    )
    return (
        Contract.objects.filter(vendor_id=vendor_id, status=ContractStatus.ACTIVE)
        .order_by(msa_first, "start_date", "pk")
        .first()
    )


def review_metric() -> Metric:
    metric = Metric.objects.filter(Q(code=METRIC_CODE) | Q(name=METRIC_NAME)).order_by("pk").first()
    if metric is not None:
        return metric
    try:
        with transaction.atomic():
            metric = Metric(
                code=METRIC_CODE,
                name=METRIC_NAME,
                unit="%",
                direction=Direction.HIGHER,
                aggregation=Aggregation.AVG,
                category=MetricCategory.RELATIONSHIP,
                min_value=Decimal("0"),
                max_value=Decimal("100"),
                description="The client's relationship score from signed performance reviews (0–100).",
                computed_by_portal=True,
            )
            metric.full_clean(validate_unique=False)
            metric.save()
    except IntegrityError:
        # Created by a concurrent lock.
        return Metric.objects.filter(Q(code=METRIC_CODE) | Q(name=METRIC_NAME)).order_by("pk").first()
    audit_record(actor=None, action="kpis.metric.created", obj=metric, note="For performance review scores")
    return metric


def _review_service_level(*, contract: Contract, review: Review, actor) -> ServiceLevel:
    """The contract's review-score service level, in force over ``review``'s period."""
    metric = review_metric()
    service_level = (
        ServiceLevel.objects.select_for_update()
        .select_related("metric", "contract")
        .filter(contract=contract, metric=metric)
        .first()
    )
    if service_level is None:
        try:
            with transaction.atomic():
                service_level = audited_create(
                    model=ServiceLevel,
                    actor=actor,
                    note="Carries the scores of signed performance reviews",
                    contract=contract,
                    metric=metric,
                    kind=ServiceLevelKind.KPI,
                    target=EXPECTED_LEVEL,
                    minimum=MINIMUM_LEVEL,
                    period=MeasurementPeriod.QUARTERLY,
                    effective_from=review.period_start,
                    effective_to=review.period_end,
                )
        except (IntegrityError, ValidationError):
            # Created by a concurrent lock of another review of the same vendor.
            service_level = ServiceLevel.objects.select_for_update().get(contract=contract, metric=metric)
        return ServiceLevel.objects.select_related("metric", "contract").get(pk=service_level.pk)
    extend = {}
    if service_level.effective_to is not None and service_level.effective_to < review.period_end:
        extend["effective_to"] = review.period_end
    if service_level.effective_from > review.period_start:
        extend["effective_from"] = review.period_start
    if extend:
        audited_update(
            instance=service_level, actor=actor, data=extend, note=f"Extended to cover the review {review}"
        )
    return service_level


def _manager_relationship_score(review: Review) -> Decimal | None:
    return (
        ReviewScore.objects.filter(review=review, side=Side.INTERNAL, category=MetricCategory.RELATIONSHIP)
        .values_list("score", flat=True)
        .first()
    )


def _figure_actor(review: Review, actor):
    """The manager who scored the review enters the figure (validated at once); else whoever locked it."""
    if review.assessed_by_id and policy.sees_internal(review.assessed_by):
        return review.assessed_by
    return actor


def feed_scorecard(*, review: Review, actor, now: datetime) -> list:
    """Record the locked review's relationship score as system measurements; returns them.

    Runs inside the lock's transaction, so the lock and its figures commit together.
    """
    score = _manager_relationship_score(review)
    contract = primary_contract(review.vendor_id)
    if score is None or contract is None:
        reason = (
            "it has no manager's relationship score" if score is None else "the vendor has no active contract"
        )
        audit_record(
            actor=actor,
            action="governance.review.not_scored",
            obj=review,
            note=f"The review does not feed the scorecard: {reason}.",
        )
        return []
    service_level = _review_service_level(contract=contract, review=review, actor=actor)
    if not service_level.is_active:
        return []
    today = periods.local_today(now)
    figure_actor = _figure_actor(review, actor)
    figures, skipped = [], []
    for start, end in periods.periods_between(service_level.period, review.period_start, review.period_end):
        measured_on = min(end, today, review.period_end)
        measured_on = max(measured_on, review.period_start, start)
        if measured_on > today:
            continue  # a review signed before its period began; nothing to record yet
        try:
            figures.append(
                measurement_submit(
                    service_level=service_level,
                    measured_on=measured_on,
                    value=score,
                    actor=figure_actor,
                    source=MeasurementSource.SYSTEM,
                    note=f"Performance review {review.period_start:%d %b %Y} – {review.period_end:%d %b %Y}",
                    now=now,
                )
            )
        except ValidationError as error:
            skipped.append(f"{start:%d %b %Y}: {' '.join(error.messages)}")
    if skipped:
        audit_record(
            actor=actor,
            action="governance.review.not_scored",
            obj=review,
            note="Periods left out of the scorecard: " + "; ".join(skipped),
        )
    return figures
