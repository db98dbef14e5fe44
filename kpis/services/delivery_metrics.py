"""Delivery metrics computed from the contracts' deliverables, scored by the engine like any other figure.

Per contract and closed month, over the deliverables due that month:

- **On-time delivery**: the share first handed over on or before their due date (one still not delivered
  counts as late);
- **First-time acceptance**: of those the client has decided on, the share accepted without ever being
  rejected (those still awaiting a decision are left out until decided).

Each is recorded as one validated figure (source "system") dated the month's last day, on a service level
of the "delivery" category that is created for a contract with deliverables when it has none. A month
with nothing due (or nothing decided) records 100%: there was no late delivery or rejection to count, and
a system figure is never missing. Re-running changes nothing; a changed count (a later acceptance, a
deliverable added) supersedes the figure and queues its period for re-evaluation.
"""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from accounts.audit import audited_create
from contracts.models import Deliverable, DeliverableStatus

from .. import periods
from ..models import (
    Aggregation,
    Direction,
    Measurement,
    MeasurementPeriod,
    MeasurementSource,
    MeasurementStatus,
    Metric,
    MetricCategory,
    PendingEvaluation,
    ServiceLevel,
)
from .measurements import lock_cutoff, request_evaluation, settled_periods

SCORED_CONTRACT_STATUSES = ("active", "expired", "terminated")
HUNDRED = Decimal("100")


@dataclass(frozen=True)
class SystemMetric:
    code: str
    name: str
    description: str
    target: Decimal
    minimum: Decimal


ON_TIME_DELIVERY = SystemMetric(
    code="on-time-delivery",
    name="On-time delivery",
    description="Deliverables due in the month first delivered by their due date ÷ deliverables due "
    "(computed by the portal from the deliverables).",
    target=Decimal("95"),
    minimum=Decimal("85"),
)
FIRST_TIME_ACCEPTANCE = SystemMetric(
    code="first-time-acceptance",
    name="First-time acceptance",
    description="Deliverables due in the month accepted without a rejection ÷ those decided "
    "(computed by the portal from the deliverables).",
    target=Decimal("90"),
    minimum=Decimal("75"),
)
SYSTEM_METRICS = (ON_TIME_DELIVERY, FIRST_TIME_ACCEPTANCE)


def ensure_metrics() -> dict[str, Metric]:
    """The two catalogue entries, created on first use."""
    metrics = {}
    for spec in SYSTEM_METRICS:
        metrics[spec.code], _ = Metric.objects.get_or_create(
            code=spec.code,
            defaults={
                "name": spec.name,
                "unit": "%",
                "direction": Direction.HIGHER,
                "aggregation": Aggregation.AVG,
                "category": MetricCategory.DELIVERY,
                "min_value": Decimal("0"),
                "max_value": HUNDRED,
                "description": spec.description,
                "computed_by_portal": True,
            },
        )
    return metrics


@dataclass(frozen=True)
class MonthFigure:
    value: Decimal
    note: str


def _percent(part: int, whole: int) -> Decimal:
    return (Decimal(part) * HUNDRED / Decimal(whole)).quantize(Decimal("0.0001"))


def month_figures(deliverables: list[Deliverable]) -> dict[str, MonthFigure]:
    """Both figures of one contract-month from the deliverables due in it."""
    due = len(deliverables)
    on_time = sum(
        1
        for d in deliverables
        if d.first_delivered_at is not None and timezone.localdate(d.first_delivered_at) <= d.due_date
    )
    decided = [d for d in deliverables if d.status == DeliverableStatus.ACCEPTED or d.rejection_count > 0]
    first_time = sum(1 for d in decided if d.status == DeliverableStatus.ACCEPTED and d.rejection_count == 0)
    return {
        ON_TIME_DELIVERY.code: MonthFigure(
            _percent(on_time, due) if due else HUNDRED,
            f"{on_time} of {due} deliverables due delivered on time" if due else "No deliverables due",
        ),
        FIRST_TIME_ACCEPTANCE.code: MonthFigure(
            _percent(first_time, len(decided)) if decided else HUNDRED,
            f"{first_time} of {len(decided)} decided deliverables accepted first time"
            if decided
            else "No deliverables due were decided yet",
        ),
    }


def month_end(day: dt.date) -> dt.date:
    return periods.next_period_start(periods.MONTHLY, day.replace(day=1)) - dt.timedelta(days=1)


def _month_ends(first: dt.date, last: dt.date) -> list[dt.date]:
    """The last day of every month from ``first``'s month to ``last``'s month."""
    ends, day = [], month_end(first)
    while day <= last:
        ends.append(day)
        day = month_end(day + dt.timedelta(days=1))
    return ends


@dataclass
class DeliveryMetricsRun:
    created_service_levels: list[int] = field(default_factory=list)
    recorded: list[int] = field(default_factory=list)
    superseded: list[int] = field(default_factory=list)


def _service_levels(contracts: dict[int, dt.date], metrics: dict[str, Metric], run, since: dt.date) -> dict:
    """{(contract id, metric code): service level}, creating the missing ones, effective from the month of
    the contract's earliest deliverable or from ``since`` (the oldest month still taking figures)."""
    by_key = {
        (sl.contract_id, sl.metric.code): sl
        for sl in ServiceLevel.objects.filter(
            contract_id__in=list(contracts), metric__in=list(metrics.values())
        ).select_related("metric")
    }
    for contract_id, earliest in contracts.items():
        for spec in SYSTEM_METRICS:
            if (contract_id, spec.code) in by_key:
                continue
            sl = audited_create(
                model=ServiceLevel,
                actor=None,
                note="Created to score the contract's deliverables",
                contract_id=contract_id,
                metric=metrics[spec.code],
                target=spec.target,
                minimum=spec.minimum,
                period=MeasurementPeriod.MONTHLY,
                grace_days=1,
                effective_from=max(earliest.replace(day=1), since),
            )
            by_key[(contract_id, spec.code)] = sl
            run.created_service_levels.append(sl.pk)
    return by_key


@transaction.atomic
def record_delivery_metrics(*, now: datetime | None = None) -> DeliveryMetricsRun:
    """Record (or correct) both figures for every contract with deliverables and every closed month since
    its first deliverable was due, as far back as periods still take figures. A constant number of reads;
    one write per new or changed figure."""
    now = now or timezone.now()
    today = periods.local_today(now)
    last_closed = today.replace(day=1) - dt.timedelta(days=1)
    window_start = lock_cutoff(today).replace(day=1)
    run = DeliveryMetricsRun()
    deliverables = Deliverable.objects.filter(contract__status__in=SCORED_CONTRACT_STATUSES).order_by(
        "contract_id", "due_date"
    )
    earliest: dict[int, dt.date] = {}
    by_month: dict[tuple[int, dt.date], list[Deliverable]] = defaultdict(list)
    for deliverable in deliverables:
        earliest.setdefault(deliverable.contract_id, deliverable.due_date)
        if deliverable.due_date <= last_closed:
            by_month[(deliverable.contract_id, month_end(deliverable.due_date))].append(deliverable)
    if not earliest:
        return run
    service_levels = _service_levels(earliest, ensure_metrics(), run, window_start)
    current = {
        (m.service_level_id, m.measured_on): m
        for m in Measurement.objects.filter(
            service_level__in=list(service_levels.values()), is_current=True, measured_on__gte=window_start
        )
    }
    settled = settled_periods(sl.pk for sl in service_levels.values())
    touched = []
    for contract_id, first in earliest.items():
        # Every month the service levels are in force gets a figure, so none is ever "missing".
        start = min(first, *(service_levels[(contract_id, m.code)].effective_from for m in SYSTEM_METRICS))
        for day in _month_ends(max(start, window_start), last_closed):
            for code, figure in month_figures(by_month.get((contract_id, day), [])).items():
                sl = service_levels[(contract_id, code)]
                in_force = sl.effective_from <= day and (sl.effective_to is None or day <= sl.effective_to)
                if not in_force or (sl.pk, day.replace(day=1)) in settled:
                    continue
                existing = current.get((sl.pk, day))
                if existing is not None and existing.value == figure.value:
                    continue
                recorded = _record(sl, day, figure, existing, now)
                run.recorded.append(recorded.pk)
                if existing is not None:
                    run.superseded.append(existing.pk)
                touched.append(PendingEvaluation(service_level=sl, period_start=day.replace(day=1)))
    if touched:
        PendingEvaluation.objects.bulk_create(touched, ignore_conflicts=True)
        transaction.on_commit(request_evaluation)
    return run


def _record(sl: ServiceLevel, month_end: dt.date, figure: MonthFigure, existing, now) -> Measurement:
    fields = {
        "service_level": sl,
        "measured_on": month_end,
        "value": figure.value,
        "source": MeasurementSource.SYSTEM,
        "status": MeasurementStatus.VALIDATED,
        "submitted_at": now,
        "reviewed_at": now,
    }
    if existing is not None:
        # Claim the old figure first, so two runs cannot both supersede it.
        if Measurement.objects.filter(pk=existing.pk, is_current=True).update(is_current=False) != 1:
            raise RuntimeError("Another run is recording the delivery figures; this one stops.")
        fields.update(
            supersedes=existing, correction_reason=f"Recomputed from the deliverables: {figure.note}"
        )
    recorded = audited_create(model=Measurement, actor=None, note=figure.note, **fields)
    # audited_create's ``note`` is the trail's; the figure keeps the explanation too.
    Measurement.objects.filter(pk=recorded.pk).update(note=figure.note)
    recorded.note = figure.note
    return recorded
