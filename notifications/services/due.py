"""Notifications about time passing, which leaves no row in the audit trail: a breach response coming
due or overdue, figures due for a closed period, figures waiting for validation, a contract's notice
deadline approaching.

Each scan is set-based (a few queries over the current state, never one per vendor or service
level) and keys its notifications on the state they report (the due date, the deadline, the oldest
waiting figure), so running it every few minutes records each of them once.
"""

from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Exists, Min, OuterRef
from django.utils import timezone

from accounts.models import AuditEvent
from api.services.audit_cursor import audit_trail_read, cursor_scanned_at
from contracts.dates import contract_key_dates
from contracts.models import Contract, ContractStatus, RenewalType
from kpis import periods
from kpis.models import Breach, BreachStatus, Measurement, MeasurementStatus, ServiceLevel
from vendors.models import Vendor

from .. import links
from ..kinds import INTERNAL, VENDOR, NotificationKind
from .events import Event, notice_title, notifications_record

K = NotificationKind
DUE_CURSOR = "notifications-due"
AWAITING_RESPONSE = (BreachStatus.OPEN, BreachStatus.ACKNOWLEDGED)
# Reminders before a notice deadline: the first when it is this many days away, then closer.
NOTICE_STAGES = (7, 30, 60)


def _breach_subject(breach: Breach) -> str:
    sl = breach.service_level
    return f"{sl.metric.name} on {sl.contract.reference}, period from {breach.period_start:%d %b %Y}"


def breach_response_events(now: datetime) -> list[Event]:
    """Responses due within ``NOTIFICATIONS_RESPONSE_DUE_HOURS`` (the vendor), or overdue (both sides)."""
    soon = now + timedelta(hours=settings.NOTIFICATIONS_RESPONSE_DUE_HOURS)
    breaches = Breach.objects.filter(
        status__in=AWAITING_RESPONSE,
        response_due_at__lte=soon,
        response_due_at__gte=now - timedelta(days=settings.NOTIFICATIONS_STALE_DAYS),
    ).select_related("service_level__metric", "service_level__contract")
    events = []
    for breach in breaches:
        overdue = breach.response_due_at <= now
        due = timezone.localtime(breach.response_due_at, periods.local_zone())
        events.append(
            Event(
                kind=K.BREACH_RESPONSE_OVERDUE if overdue else K.BREACH_RESPONSE_DUE,
                title=(
                    f"{'Response overdue since' if overdue else 'Response due by'} {due:%d %b %Y %H:%M}: "
                    f"{_breach_subject(breach)}"
                ),
                url=links.breach_page(breach.pk),
                vendor_id=breach.service_level.contract.vendor_id,
                source_key=f"breach-{breach.pk}-{'overdue' if overdue else 'due'}-{due:%Y%m%d%H%M}",
                model=Breach,
                object_id=breach.pk,
                audiences=frozenset({INTERNAL, VENDOR}) if overdue else frozenset({VENDOR}),
                body="Give the root cause and the corrective action, or dispute the breach.",
            )
        )
    return events


def ended_open_periods(sl: dict, now: datetime) -> list[tuple]:
    """The periods of a service level that have ended but are still open for reporting."""
    today = periods.local_today(now)
    found = []
    start, end = periods.period_bounds(sl["period"], today)
    while not periods.is_closed(end, sl["grace_days"], now):
        in_force = sl["effective_from"] <= end and (sl["effective_to"] is None or sl["effective_to"] >= start)
        if end < today and in_force:
            found.append((start, end))
        start, end = periods.period_bounds(sl["period"], start - timedelta(days=1))
    return found


def reported_periods(due: list[tuple[dict, date, date]]) -> set[tuple[int, date]]:
    """Which of these (service level, period start, end) have at least one current figure.

    One query: a row per service level with, per distinct period still open for reporting (a handful,
    set by the calendar), whether a figure exists in it; each is an index probe, whatever the number
    of figures.
    """
    if not due:
        return set()
    spans = sorted({(start, end) for _, start, end in due})
    flags = {
        f"in_{index}": Exists(
            Measurement.objects.filter(
                service_level=OuterRef("pk"), is_current=True, measured_on__gte=start, measured_on__lte=end
            )
        )
        for index, (start, end) in enumerate(spans)
    }
    rows = ServiceLevel.objects.filter(pk__in={sl["pk"] for sl, _, _ in due}).annotate(**flags)
    return {
        (pk, spans[index][0])
        for pk, *found in rows.values_list("pk", *flags).order_by()
        for index, reported in enumerate(found)
        if reported
    }


def report_due_events(now: datetime) -> list[Event]:
    """Ended periods of active service levels, still within their reporting grace, with no figure
    yet: the vendor owes them now. Two queries."""
    service_levels = ServiceLevel.objects.filter(
        is_active=True, contract__status=ContractStatus.ACTIVE
    ).values(
        "pk",
        "period",
        "grace_days",
        "effective_from",
        "effective_to",
        "metric__name",
        "contract__reference",
        "contract__vendor_id",
    )
    due = [(sl, start, end) for sl in service_levels for start, end in ended_open_periods(sl, now)]
    if not due:
        return []
    reported = reported_periods(due)
    events = []
    for sl, start, end in due:
        if (sl["pk"], start) in reported:
            continue
        deadline = periods.close_date(end, sl["grace_days"]) - timedelta(days=1)
        events.append(
            Event(
                kind=K.REPORT_DUE,
                title=(
                    f"Figures due by {deadline:%d %b %Y}: {sl['metric__name']} on "
                    f"{sl['contract__reference']}, {start:%d %b} – {end:%d %b %Y}"
                ),
                url=links.new_figures_page(),
                vendor_id=sl["contract__vendor_id"],
                source_key=f"report-{sl['pk']}-{start.isoformat()}",
                model=ServiceLevel,
                object_id=sl["pk"],
                audiences=frozenset({VENDOR}),
                body="Nothing is reported for this period yet; after the deadline it counts as a breach.",
            )
        )
    return events


def validation_events(now: datetime) -> list[Event]:
    """Per vendor, figures its users submitted that nobody validated yet; a new notification when a
    new oldest figure starts waiting. One query (and one for the vendors' names)."""
    waiting = (
        Measurement.objects.filter(
            status=MeasurementStatus.SUBMITTED, is_current=True, submitted_by__vendor__isnull=False
        )
        .values("service_level__contract__vendor_id")
        .annotate(count=Count("pk"), oldest=Min("pk"), since=Min("submitted_at"))
        .order_by()
    )
    rows = list(waiting)
    names = dict(
        Vendor.objects.filter(pk__in=[r["service_level__contract__vendor_id"] for r in rows]).values_list(
            "pk", "name"
        )
    )
    events = []
    for row in rows:
        vendor_id = row["service_level__contract__vendor_id"]
        events.append(
            Event(
                kind=K.VALIDATION_WAITING,
                title=f"Figures from {names.get(vendor_id, 'a vendor')} waiting for validation",
                url=links.validation_page(vendor_id),
                vendor_id=vendor_id,
                source_key=f"validation-{vendor_id}-{row['oldest']}",
                model=Vendor,
                object_id=vendor_id,
                audiences=frozenset({INTERNAL}),
                body=(
                    f"{row['count']} waiting, the oldest submitted on "
                    f"{timezone.localtime(row['since'], periods.local_zone()):%d %b %Y}."
                ),
            )
        )
    return events


def _stage(days_left: int) -> int | None:
    return next((stage for stage in NOTICE_STAGES if days_left <= stage), None)


def notice_events(now: datetime) -> list[Event]:
    """Renewing active contracts whose notice deadline is 60, 30 or 7 days away or closer, unless the
    contract lifecycle already sent its own reminders (``contracts.contract.notice_reminder``)."""
    today = periods.local_today(now)
    reminded = set(
        AuditEvent.objects.filter(
            action="contracts.contract.notice_reminder",
            object_type="contracts.contract",
            occurred_at__gte=now - timedelta(days=max(NOTICE_STAGES) + 30),
        ).values_list("object_id", flat=True)
    )
    contracts = Contract.objects.filter(status=ContractStatus.ACTIVE).exclude(renewal_type=RenewalType.NONE)
    events = []
    for contract in contracts:
        if str(contract.pk) in reminded:
            continue
        deadline = contract_key_dates(contract, on=today).upcoming_notice_deadline
        stage = _stage((deadline - today).days) if deadline else None
        if stage is None:
            continue
        events.append(
            Event(
                kind=K.NOTICE_DEADLINE,
                title=notice_title(contract, deadline, today),
                url=links.contract_page(contract.pk),
                vendor_id=contract.vendor_id,
                source_key=f"notice-{contract.pk}-{deadline.isoformat()}-{stage}",
                model=Contract,
                object_id=contract.pk,
                audiences=frozenset({INTERNAL}),
                body="Decide whether to renew, renegotiate or give notice before the deadline.",
            )
        )
    return events


SCANS = (breach_response_events, report_due_events, validation_events, notice_events)


@transaction.atomic
def notifications_scan_due(*, now: datetime | None = None, force: bool = False) -> int:
    """Run the time-based scans, at most every ``NOTIFICATIONS_DUE_SCAN_MINUTES`` unless ``force``;
    returns the notifications created. Concurrent calls run one after the other (the cursor row)."""
    now = now or timezone.now()
    last = cursor_scanned_at(DUE_CURSOR)
    every = timedelta(minutes=settings.NOTIFICATIONS_DUE_SCAN_MINUTES)
    if not force and last is not None and last > now - every and last <= now:
        return 0
    audit_trail_read(cursor=DUE_CURSOR, actions=[], now=now)  # takes the cursor's lock and moves it
    return notifications_record([event for scan in SCANS for event in scan(now)], now=now)
