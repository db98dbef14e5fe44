"""Writes to the KPI domain: measurements (append-only, corrections supersede) and targets.

Late or corrected figures for a period that has already been evaluated queue that period
for re-evaluation in the same transaction, and ask the engine to run once committed.
"""

from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.audit import audit_record, audited_create

from .. import periods
from ..models import (
    Aggregation,
    Direction,
    Measurement,
    MeasurementSource,
    PendingEvaluation,
    ServiceLevel,
    ServiceLevelResult,
    ServiceLevelTarget,
)


def _decimal(value, field: str) -> Decimal:
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError, TypeError):
        raise ValidationError({field: f"{value!r} is not a number."}) from None
    if not number.is_finite():
        raise ValidationError({field: "The value must be a finite number."})
    return number


def measurement_validate(
    *, service_level: ServiceLevel, measured_on: date, value, denominator=None, today: date | None = None
) -> tuple[Decimal, Decimal | None]:
    """Check one figure against its service level; return the parsed (value, denominator)."""
    metric = service_level.metric
    value = _decimal(value, "value")
    denominator = None if denominator in (None, "") else _decimal(denominator, "denominator")
    today = today or periods.local_today()
    if measured_on > today:
        raise ValidationError({"measured_on": "Figures cannot be reported for a future date."})
    if measured_on < service_level.effective_from or (
        service_level.effective_to and measured_on > service_level.effective_to
    ):
        raise ValidationError({"measured_on": "The date is outside the service level's effective period."})
    if metric.aggregation == Aggregation.RATIO:
        if denominator is None or denominator <= 0:
            raise ValidationError(
                {"denominator": "This metric is a ratio: give the base count (above zero)."}
            )
        if value < 0 or value > denominator:
            raise ValidationError({"value": "The numerator must be between 0 and the denominator."})
    else:
        if denominator is not None:
            raise ValidationError({"denominator": "Only ratio metrics take a denominator."})
        if metric.min_value is not None and value < metric.min_value:
            raise ValidationError({"value": f"The value cannot be below {metric.min_value} {metric.unit}."})
        if metric.max_value is not None and value > metric.max_value:
            raise ValidationError({"value": f"The value cannot be above {metric.max_value} {metric.unit}."})
    return value, denominator


def _queue_if_evaluated(*, service_level: ServiceLevel, measured_on: date, now: datetime) -> bool:
    """Queue the period for re-evaluation when it is closed; return whether the figure is late."""
    start, end = periods.period_bounds(service_level.period, measured_on)
    late = periods.is_closed(end, service_level.grace_days, now)
    if late or ServiceLevelResult.objects.filter(service_level=service_level, period_start=start).exists():
        PendingEvaluation.objects.bulk_create(
            [PendingEvaluation(service_level=service_level, period_start=start)], ignore_conflicts=True
        )
        transaction.on_commit(_request_evaluation)
    return late


def _request_evaluation() -> None:
    from ..tasks import evaluate_due

    evaluate_due.delay()


@transaction.atomic
def measurement_submit(
    *,
    service_level: ServiceLevel,
    measured_on: date,
    value,
    actor,
    denominator=None,
    source: str = MeasurementSource.FORM,
    note: str = "",
    now: datetime | None = None,
) -> Measurement:
    """Record one figure. A figure after the period's reporting deadline is accepted and marked late."""
    now = now or timezone.now()
    value, denominator = measurement_validate(
        service_level=service_level,
        measured_on=measured_on,
        value=value,
        denominator=denominator,
        today=periods.local_today(now),
    )
    late = _queue_if_evaluated(service_level=service_level, measured_on=measured_on, now=now)
    return audited_create(
        model=Measurement,
        actor=actor,
        service_level=service_level,
        measured_on=measured_on,
        value=value,
        denominator=denominator,
        source=source,
        submitted_by=actor,
        submitted_at=now,
        is_late=late,
        note=note,
    )


@transaction.atomic
def measurement_correct(
    *, measurement: Measurement, value, reason: str, actor, denominator=None, now: datetime | None = None
) -> Measurement:
    """Supersede a figure with a corrected one; the old row stays, no longer current."""
    now = now or timezone.now()
    if not reason.strip():
        raise ValidationError({"correction_reason": "Say why the figure is corrected."})
    service_level = measurement.service_level
    value, denominator = measurement_validate(
        service_level=service_level,
        measured_on=measurement.measured_on,
        value=value,
        denominator=denominator,
        today=periods.local_today(now),
    )
    # Claim the old row: only one correction can supersede it, even under concurrency.
    claimed = Measurement.objects.filter(pk=measurement.pk, is_current=True).update(is_current=False)
    if claimed != 1:
        raise ValidationError("This figure has already been corrected; correct the current figure instead.")
    late = _queue_if_evaluated(service_level=service_level, measured_on=measurement.measured_on, now=now)
    corrected = audited_create(
        model=Measurement,
        actor=actor,
        service_level=service_level,
        measured_on=measurement.measured_on,
        value=value,
        denominator=denominator,
        source=measurement.source,
        submitted_by=actor,
        submitted_at=now,
        supersedes=measurement,
        correction_reason=reason.strip(),
        is_late=late,
        note=f"Corrects {measurement.value} submitted {measurement.submitted_at:%Y-%m-%d}",
    )
    return corrected


@transaction.atomic
def service_level_change_target(
    *, service_level: ServiceLevel, target, minimum, effective_from: date, actor, reason: str = ""
) -> ServiceLevelTarget:
    """Change the expected and minimum levels from ``effective_from`` on.

    A period is judged by the levels in force on its first day, so the change reaches
    periods starting on or after ``effective_from`` and never earlier ones.
    """
    target, minimum = _decimal(target, "target"), _decimal(minimum, "minimum")
    if service_level.metric.direction == Direction.HIGHER and minimum > target:
        raise ValidationError(
            {"minimum": "When higher is better the minimum level cannot be above the target."}
        )
    if service_level.metric.direction == Direction.LOWER and minimum < target:
        raise ValidationError(
            {"minimum": "When lower is better the minimum level cannot be below the target."}
        )
    if effective_from < service_level.effective_from:
        raise ValidationError(
            {"effective_from": "The change cannot take effect before the service level starts."}
        )
    history = ServiceLevelTarget.objects.filter(service_level=service_level)
    if not history.filter(effective_from__lte=service_level.effective_from).exists():
        ServiceLevelTarget.objects.create(
            service_level=service_level,
            effective_from=service_level.effective_from,
            target=service_level.target,
            minimum=service_level.minimum,
            reason="Levels agreed at the start",
        )
    change, _ = ServiceLevelTarget.objects.update_or_create(
        service_level=service_level,
        effective_from=effective_from,
        defaults={"target": target, "minimum": minimum, "reason": reason},
    )
    latest = history.order_by("-effective_from").first()
    old = {"target": str(service_level.target), "minimum": str(service_level.minimum)}
    service_level.target, service_level.minimum = latest.target, latest.minimum
    service_level.save(update_fields=["target", "minimum", "updated_at"])
    audit_record(
        actor=actor,
        action="kpis.servicelevel.target_changed",
        obj=service_level,
        changes={
            "target": [old["target"], str(target)],
            "minimum": [old["minimum"], str(minimum)],
            "effective_from": [None, effective_from.isoformat()],
        },
        note=reason,
    )
    affected = ServiceLevelResult.objects.filter(
        service_level=service_level, period_start__gte=effective_from
    )
    PendingEvaluation.objects.bulk_create(
        [
            PendingEvaluation(service_level=service_level, period_start=s)
            for s in affected.values_list("period_start", flat=True)
        ],
        ignore_conflicts=True,
    )
    transaction.on_commit(_request_evaluation)
    return change
