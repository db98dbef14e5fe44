"""Reads for the vendor's own pages: what is due from it, its progress updates, its team.

Every read is scoped by the access policy and runs a fixed number of queries.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from accounts import policy
from accounts.models import Invitation, User
from contracts.models import Contract, ContractStatus
from governance.models import ACTION_OPEN_STATUSES, ActionItem, ProgressUpdate, Review, ReviewStatus, Side
from governance.services import progress_current_month, progress_month_closes_at
from kpis import periods
from kpis.models import Breach, BreachNote, BreachStatus, Measurement, Scorecard, ServiceLevel
from vendors.models import Vendor

RECENT_SCORECARDS = 6
# Acknowledged breaches still owe a root cause and action plan; a request for more information
# sends a breach back to acknowledged.
AWAITING_RESPONSE = (BreachStatus.OPEN, BreachStatus.ACKNOWLEDGED)
DUE_SOON = timedelta(days=3)
# The home page lists this many action items, earliest due first; the action list has the rest.
ACTIONS_SHOWN = 25


@dataclass
class ReportDue:
    """One service level's figures for one period that is still open for reporting."""

    service_level: ServiceLevel
    period_start: date
    period_end: date
    deadline: date  # the last local day figures count as on time
    closes_at: datetime
    is_running: bool  # the period itself has not ended yet
    closes_soon: bool
    figures: int = 0


def own_vendor(user) -> Vendor:
    """The vendor the user belongs to (404 for anyone without one)."""
    return policy.get_visible_or_404(user, Vendor.objects.all(), pk=user.vendor_id)


def _open_periods(service_level: ServiceLevel, now: datetime) -> list[tuple[date, date]]:
    """The periods of a service level that have begun and not yet closed, newest first."""
    kind, today = service_level.period, periods.local_today(now)
    found = []
    start, end = periods.period_bounds(kind, today)
    while not periods.is_closed(end, service_level.grace_days, now):
        starts_in_force = service_level.effective_from <= end
        not_ended = service_level.effective_to is None or service_level.effective_to >= start
        if starts_in_force and not_ended:
            found.append((start, end))
        start, end = periods.period_bounds(kind, start - timedelta(days=1))
    return found


def reports_due_for_user(*, user, vendor: Vendor, now: datetime | None = None) -> list[ReportDue]:
    """Each active service level's open periods with their deadline and the figures in so far.

    Two queries: the service levels, then the current figures per service level and day.
    """
    now = now or timezone.now()
    service_levels = policy.scope(
        user,
        ServiceLevel.objects.filter(
            contract__vendor=vendor,
            contract__status=ContractStatus.ACTIVE,
            is_active=True,
            metric__computed_by_portal=False,
        ).select_related("metric", "contract"),
    ).order_by("contract__reference", "metric__name")
    today = periods.local_today(now)
    due = [
        ReportDue(
            service_level=sl,
            period_start=start,
            period_end=end,
            deadline=periods.close_date(end, sl.grace_days) - timedelta(days=1),
            closes_at=periods.closes_at(end, sl.grace_days),
            is_running=end >= today,
            closes_soon=periods.closes_at(end, sl.grace_days) - now <= DUE_SOON,
        )
        for sl in service_levels
        for start, end in _open_periods(sl, now)
    ]
    if not due:
        return []
    by_service_level = defaultdict(list)
    for report in due:
        by_service_level[report.service_level.pk].append(report)
    figures = (
        Measurement.objects.filter(
            service_level_id__in=by_service_level,
            is_current=True,
            measured_on__gte=min(r.period_start for r in due),
            measured_on__lte=max(r.period_end for r in due),
        )
        .values("service_level_id", "measured_on")
        .annotate(n=Count("id"))
        .order_by()
    )
    for row in figures:
        for report in by_service_level[row["service_level_id"]]:
            if report.period_start <= row["measured_on"] <= report.period_end:
                report.figures += row["n"]
    return sorted(due, key=lambda r: (r.closes_at, r.service_level.metric.name))


def breaches_awaiting_response_for_user(*, user, vendor: Vendor) -> QuerySet[Breach]:
    """Breaches that still owe the vendor's response, the earliest due first; ``last_note_kind``
    tells a request for more information apart from a breach not answered yet."""
    last_note = BreachNote.objects.filter(breach=OuterRef("pk")).order_by("-created_at", "-id")
    return (
        policy.scope(user, Breach.objects.filter(service_level__contract__vendor=vendor))
        .filter(status__in=AWAITING_RESPONSE)
        .select_related("service_level__metric", "service_level__contract")
        .annotate(last_note_kind=Subquery(last_note.values("kind")[:1]))
        .order_by("response_due_at", "period_start", "service_level__metric__name", "pk")
    )


def vendor_actions_due_for_user(*, user, vendor: Vendor) -> QuerySet[ActionItem]:
    """Open action items the vendor's side owes, the earliest due first."""
    return (
        policy.scope(
            user,
            ActionItem.objects.filter(vendor=vendor, owner_side=Side.VENDOR, status__in=ACTION_OPEN_STATUSES),
        )
        .select_related("owner")
        .order_by("due_on", "pk")
    )


def reviews_awaiting_vendor_for_user(*, user, vendor: Vendor) -> QuerySet[Review]:
    """Reviews waiting for the vendor: its self-assessment, or its signature on a review at sign-off."""
    waiting = Q(status=ReviewStatus.SELF_ASSESSMENT) | Q(
        status=ReviewStatus.SIGN_OFF, vendor_signed_at__isnull=True
    )
    return policy.scope(user, Review.objects.filter(vendor=vendor).filter(waiting)).order_by("due_on", "pk")


@dataclass
class ActionsDue:
    """The first ``ACTIONS_SHOWN`` open vendor-side action items, and how many there are in all."""

    items: list[ActionItem]
    total: int
    overdue: int

    @property
    def more(self) -> int:
        return self.total - len(self.items)


def actions_due(*, user, vendor: Vendor, today: date) -> ActionsDue:
    """Two queries: the counts, and the items shown (each marked ``is_late``)."""
    actions = vendor_actions_due_for_user(user=user, vendor=vendor)
    counts = actions.aggregate(total=Count("pk"), overdue=Count("pk", filter=Q(due_on__lt=today)))
    items = list(actions[:ACTIONS_SHOWN])
    for item in items:
        item.is_late = item.due_on < today
    return ActionsDue(items=items, total=counts["total"], overdue=counts["overdue"])


def vendor_home_for_user(*, user, now: datetime | None = None) -> dict:
    """Everything the vendor's home page shows, in a fixed number of queries."""
    now = now or timezone.now()
    today = periods.local_today(now)
    vendor = own_vendor(user)
    month = progress_current_month(now)
    reports = reports_due_for_user(user=user, vendor=vendor, now=now)
    breaches = list(breaches_awaiting_response_for_user(user=user, vendor=vendor))
    # Periods that have ended with nothing reported yet: what is most urgent on the page.
    unreported = [r for r in reports if not r.is_running and not r.figures]
    return {
        "vendor": vendor,
        "reports_due": reports,
        "unreported": unreported,
        "breaches_awaiting_response": breaches,
        "overdue_breaches": [b for b in breaches if b.response_due_at < now],
        "actions_due": actions_due(user=user, vendor=vendor, today=today),
        "reviews_waiting": list(reviews_awaiting_vendor_for_user(user=user, vendor=vendor)),
        "today": today,
        "progress_month": month,
        "progress_closes_at": progress_month_closes_at(month),
        "progress_update": progress_updates_for_user(user=user, vendor=vendor)
        .filter(period_start=month)
        .first(),
        "scorecards": list(
            policy.scope(user, Scorecard.objects.filter(vendor=vendor)).order_by("-period_start")[
                :RECENT_SCORECARDS
            ]
        ),
        "contracts": list(policy.scope(user, Contract.objects.filter(vendor=vendor)).order_by("reference")),
        "time_zone": periods.local_zone().key,
        "now": now,
    }


def progress_updates_for_user(*, user, vendor: Vendor) -> QuerySet[ProgressUpdate]:
    """The vendor's progress updates, newest month first, with who submitted them."""
    return (
        policy.scope(user, ProgressUpdate.objects.filter(vendor=vendor))
        .select_related("submitted_by")
        .order_by("-period_start")
    )


def vendor_team_for_user(*, user, vendor: Vendor, now: datetime | None = None) -> dict:
    """The vendor's users (active first) and its invitations still waiting, in two queries."""
    now = now or timezone.now()
    users = policy.scope(user, User.objects.filter(vendor=vendor)).select_related("deactivated_by")
    invitations = (
        policy.scope(user, Invitation.objects.filter(vendor=vendor))
        .filter(accepted_at__isnull=True, revoked_at__isnull=True)
        .select_related("invited_by")
        .order_by("-created_at")
    )
    return {
        "users": list(users.order_by("-is_active", "full_name", "email")),
        "invitations": list(invitations),
        "now": now,
    }
