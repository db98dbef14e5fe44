"""Writes to the governance of a relationship: the vendor's monthly progress updates."""

from datetime import date, datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts import policy
from accounts.audit import audited_create, audited_update
from kpis import periods

from ..models import ProgressUpdate


def progress_month_closes_at(period_start: date) -> datetime:
    """When a month's update stops being editable: local midnight as the next month begins."""
    return periods.local_midnight(periods.next_period_start(periods.MONTHLY, period_start))


def progress_update_is_editable(update: ProgressUpdate, *, now: datetime | None = None) -> bool:
    return (now or timezone.now()) < progress_month_closes_at(update.period_start)


def progress_current_month(now: datetime | None = None) -> date:
    return periods.period_start(periods.MONTHLY, periods.local_today(now))


def _check_open_month(period_start: date, now: datetime) -> None:
    if period_start != periods.period_start(periods.MONTHLY, period_start):
        raise ValidationError({"period_start": "An update covers a whole month: give its first day."})
    if period_start > progress_current_month(now):
        raise ValidationError({"period_start": "Updates cannot be submitted for a month that has not begun."})
    if now >= progress_month_closes_at(period_start):
        message = f"{period_start:%B %Y} has ended; its update can no longer be submitted or changed."
        raise ValidationError({"period_start": message})


def _duplicate_error(period_start: date) -> ValidationError:
    return ValidationError(
        f"An update for {period_start:%B %Y} has been submitted already; change that one instead.",
        code="duplicate",
    )


@transaction.atomic
def progress_update_submit(
    *,
    vendor,
    actor,
    period_start: date,
    rag: str,
    summary: str,
    risks: str = "",
    requests: str = "",
    now: datetime | None = None,
) -> ProgressUpdate:
    """Record the vendor's update for a month that is still running; one per vendor and month."""
    now = now or timezone.now()
    if not policy.can(actor, policy.Action.SUBMIT, ProgressUpdate(vendor=vendor)):
        raise PermissionDenied("You may not submit progress updates for this vendor.")
    _check_open_month(period_start, now)
    if ProgressUpdate.objects.filter(vendor=vendor, period_start=period_start).exists():
        raise _duplicate_error(period_start)
    try:
        # A savepoint: a concurrent submission for the same month loses at the constraint.
        with transaction.atomic():
            return audited_create(
                model=ProgressUpdate,
                actor=actor,
                vendor=vendor,
                period_start=period_start,
                rag=rag,
                summary=summary.strip(),
                risks=risks.strip(),
                requests=requests.strip(),
                submitted_by=actor,
            )
    except IntegrityError:
        raise _duplicate_error(period_start) from None


@transaction.atomic
def progress_update_change(
    *,
    update: ProgressUpdate,
    actor,
    rag: str,
    summary: str,
    risks: str = "",
    requests: str = "",
    now: datetime | None = None,
) -> ProgressUpdate:
    """Change an update while its month is still running; the trail keeps the earlier text."""
    now = now or timezone.now()
    if not policy.can(actor, policy.Action.SUBMIT, update):
        raise PermissionDenied("You may not change this progress update.")
    _check_open_month(update.period_start, now)
    data = {"rag": rag, "summary": summary.strip(), "risks": risks.strip(), "requests": requests.strip()}
    update, _changed = audited_update(instance=update, actor=actor, data=data)
    return update
