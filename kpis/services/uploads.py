"""Bulk figures from a CSV or XLSX file: checked row by row, previewed, then confirmed all at once.

A file with any bad row saves nothing: every bad row is listed with its reason. Confirming writes
every row in one transaction, and only once however often it is asked (a conditional status update).
The file format and the template are in ``upload_files``.
"""

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from accounts import policy
from accounts.audit import audit_record

from .. import periods
from ..models import (
    Aggregation,
    Measurement,
    MeasurementSource,
    MeasurementUpload,
    PendingEvaluation,
    ServiceLevel,
    ServiceLevelResult,
    UploadStatus,
)
from .measurements import (
    audit_many,
    initial_review,
    measurement_validate,
    request_evaluation,
    settled_periods,
)
from .upload_files import NOTE_MAX, FileRejected, RowError, is_blank, read_records

ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[ T]00:00(?::00)?)?$")


@dataclass
class Checked:
    """The outcome of checking a file: the rows to save, or the reasons nothing can be saved."""

    rows: list[dict] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)


# --- Checking the records ---------------------------------------------------------------------------------


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _number(value):
    """A cell as the text a number parser reads; spreadsheet floats lose their binary noise."""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        return f"{round(value, 10):.10f}".rstrip("0").rstrip(".")
    if isinstance(value, int | Decimal):
        return str(value)
    return _text(value)


def _date(value) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    match = ISO_DATE.match(_text(value))
    if match:
        try:
            return date(*(int(part) for part in match.groups()))
        except ValueError:
            pass
    raise ValueError


def _service_level_key(service_level: ServiceLevel) -> str:
    return f"{service_level.contract.reference}/{service_level.metric.code}".lower()


def _service_levels(vendor) -> tuple[dict[str, ServiceLevel], dict[int, ServiceLevel]]:
    levels = list(ServiceLevel.objects.filter(contract__vendor=vendor).select_related("metric", "contract"))
    by_name = {str(sl.pk): sl for sl in levels} | {_service_level_key(sl): sl for sl in levels}
    return by_name, {sl.pk: sl for sl in levels}


def _label(service_level: ServiceLevel) -> str:
    return f"{service_level.metric.name} — {service_level.contract.reference}"


def _same_figure_key(service_level_id, measured_on, value, denominator, note):
    normal = lambda number: None if number is None else number.normalize()  # noqa: E731
    return (service_level_id, measured_on, normal(value), normal(denominator), note)


def _field_messages(error: ValidationError) -> list[tuple[str, str]]:
    if hasattr(error, "error_dict"):
        return [(name, message) for name, messages in error.message_dict.items() for message in messages]
    return [("", message) for message in error.messages]


def check_records(records, *, vendor, now: datetime) -> Checked:
    """Check every record against the vendor's service levels; collect every problem of every row."""
    checked = Checked()
    today = periods.local_today(now)
    by_name, by_id = _service_levels(vendor)
    settled = settled_periods(by_id)
    first_seen: dict[tuple, int] = {}
    candidates = []
    for number, record in records:
        if record is None:
            checked.errors.append(RowError(number, "", "The row has more cells than the header has columns."))
            continue
        problems: list[tuple[str, str]] = []
        key = _text(record.get("service_level")).lower()
        service_level = by_name.get(key)
        if not key:
            problems.append(("service_level", "The service level is missing."))
        elif service_level is None:
            # Another vendor's service level gets the same words as one that does not exist.
            problems.append(("service_level", f"Unknown service level “{_text(record['service_level'])}”."))
        elif not service_level.is_active:
            problems.append(("service_level", f"{_label(service_level)} is no longer active."))
            service_level = None
        measured_on = None
        if is_blank(record.get("measured_on")):
            problems.append(("measured_on", "The date is missing."))
        else:
            try:
                measured_on = _date(record["measured_on"])
            except ValueError:
                problems.append(
                    (
                        "measured_on",
                        f"“{_text(record['measured_on'])}” is not a date; write it as YYYY-MM-DD.",
                    )
                )
        value, denominator = _number(record.get("value")), _number(record.get("denominator"))
        if not value:
            problems.append(("value", "The value is missing."))
        note = _text(record.get("note"))
        if len(note) > NOTE_MAX:
            problems.append(("note", f"The note is longer than {NOTE_MAX} characters."))
        if service_level is not None and measured_on is not None and value:
            try:
                value, denominator = measurement_validate(
                    service_level=service_level,
                    measured_on=measured_on,
                    value=value,
                    denominator=denominator,
                    today=today,
                    settled=settled,
                )
            except ValidationError as error:
                problems += _field_messages(error)
        if problems:
            checked.errors += [RowError(number, column, message) for column, message in problems]
            continue
        same = _same_figure_key(service_level.pk, measured_on, value, denominator, note)
        if same in first_seen:
            checked.errors.append(
                RowError(
                    number,
                    "",
                    f"Duplicate of row {first_seen[same]} (same service level, date, value and note); "
                    "tell separate events apart in the note column, e.g. by incident number.",
                )
            )
            continue
        first_seen[same] = number
        candidates.append((number, service_level, measured_on, value, denominator, note))
    _refuse_already_recorded(candidates, checked)
    if checked.errors:
        checked.rows = []
        return checked
    for number, service_level, measured_on, value, denominator, note in candidates:
        start, end = periods.period_bounds(service_level.period, measured_on)
        checked.rows.append(
            {
                "row": number,
                "service_level_id": service_level.pk,
                "service_level": _label(service_level),
                "unit": service_level.metric.unit,
                "ratio": service_level.metric.aggregation == Aggregation.RATIO,
                "measured_on": measured_on.isoformat(),
                "value": str(value),
                "denominator": None if denominator is None else str(denominator),
                "note": note,
                "period_start": start.isoformat(),
                "late": periods.is_closed(end, service_level.grace_days, now),
            }
        )
    return checked


def _refuse_already_recorded(candidates, checked: Checked) -> None:
    """A figure identical to one already recorded (the same file uploaded twice) is refused."""
    if not candidates:
        return
    days = [c[2] for c in candidates]
    existing = {
        _same_figure_key(*row)
        for row in Measurement.objects.filter(
            service_level_id__in={c[1].pk for c in candidates},
            is_current=True,
            measured_on__range=(min(days), max(days)),
        ).values_list("service_level_id", "measured_on", "value", "denominator", "note")
    }
    for number, service_level, measured_on, value, denominator, note in candidates:
        if _same_figure_key(service_level.pk, measured_on, value, denominator, note) in existing:
            checked.errors.append(
                RowError(
                    number, "", "This figure is already recorded (same service level, date, value and note)."
                )
            )


# --- Services ---------------------------------------------------------------------------------------------


def _may_upload(actor, vendor) -> bool:
    if policy.sees_internal(actor):
        return policy.role_allows(actor, policy.Action.CHANGE)
    return policy.can(actor, policy.Action.SUBMIT, MeasurementUpload(vendor=vendor))


@transaction.atomic
def upload_check(*, uploaded_file, vendor, actor, now: datetime | None = None) -> MeasurementUpload:
    """Read and check a file of figures; keep it as validated (rows stored) or rejected (errors stored)."""
    if not _may_upload(actor, vendor):
        raise PermissionDenied("You may not upload figures for this vendor.")
    now = now or timezone.now()
    try:
        checked = check_records(read_records(uploaded_file), vendor=vendor, now=now)
    except FileRejected as rejected:
        checked = Checked(errors=[rejected.error])
    # Created directly and audited with counts: the rows themselves would bloat the trail.
    upload = MeasurementUpload.objects.create(
        vendor=vendor,
        uploaded_by=actor,
        uploaded_at=now,
        original_name=_original_name(uploaded_file.name),
        status=UploadStatus.REJECTED if checked.errors else UploadStatus.VALIDATED,
        rows=checked.rows,
        errors=[error.as_dict() for error in checked.errors],
    )
    audit_record(
        actor=actor,
        action="kpis.measurementupload.checked",
        obj=upload,
        changes={
            "status": [None, upload.status],
            "rows": [None, len(checked.rows)],
            "errors": [None, len(checked.errors)],
        },
        note=upload.original_name,
    )
    return upload


def _original_name(filename: str) -> str:
    name = re.sub(r"[\x00-\x1f\x7f]", "", (filename or "").replace("\\", "/").rsplit("/", 1)[-1]).strip()
    return name[-255:] or "upload"


@dataclass
class Confirmation:
    saved: list[Measurement]
    already_confirmed: bool = False
    errors: list[dict] = field(default_factory=list)


@transaction.atomic
def upload_confirm(*, upload: MeasurementUpload, actor, now: datetime | None = None) -> Confirmation:
    """Save every row of a checked upload at once, or nothing.

    The rows are checked again (a period may have closed, or the same figures been saved meanwhile); if
    any row fails now, the upload turns rejected with its errors. Confirming twice saves once.
    """
    if not _may_upload(actor, upload.vendor):
        raise PermissionDenied("You may not confirm this upload.")
    now = now or timezone.now()
    claimed = MeasurementUpload.objects.filter(pk=upload.pk, status=UploadStatus.VALIDATED).update(
        status=UploadStatus.CONFIRMED, confirmed_at=now
    )
    if claimed != 1:
        return Confirmation(saved=[], already_confirmed=True)
    # Two uploads of the same figures confirmed at once: the service levels' rows are locked (in id
    # order, so confirmations never deadlock) before the re-check, so the second confirmation waits for
    # the first to commit and then finds its figures already recorded.
    service_level_ids = sorted({row["service_level_id"] for row in upload.rows})
    list(
        ServiceLevel.objects.select_for_update(no_key=True)
        .filter(pk__in=service_level_ids)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    records = [
        (
            row["row"],
            {name: row[name] for name in ("measured_on", "value", "denominator", "note")}
            | {"service_level": str(row["service_level_id"])},
        )
        for row in upload.rows
    ]
    checked = check_records(records, vendor=upload.vendor, now=now)
    if checked.errors:
        errors = [error.as_dict() for error in checked.errors]
        MeasurementUpload.objects.filter(pk=upload.pk).update(
            status=UploadStatus.REJECTED, errors=errors, confirmed_at=None
        )
        audit_record(
            actor=actor,
            action="kpis.measurementupload.rejected",
            obj=upload,
            changes={
                "status": [UploadStatus.VALIDATED.value, UploadStatus.REJECTED.value],
                "errors": [0, len(errors)],
            },
            note="Rows no longer valid at confirmation.",
        )
        upload.refresh_from_db()
        return Confirmation(saved=[], errors=errors)
    review = initial_review(actor, now)
    figures = [
        Measurement(
            service_level_id=row["service_level_id"],
            measured_on=date.fromisoformat(row["measured_on"]),
            value=Decimal(row["value"]),
            denominator=None if row["denominator"] is None else Decimal(row["denominator"]),
            note=row["note"],
            source=MeasurementSource.UPLOAD,
            submitted_by=actor,
            submitted_at=now,
            is_late=row["late"],
            upload=upload,
            **review,
        )
        for row in checked.rows
    ]
    saved = Measurement.objects.bulk_create(figures, batch_size=500)
    _queue_closed_periods(checked.rows)
    vendor_id = upload.vendor_id
    audit_many(
        actor=actor,
        verb="created",
        objects=saved,
        changes=lambda m: {
            "value": [None, str(m.value)],
            "measured_on": [None, m.measured_on.isoformat()],
            **({"denominator": [None, str(m.denominator)]} if m.denominator is not None else {}),
            "source": [None, MeasurementSource.UPLOAD.value],
        },
        vendor_ids={m.pk: vendor_id for m in saved},
        note=f"From upload {upload.pk} ({upload.original_name})",
    )
    audit_record(
        actor=actor,
        action="kpis.measurementupload.confirmed",
        obj=upload,
        changes={
            "status": [UploadStatus.VALIDATED.value, UploadStatus.CONFIRMED.value],
            "rows": [None, len(saved)],
        },
        note=upload.original_name,
    )
    upload.refresh_from_db()
    return Confirmation(saved=saved)


def _queue_closed_periods(rows: list[dict]) -> None:
    """Periods that are late or already evaluated go back to the engine, in the same transaction."""
    touched = {(row["service_level_id"], date.fromisoformat(row["period_start"])) for row in rows}
    late = {(row["service_level_id"], date.fromisoformat(row["period_start"])) for row in rows if row["late"]}
    evaluated = set(
        ServiceLevelResult.objects.filter(
            service_level_id__in={sl_id for sl_id, _ in touched},
            period_start__in={start for _, start in touched},
        ).values_list("service_level_id", "period_start")
    )
    due = late | (evaluated & touched)
    if not due:
        return
    PendingEvaluation.objects.bulk_create(
        [PendingEvaluation(service_level_id=sl_id, period_start=start) for sl_id, start in sorted(due)],
        ignore_conflicts=True,
    )
    transaction.on_commit(request_evaluation)
