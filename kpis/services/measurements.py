"""Writes to the KPI domain: measurements (append-only, corrections supersede) and targets.

Late or corrected figures for a period that has already been evaluated queue that period
for re-evaluation in the same transaction, and ask the engine to run once committed.
A period is locked once it ended more than ``LOCK_AFTER_MONTHS`` ago or once a manager has settled
its breach (resolved or waived): no new figure or correction reaches it after that.
"""

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts import policy
from accounts.audit import action_code, audit_record, audited_create
from accounts.models import AuditEvent
from accounts.queue import task_named

from .. import periods
from ..models import (
    Aggregation,
    Breach,
    BreachStatus,
    Direction,
    Measurement,
    MeasurementSource,
    MeasurementStatus,
    PendingEvaluation,
    ServiceLevel,
    ServiceLevelResult,
    ServiceLevelTarget,
)
from .evidence import evidence_attach

LOCK_AFTER_MONTHS = 12
SETTLED_BREACH_STATUSES = (BreachStatus.RESOLVED, BreachStatus.WAIVED)
# The value columns hold 18 digits, four of them after the point.
MAX_DECIMAL_PLACES = 4
MAX_MAGNITUDE = Decimal(10) ** 14
NOTE_MAX_LENGTH = Measurement._meta.get_field("note").max_length


COMPUTED_BY_PORTAL = (
    "The portal computes this service level's figures itself; they cannot be reported or corrected by hand."
)


def _decimal(value, field: str) -> Decimal:
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError, TypeError):
        raise ValidationError({field: f"{value!r} is not a number."}) from None
    if not number.is_finite():
        raise ValidationError({field: "The value must be a finite number."})
    if number.normalize().as_tuple().exponent < -MAX_DECIMAL_PLACES:
        raise ValidationError({field: f"Give at most {MAX_DECIMAL_PLACES} decimal places."})
    if abs(number) >= MAX_MAGNITUDE:
        raise ValidationError({field: "The number is too large."})
    return number


def lock_cutoff(today: date) -> date:
    """Periods that ended before this day (the same day ``LOCK_AFTER_MONTHS`` earlier) are locked by age."""
    year, month = divmod(today.year * 12 + today.month - 1 - LOCK_AFTER_MONTHS, 12)
    first = date(year, month + 1, 1)
    last_day = (periods.next_period_start(periods.MONTHLY, first) - timedelta(days=1)).day
    return first.replace(day=min(today.day, last_day))


def settled_periods(service_level_ids: Iterable[int]) -> set[tuple[int, date]]:
    """(service level id, period start) of every period whose breach a manager has settled."""
    return set(
        Breach.objects.filter(
            service_level_id__in=list(service_level_ids), status__in=SETTLED_BREACH_STATUSES
        ).values_list("service_level_id", "period_start")
    )


def period_lock_reason(
    *, service_level: ServiceLevel, measured_on: date, today: date, settled: set | None = None
) -> str | None:
    """Why the period holding ``measured_on`` takes no more figures, or None while it is open."""
    start, end = periods.period_bounds(service_level.period, measured_on)
    if end < lock_cutoff(today):
        return (
            f"The period {start:%d %b %Y} – {end:%d %b %Y} is locked: "
            f"periods that ended more than {LOCK_AFTER_MONTHS} months ago take no more figures."
        )
    if settled is None:
        settled = settled_periods([service_level.pk])
    if (service_level.pk, start) in settled:
        return (
            f"The period {start:%d %b %Y} – {end:%d %b %Y} is locked: "
            "its breach has been settled (resolved or waived)."
        )
    return None


def measurement_validate(
    *,
    service_level: ServiceLevel,
    measured_on: date,
    value,
    denominator=None,
    today: date | None = None,
    settled: set | None = None,
    source: str = MeasurementSource.FORM,
) -> tuple[Decimal, Decimal | None]:
    """Check one figure against its service level; return the parsed (value, denominator).

    ``settled`` (from ``settled_periods``) spares a query per figure when many are checked.
    """
    metric = service_level.metric
    if metric.computed_by_portal and source != MeasurementSource.SYSTEM:
        raise ValidationError({"service_level": COMPUTED_BY_PORTAL})
    value = _decimal(value, "value")
    denominator = None if denominator in (None, "") else _decimal(denominator, "denominator")
    today = today or periods.local_today()
    if measured_on > today:
        raise ValidationError({"measured_on": "Figures cannot be reported for a future date."})
    if measured_on < service_level.effective_from or (
        service_level.effective_to and measured_on > service_level.effective_to
    ):
        raise ValidationError({"measured_on": "The date is outside the service level's effective period."})
    locked = period_lock_reason(
        service_level=service_level, measured_on=measured_on, today=today, settled=settled
    )
    if locked:
        raise ValidationError({"measured_on": locked})
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
        low, high = metric.min_value, metric.max_value
        if metric.unit.strip() == "%":
            # A percentage lies between 0 and 100 even where the catalogue gives no range.
            low = Decimal(0) if low is None else low
            high = Decimal(100) if high is None else high
        if low is not None and value < low:
            raise ValidationError({"value": f"The value cannot be below {_plain(low)} {metric.unit}."})
        if high is not None and value > high:
            raise ValidationError({"value": f"The value cannot be above {_plain(high)} {metric.unit}."})
    return value, denominator


def _plain(number: Decimal) -> str:
    """100.0000 → 100, 99.5000 → 99.5."""
    return f"{number.normalize():f}" if number != number.to_integral_value() else f"{number:.0f}"


def initial_review(actor, now: datetime) -> dict:
    """A figure entered by the client's own staff needs no manager's validation (it is theirs) but counts
    only once the vendor has let it stand; a vendor's figure waits for a manager."""
    if policy.sees_internal(actor):
        return {
            "status": MeasurementStatus.VALIDATED,
            "reviewed_by": actor,
            "reviewed_at": now,
            "entered_by_client": True,
        }
    return {"status": MeasurementStatus.SUBMITTED}


def correction_needs_review(*, measurement: Measurement, actor, now: datetime) -> bool:
    """Whether a correction by ``actor`` is a correction request rather than a new current figure.

    A vendor's correction of a figure that counts on the client's side (validated by a manager, entered
    by the client, or left to stand ``FIGURES_COUNT_AFTER_DAYS``) waits for a manager to accept it.
    """
    if policy.sees_internal(actor):
        return False
    if measurement.status == MeasurementStatus.VALIDATED or measurement.entered_by_client:
        return True
    wait = settings.FIGURES_COUNT_AFTER_DAYS
    return (
        wait > 0
        and measurement.status == MeasurementStatus.SUBMITTED
        and measurement.submitted_at <= now - timedelta(days=wait)
    )


def queue_reevaluation(figures: Iterable[Measurement]) -> None:
    """Queue the periods of ``figures`` (their service levels loaded) whose counting changed.

    A period still open is evaluated when it closes anyway; queuing it does no harm.
    """
    pairs = {
        (m.service_level_id, periods.period_bounds(m.service_level.period, m.measured_on)[0]) for m in figures
    }
    if not pairs:
        return
    PendingEvaluation.objects.bulk_create(
        [PendingEvaluation(service_level_id=sl_id, period_start=start) for sl_id, start in sorted(pairs)],
        ignore_conflicts=True,
    )
    transaction.on_commit(request_evaluation)


def _queue_if_evaluated(*, service_level: ServiceLevel, measured_on: date, now: datetime) -> bool:
    """Queue the period for re-evaluation when it is closed; return whether the figure is late."""
    start, end = periods.period_bounds(service_level.period, measured_on)
    late = periods.is_closed(end, service_level.grace_days, now)
    if late or ServiceLevelResult.objects.filter(service_level=service_level, period_start=start).exists():
        PendingEvaluation.objects.bulk_create(
            [PendingEvaluation(service_level=service_level, period_start=start)], ignore_conflicts=True
        )
        transaction.on_commit(request_evaluation)
    return late


def request_evaluation() -> None:
    """Ask the engine to run; queued with transaction.on_commit by the writes above."""
    task_named("kpis.tasks.evaluate_due").delay()


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
    evidence=None,
    now: datetime | None = None,
) -> Measurement:
    """Record one figure, with an optional evidence file.

    A figure after the period's reporting deadline is accepted and marked late.
    """
    now = now or timezone.now()
    value, denominator = measurement_validate(
        service_level=service_level,
        measured_on=measured_on,
        value=value,
        denominator=denominator,
        today=periods.local_today(now),
        source=source,
    )
    note = (note or "").strip()
    if len(note) > NOTE_MAX_LENGTH:
        raise ValidationError({"note": f"The note can be at most {NOTE_MAX_LENGTH} characters."})
    late = _queue_if_evaluated(service_level=service_level, measured_on=measured_on, now=now)
    figure = audited_create(
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
        **initial_review(actor, now),
    )
    if note:
        # audited_create's own ``note`` is the trail's note (above); the figure keeps it too.
        Measurement.objects.filter(pk=figure.pk).update(note=note)
        figure.note = note
    if evidence is not None:
        evidence_attach(uploaded_file=evidence, actor=actor, measurement=figure, now=now)
    return figure


@transaction.atomic
def measurement_correct(
    *, measurement: Measurement, value, reason: str, actor, denominator=None, now: datetime | None = None
) -> Measurement:
    """Supersede a figure with a corrected one; the old row stays, no longer current.

    A vendor's correction of a figure that counts on the client's side is a correction request
    instead (``correction_needs_review``): returned with status "requested", it replaces nothing
    until a manager accepts it (``correction_request_decide``).
    """
    now = now or timezone.now()
    if not reason.strip():
        raise ValidationError({"correction_reason": "Say why the figure is corrected."})
    service_level = measurement.service_level
    if service_level.metric.computed_by_portal:
        raise ValidationError({"service_level": COMPUTED_BY_PORTAL})
    value, denominator = measurement_validate(
        service_level=service_level,
        measured_on=measurement.measured_on,
        value=value,
        denominator=denominator,
        today=periods.local_today(now),
    )
    if correction_needs_review(measurement=measurement, actor=actor, now=now):
        return _correction_request(
            measurement=measurement, value=value, denominator=denominator, reason=reason, actor=actor, now=now
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
        **initial_review(actor, now),
    )
    return corrected


def _correction_request(
    *, measurement: Measurement, value: Decimal, denominator, reason: str, actor, now: datetime
) -> Measurement:
    """The vendor's corrected figure, kept aside until a manager accepts it; the old figure keeps counting."""
    if not Measurement.objects.filter(pk=measurement.pk, is_current=True).exists():
        raise ValidationError("This figure has already been corrected; correct the current figure instead.")
    start, end = periods.period_bounds(measurement.service_level.period, measurement.measured_on)
    try:
        # One open request per figure, by a partial unique index, even for concurrent submits.
        with transaction.atomic():
            request = audited_create(
                model=Measurement,
                actor=actor,
                service_level=measurement.service_level,
                measured_on=measurement.measured_on,
                value=value,
                denominator=denominator,
                source=measurement.source,
                submitted_by=actor,
                submitted_at=now,
                corrects=measurement,
                is_current=False,
                status=MeasurementStatus.REQUESTED,
                correction_reason=reason.strip(),
                is_late=periods.is_closed(end, measurement.service_level.grace_days, now),
                note=f"Correction requested of {measurement.value} "
                f"submitted {measurement.submitted_at:%Y-%m-%d}",
            )
    except IntegrityError:
        raise ValidationError(
            "A correction of this figure is already waiting for a manager's decision."
        ) from None
    queue_reevaluation([request])
    return request


def audit_many(*, actor, verb: str, objects, changes, vendor_ids: dict[int, int], note: str = "") -> None:
    """One audit event per object in a single INSERT, for writes that touch many rows at once.

    ``changes`` maps an object to its {field: [old, new]}; ``vendor_ids`` maps object ids to vendors.
    """
    AuditEvent.objects.bulk_create(
        [
            AuditEvent(
                actor=actor if getattr(actor, "pk", None) else None,
                action=action_code(obj, verb),
                object_type=obj._meta.label_lower,
                object_id=str(obj.pk),
                object_repr=str(obj)[:200],
                vendor_id=vendor_ids.get(obj.pk),
                changes=changes(obj),
                note=note,
            )
            for obj in objects
        ],
        batch_size=500,
    )


@transaction.atomic
def first_changeable_period(service_level: ServiceLevel, *, now: datetime | None = None) -> date:
    """The first day of the current open period: the earliest a target change may take effect."""
    return periods.period_start(service_level.period, periods.local_today(now))


def service_level_change_target(
    *,
    service_level: ServiceLevel,
    target,
    minimum,
    effective_from: date,
    actor,
    reason: str = "",
    now: datetime | None = None,
) -> ServiceLevelTarget:
    """Change the expected and minimum levels from ``effective_from`` on.

    A period is judged by the levels in force on its first day, so the change reaches
    periods starting on or after ``effective_from`` and never earlier ones; it may not take
    effect before the period open at ``now``.
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
    first_open = first_changeable_period(service_level, now=now)
    if effective_from < first_open:
        raise ValidationError(
            {
                "effective_from": "Targets never reach back: the change can take effect from the current "
                f"period (starting {first_open.day} {first_open:%B %Y}) at the earliest."
            }
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
    transaction.on_commit(request_evaluation)
    return change


@transaction.atomic
def measurements_submit_many(
    *,
    figures: list[dict],
    actor,
    source: str = MeasurementSource.API,
    save: bool = True,
    now: datetime | None = None,
) -> list:
    """Check many figures at once and, when every one is valid, record them in one bulk insert.

    Each figure is a dict with ``service_level`` (its metric and contract loaded), ``measured_on``,
    ``value`` and optionally ``denominator`` and ``note``. Returns, per figure and in order, the
    ``Measurement`` or the ``ValidationError`` that keeps it out. Nothing is saved unless ``save``
    and every figure is valid, so a caller wanting per-figure results passes only the good ones.
    Late figures and figures for already evaluated periods queue those periods for re-evaluation,
    as ``measurement_submit`` does for one; the audit trail gets one row per figure in one insert.
    """
    now = now or timezone.now()
    today = periods.local_today(now)
    settled = settled_periods({figure["service_level"].pk for figure in figures})
    review = initial_review(actor, now)
    checked: list = []
    for figure in figures:
        service_level = figure["service_level"]
        try:
            value, denominator = measurement_validate(
                service_level=service_level,
                measured_on=figure["measured_on"],
                value=figure["value"],
                denominator=figure.get("denominator"),
                today=today,
                settled=settled,
                source=source,
            )
            note = (figure.get("note") or "").strip()
            if len(note) > NOTE_MAX_LENGTH:
                raise ValidationError({"note": f"The note can be at most {NOTE_MAX_LENGTH} characters."})
        except ValidationError as error:
            checked.append(error)
            continue
        start, end = periods.period_bounds(service_level.period, figure["measured_on"])
        figure_row = Measurement(
            service_level=service_level,
            measured_on=figure["measured_on"],
            value=value,
            denominator=denominator,
            note=note,
            source=source,
            submitted_by=actor,
            submitted_at=now,
            is_late=periods.is_closed(end, service_level.grace_days, now),
            **review,
        )
        figure_row.period_start = start
        checked.append(figure_row)
    if not save or not checked or any(isinstance(item, ValidationError) for item in checked):
        return checked
    touched = {(m.service_level_id, m.period_start) for m in checked}
    evaluated = set(
        ServiceLevelResult.objects.filter(
            service_level_id__in={sl_id for sl_id, _ in touched},
            period_start__in={start for _, start in touched},
        ).values_list("service_level_id", "period_start")
    )
    due = {(m.service_level_id, m.period_start) for m in checked if m.is_late} | (evaluated & touched)
    saved = Measurement.objects.bulk_create(checked, batch_size=500)
    if due:
        PendingEvaluation.objects.bulk_create(
            [PendingEvaluation(service_level_id=sl_id, period_start=start) for sl_id, start in sorted(due)],
            ignore_conflicts=True,
        )
        transaction.on_commit(request_evaluation)
    audit_many(
        actor=actor,
        verb="created",
        objects=saved,
        changes=lambda m: {
            "value": [None, str(m.value)],
            "measured_on": [None, m.measured_on.isoformat()],
            **({"denominator": [None, str(m.denominator)]} if m.denominator is not None else {}),
            "source": [None, source],
        },
        vendor_ids={m.pk: policy.vendor_id_of(m) for m in saved},
    )
    return saved
