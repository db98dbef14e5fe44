"""Reads of figures, uploads and evidence for one user: scoped by the access policy, prefetched."""

from datetime import date

from django.db.models import Count, Prefetch, QuerySet

from accounts import policy

from ..models import (
    Dispute,
    DisputeStatus,
    EvidenceFile,
    Measurement,
    MeasurementStatus,
    MeasurementUpload,
    ServiceLevel,
)

_RELATED = (
    "service_level__metric",
    "service_level__contract__vendor",
    "submitted_by",
    "reviewed_by",
    "supersedes",
    "superseded_by",
    "upload",
)


def _with_evidence(queryset: QuerySet) -> QuerySet:
    return queryset.prefetch_related(
        Prefetch("evidence", queryset=EvidenceFile.objects.order_by("uploaded_at", "pk"))
    )


def _disputes() -> QuerySet[Dispute]:
    return Dispute.objects.select_related("raised_by", "resolved_by").order_by("-raised_at", "-pk")


def measurements_for_user(
    *,
    user,
    vendor_id: int | None = None,
    service_level_id: int | None = None,
    status: str | None = None,
    late: bool = False,
    current: bool = False,
    date_from: date | None = None,
    date_to: date | None = None,
    with_disputes: bool = False,
) -> QuerySet[Measurement]:
    """Figures the user may see, newest day first; corrections sit beside the figures they replace."""
    figures = policy.scope(user, _with_evidence(Measurement.objects.select_related(*_RELATED)))
    if with_disputes:
        figures = figures.prefetch_related(Prefetch("disputes", queryset=_disputes()))
    if vendor_id:
        figures = figures.filter(service_level__contract__vendor_id=vendor_id)
    if service_level_id:
        figures = figures.filter(service_level_id=service_level_id)
    if status:
        figures = figures.filter(status=status)
    if late:
        figures = figures.filter(is_late=True)
    if current:
        figures = figures.filter(is_current=True)
    if date_from:
        figures = figures.filter(measured_on__gte=date_from)
    if date_to:
        figures = figures.filter(measured_on__lte=date_to)
    return figures.order_by("-measured_on", "service_level_id", "-submitted_at", "-pk")


def validation_queue_for_user(
    *, user, vendor_id: int | None = None, service_level_id: int | None = None, late: bool = False
) -> QuerySet[Measurement]:
    """Current figures vendor users submitted that no manager has reviewed yet, oldest submission first."""
    return (
        measurements_for_user(user=user, vendor_id=vendor_id, service_level_id=service_level_id, late=late)
        .filter(status=MeasurementStatus.SUBMITTED, is_current=True, submitted_by__vendor__isnull=False)
        .order_by("submitted_at", "pk")
    )


def validation_queue_vendors(*, user) -> list[dict]:
    """The vendors with figures waiting, with how many: [{id, name, waiting}] in one query."""
    rows = (
        validation_queue_for_user(user=user)
        .order_by()
        .values("service_level__contract__vendor_id", "service_level__contract__vendor__name")
        .annotate(waiting=Count("id"))
        .order_by("service_level__contract__vendor__name")
    )
    return [
        {
            "id": row["service_level__contract__vendor_id"],
            "name": row["service_level__contract__vendor__name"],
            "waiting": row["waiting"],
        }
        for row in rows
    ]


def validation_queue_service_levels(*, user, vendor_id: int) -> list[dict]:
    """One vendor's service levels with figures waiting: [{id, name, waiting}] in one query."""
    rows = (
        validation_queue_for_user(user=user, vendor_id=vendor_id)
        .order_by()
        .values("service_level_id", "service_level__metric__name", "service_level__contract__reference")
        .annotate(waiting=Count("id"))
        .order_by("service_level__metric__name", "service_level__contract__reference")
    )
    return [
        {
            "id": row["service_level_id"],
            "name": f"{row['service_level__metric__name']} — {row['service_level__contract__reference']}",
            "waiting": row["waiting"],
        }
        for row in rows
    ]


def measurement_for_user(*, user, pk: int) -> Measurement:
    """One figure the user may see (404 otherwise), with its service level, people and evidence."""
    return policy.get_visible_or_404(
        user, _with_evidence(Measurement.objects.select_related(*_RELATED)), pk=pk
    )


def figure_disputes(*, measurement: Measurement) -> list[Dispute]:
    """Every dispute of the figure, newest first, open or decided (both sides see them)."""
    return list(_disputes().filter(measurement=measurement))


OPEN_DISPUTES_SHOWN = 50


def open_figure_disputes_for_user(*, user) -> list[Dispute]:
    """Open disputes of figures, oldest first; ``OPEN_DISPUTES_SHOWN`` + 1 at most (to tell of more)."""
    disputes = policy.scope(
        user,
        Dispute.objects.filter(status=DisputeStatus.OPEN, measurement__isnull=False).select_related(
            "vendor",
            "raised_by",
            "measurement__service_level__metric",
            "measurement__service_level__contract",
        ),
    )
    return list(disputes.order_by("raised_at", "pk")[: OPEN_DISPUTES_SHOWN + 1])


OPEN_REQUESTS_SHOWN = 50


def open_correction_requests_for_user(*, user) -> list[Measurement]:
    """Correction requests waiting for a manager, oldest first; ``OPEN_REQUESTS_SHOWN`` + 1 at most."""
    requests = policy.scope(
        user,
        Measurement.objects.filter(status=MeasurementStatus.REQUESTED).select_related(
            "service_level__metric", "service_level__contract__vendor", "submitted_by", "corrects"
        ),
    )
    return list(requests.order_by("submitted_at", "pk")[: OPEN_REQUESTS_SHOWN + 1])


def correction_requests_of(*, measurement: Measurement) -> list[Measurement]:
    """Every correction request of the figure, newest first, open or decided (both sides see them)."""
    return list(
        Measurement.objects.filter(corrects=measurement)
        .select_related("service_level__metric", "submitted_by", "reviewed_by")
        .order_by("-submitted_at", "-pk")
    )


def measurement_history(*, measurement: Measurement) -> list[Measurement]:
    """The figure's chain of corrections, oldest first: what it replaced and what replaced it."""
    same_day = {
        m.pk: m
        for m in _with_evidence(
            Measurement.objects.filter(
                service_level_id=measurement.service_level_id, measured_on=measurement.measured_on
            ).select_related("service_level__metric", "submitted_by", "reviewed_by")
        )
    }
    replaced_by = {m.supersedes_id: m for m in same_day.values() if m.supersedes_id}
    first = same_day.get(measurement.pk, measurement)
    while first.supersedes_id in same_day:
        first = same_day[first.supersedes_id]
    chain = [first]
    while chain[-1].pk in replaced_by:
        chain.append(replaced_by[chain[-1].pk])
    return chain


def service_levels_for_user(
    *, user, vendor_id: int | None = None, active_only: bool = True
) -> QuerySet[ServiceLevel]:
    """Service levels the user may see (by default only those still reported on), by contract and metric."""
    levels = policy.scope(user, ServiceLevel.objects.select_related("metric", "contract"))
    if active_only:
        levels = levels.filter(is_active=True)
    if vendor_id:
        levels = levels.filter(contract__vendor_id=vendor_id)
    return levels.order_by("contract__reference", "metric__name")


def uploads_for_user(*, user, vendor_id: int | None = None) -> QuerySet[MeasurementUpload]:
    """Uploaded files, newest first, without their (possibly large) rows; with the number of figures saved."""
    uploads = policy.scope(
        user, MeasurementUpload.objects.select_related("vendor", "uploaded_by").defer("rows", "errors")
    )
    if vendor_id:
        uploads = uploads.filter(vendor_id=vendor_id)
    return uploads.annotate(saved=Count("measurements")).order_by("-uploaded_at", "-pk")


def upload_for_user(*, user, pk: int) -> MeasurementUpload:
    return policy.get_visible_or_404(
        user, MeasurementUpload.objects.select_related("vendor", "uploaded_by"), pk=pk
    )


def evidence_for_user(*, user, pk: int) -> EvidenceFile:
    return policy.get_visible_or_404(user, EvidenceFile.objects.all(), pk=pk)
