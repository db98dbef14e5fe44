"""Reads for the vendor 360 and contract pages: one relationship across every app's data."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from functools import cached_property
from itertools import groupby

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db.models import F, Prefetch, Window
from django.db.models.functions import RowNumber
from django.utils import timezone

from accounts import policy
from accounts.models import AuditEvent
from contracts.models import Contract, Deliverable, DeliverableStatus
from governance.models import (
    ACTION_OPEN_STATUSES,
    ActionItem,
    Issue,
    IssueStatus,
    ProgressUpdate,
    Raci,
    RoleAssignment,
)
from governance.selectors.escalation import escalation_path_for_vendor
from kpis.models import Breach, Outcome, Scorecard, ServiceLevel, ServiceLevelResult, StandingBand
from kpis.models.results import OPEN_BREACH_STATUSES
from kpis.scoring import DEFAULT_BANDS
from vendors.models import Vendor, VendorContact
from vendors.selectors import vendor_activity_for_user

from .. import charts
from .dashboard import _per_vendor_count

TREND_MONTH_CHOICES = (6, 12, 24)
DEFAULT_TREND_MONTHS = 12
SPARKLINE_PERIODS = 12
TIMELINE_LIMIT = 30
PERFORMANCE_MONTHS = 6
OPEN_DELIVERABLE_STATUSES = (DeliverableStatus.PLANNED, DeliverableStatus.REJECTED)


# ---- Scorecard trend ---------------------------------------------------------------------------------


def month_start(day: date, months_back: int = 0) -> date:
    index = day.year * 12 + day.month - 1 - months_back
    return date(index // 12, index % 12 + 1, 1)


@dataclass
class ScorecardTrend:
    vendor_name: str
    months: list[date]
    by_month: dict[date, Scorecard]
    bands: list[charts.Band]

    @property
    def month_count(self) -> int:
        return len(self.months)

    @cached_property
    def chart(self) -> charts.Chart:
        return charts.scorecard_trend_chart(
            vendor_name=self.vendor_name, months=self.months, scorecards=self.by_month, bands=self.bands
        )


def standing_bands() -> list[charts.Band]:
    """The active scheme's standing bands, as shading for the charts (the defaults until a scheme exists).

    Vendor users see them too: they are how the standing on their own scorecards is judged, and
    nothing else of the (internal) scheme is read here.
    """
    rows = list(StandingBand.objects.filter(scheme__is_active=True).order_by("lower"))
    if not rows:
        return [charts.Band(lo, hi, rag, name) for name, rag, lo, hi in DEFAULT_BANDS]
    return [charts.Band(b.lower, b.upper, b.rag, b.name) for b in rows]


def _recent_scorecards(*, user, vendor: Vendor, today: date) -> list[Scorecard]:
    """The vendor's scorecards of the last two years (the longest trend shown), oldest first."""
    since = month_start(today, max(TREND_MONTH_CHOICES))
    return list(
        policy.scope(user, Scorecard.objects.filter(vendor=vendor, period_start__gte=since)).order_by(
            "period_start"
        )
    )


def _trend(*, vendor: Vendor, scorecards: list[Scorecard], months: int, today: date, bands) -> ScorecardTrend:
    by_month = {card.period_start: card for card in scorecards}
    # The current month counts once it has a scorecard; until then the window ends last month.
    newest = month_start(today) if month_start(today) in by_month else month_start(today, 1)
    window = [month_start(newest, back) for back in range(months - 1, -1, -1)]
    return ScorecardTrend(vendor.name, window, {m: by_month[m] for m in window if m in by_month}, bands)


def parse_trend_months(value) -> int:
    """The trend length asked for, or the default for anything else."""
    try:
        months = int(value)
    except (TypeError, ValueError):
        return DEFAULT_TREND_MONTHS
    return months if months in TREND_MONTH_CHOICES else DEFAULT_TREND_MONTHS


def scorecard_trend_for_user(*, user, pk: int, months: int, today: date | None = None) -> ScorecardTrend:
    """Only the trend chart of one vendor (for swapping its length in place)."""
    today = today or timezone.localdate()
    vendor = policy.get_visible_or_404(user, Vendor.objects.only("pk", "name"), pk=pk)
    scorecards = _recent_scorecards(user=user, vendor=vendor, today=today)
    bands = standing_bands()
    return _trend(vendor=vendor, scorecards=scorecards, months=months, today=today, bands=bands)


# ---- Service levels with their recent results ----------------------------------------------------------


@dataclass
class ServiceLevelRow:
    service_level: ServiceLevel
    results: list[ServiceLevelResult]  # oldest first

    @property
    def last_result(self) -> ServiceLevelResult | None:
        return self.results[-1] if self.results else None

    @cached_property
    def sparkline(self) -> charts.Chart:
        sl = self.service_level
        return charts.service_level_sparkline(
            name=sl.metric.name,
            results=self.results,
            target=sl.target,
            minimum=sl.minimum,
            unit=sl.metric.unit,
            period=sl.period,
        )


def recent_results_by_service_level(*, user, periods: int = SPARKLINE_PERIODS, **where):
    """The last ``periods`` results of every service level matching ``where``, in one query, oldest first.

    ``where`` filters the results, e.g. ``service_level__contract__vendor=vendor``.
    """
    ranked = (
        policy.scope(user, ServiceLevelResult.objects.filter(**where))
        .annotate(
            recency=Window(
                RowNumber(), partition_by=[F("service_level_id")], order_by=F("period_start").desc()
            )
        )
        .filter(recency__lte=periods)
        .order_by("service_level_id", "period_start")
    )
    by_service_level: dict[int, list[ServiceLevelResult]] = defaultdict(list)
    for result in ranked:
        by_service_level[result.service_level_id].append(result)
    return by_service_level


def _service_level_rows(*, user, vendor: Vendor) -> list[ServiceLevelRow]:
    service_levels = policy.scope(
        user,
        ServiceLevel.objects.filter(contract__vendor=vendor)
        .select_related("metric", "contract")
        .order_by("contract__reference", "metric__name", "pk"),
    )
    results = recent_results_by_service_level(user=user, service_level__contract__vendor=vendor)
    return [ServiceLevelRow(sl, results.get(sl.pk, [])) for sl in service_levels]


# ---- RACI ------------------------------------------------------------------------------------------


@dataclass
class RaciArea:
    name: str
    assignments: list[RoleAssignment]

    @property
    def accountable_count(self) -> int:
        return sum(1 for a in self.assignments if a.raci == Raci.ACCOUNTABLE)

    @property
    def warning(self) -> str:
        """Exactly one person should be accountable for an area."""
        count = self.accountable_count
        if count == 0:
            return "No one is accountable for this area."
        if count > 1:
            return f"{count} roles are accountable for this area; exactly one should be."
        return ""


def raci_areas(assignments) -> list[RaciArea]:
    """Assignments (ordered by area) grouped per area."""
    return [RaciArea(area, list(rows)) for area, rows in groupby(assignments, key=lambda a: a.area)]


# ---- Timeline from the audit trail -------------------------------------------------------------------

VERB_LABELS = {
    "created": "created",
    "updated": "updated",
    "deleted": "deleted",
    "opened": "opened",
    "cleared": "cleared by corrected data",
    "reassessed": "reassessed",
    "target_changed": "target changed",
    "more_info_requested": "more information requested",
}
# Never shown to anyone, whatever the model declares.
SECRET_FIELDS = frozenset({"password", "token_hash"})
CHANGES_SHOWN = 4  # the rest fold away
MAX_VALUE_LENGTH = 80


@dataclass
class FieldChange:
    label: str
    old: str | None  # None when there was no earlier value to show
    new: str


@dataclass
class TimelineEntry:
    event: AuditEvent
    label: str
    changes: list[FieldChange]
    note: str = ""

    @property
    def shown_changes(self) -> list[FieldChange]:
        return self.changes[:CHANGES_SHOWN]

    @property
    def folded_changes(self) -> list[FieldChange]:
        return self.changes[CHANGES_SHOWN:]

    @property
    def actor_name(self) -> str:
        return str(self.event.actor) if self.event.actor else "System"


@dataclass
class TimelineDay:
    day: date
    entries: list[TimelineEntry]


@dataclass
class Timeline:
    days: list[TimelineDay]
    older_than: int | None  # the cursor for the next page, if there are older events

    def __bool__(self) -> bool:
        return bool(self.days)

    @property
    def entries(self) -> list[TimelineEntry]:
        return [entry for day in self.days for entry in day.entries]


def _model_for(object_type: str):
    try:
        return apps.get_model(object_type)
    except (LookupError, ValueError):
        return None


def action_label(event: AuditEvent, model=None) -> str:
    """``kpis.breach.opened`` → "Breach opened"."""
    parts = event.action.split(".")
    verb = parts[-1] if parts else event.action
    if model is not None:
        noun = str(model._meta.verbose_name)
    elif len(parts) >= 2:
        noun = parts[-2]
    else:
        noun = ""
    verb_text = VERB_LABELS.get(verb, verb.replace("_", " "))
    text = f"{noun} {verb_text}".strip()
    return text[:1].upper() + text[1:]


def _display_value(model_field, value) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if model_field is not None and model_field.choices:
        choices = dict(model_field.flatchoices)
        if isinstance(value, list):
            return ", ".join(str(choices.get(v, v)) for v in value)
        return str(choices.get(value, value))
    if isinstance(value, list):
        value = ", ".join(str(v) for v in value)
    text = str(value)
    return text if len(text) <= MAX_VALUE_LENGTH else text[: MAX_VALUE_LENGTH - 1] + "…"


def _field_changes(event: AuditEvent, model, hidden: set[str]) -> list[FieldChange]:
    changes = []
    # In the model's field order: PostgreSQL's jsonb keeps its own key order.
    order = {f.name: i for i, f in enumerate(model._meta.get_fields())} if model is not None else {}
    items = sorted((event.changes or {}).items(), key=lambda item: (order.get(item[0], len(order)), item[0]))
    for name, pair in items:
        if name in hidden or name in SECRET_FIELDS:
            continue
        model_field = None
        if model is not None:
            try:
                model_field = model._meta.get_field(name)
            except FieldDoesNotExist:
                model_field = None
        label = str(getattr(model_field, "verbose_name", name.replace("_", " ")))
        label = label[:1].upper() + label[1:]
        old, new = pair if isinstance(pair, list | tuple) and len(pair) == 2 else (None, pair)
        if model_field is not None and model_field.is_relation:
            # The trail keeps row ids; naming the rows would take a query per event, and on a
            # new row "set" says nothing.
            if event.action.endswith(".created"):
                continue
            verb = "set" if old is None else "cleared" if new is None else "changed"
            changes.append(FieldChange(label, None, verb))
            continue
        shown_old = None if old is None else _display_value(model_field, old)
        changes.append(FieldChange(label, shown_old, _display_value(model_field, new)))
    return changes


def timeline_entries_for_user(*, user, events: list[AuditEvent]) -> list[TimelineEntry]:
    """Readable entries, as much of the trail as the reader may read.

    Old → new values and notes follow the audit-trail permission (``Action.VIEW_AUDIT``): a role without
    it (viewers) gets what happened, to what, by whom and when, without values or notes. Vendor users
    never get values of internal-only fields, nor internal models, nor notes."""
    internal = policy.sees_internal(user)
    reads_trail = policy.role_allows(user, policy.Action.VIEW_AUDIT)
    entries = []
    for event in events:
        model = _model_for(event.object_type)
        if not internal and (model is None or policy.vendor_path(model) is None):
            continue
        if reads_trail:
            hidden = set() if internal else set(policy.internal_fields(model))
            changes = _field_changes(event, model, hidden)
        else:
            changes = []
        entries.append(
            TimelineEntry(
                event=event,
                label=action_label(event, model),
                changes=changes,
                note=event.note if internal and reads_trail else "",
            )
        )
    return entries


def vendor_timeline_for_user(*, user, vendor: Vendor, before: int | None = None, limit: int = TIMELINE_LIMIT):
    """The latest ``limit`` audit events about the vendor, grouped by local day, newest first."""
    events = vendor_activity_for_user(user=user, vendor=vendor, limit=limit + 1, before=before)
    older_than = events[limit - 1].pk if len(events) > limit else None
    entries = timeline_entries_for_user(user=user, events=events[:limit])
    days = [
        TimelineDay(day, list(group))
        for day, group in groupby(entries, key=lambda e: timezone.localdate(e.event.occurred_at))
    ]
    return Timeline(days, older_than)


def timeline_page_for_user(*, user, pk: int, before: int | None) -> Timeline:
    """One page of the timeline alone (for loading older events in place)."""
    vendor = policy.get_visible_or_404(user, Vendor.objects.only("pk"), pk=pk)
    return vendor_timeline_for_user(user=user, vendor=vendor, before=before)


# ---- The page ----------------------------------------------------------------------------------------


@dataclass
class Vendor360:
    vendor: Vendor
    contracts: list[Contract]
    service_levels: list[ServiceLevelRow]
    raci: list[RaciArea]
    escalation_path: object
    timeline: Timeline
    trend: ScorecardTrend
    standing: Scorecard | None
    scorecards: list[Scorecard]  # newest first, for the performance table
    open_breaches: list[Breach]
    progress_updates: list[ProgressUpdate]
    today: date

    @property
    def overdue_deliverables(self) -> list[Deliverable]:
        return [d for contract in self.contracts for d in contract.deliverables.all() if d.is_overdue]

    @property
    def missed_service_levels(self) -> list[ServiceLevelRow]:
        """Service levels whose latest period was breached or not reported."""
        return [
            row
            for row in self.service_levels
            if row.last_result and row.last_result.outcome in (Outcome.BREACHED, Outcome.MISSING)
        ]

    @cached_property
    def standing_chart(self) -> charts.Chart | None:
        """The latest month's category scores as bars."""
        card = self.standing
        if card is None:
            return None
        bars = [
            charts.Bar(label, getattr(card, name), _rag_for(getattr(card, name), self.trend.bands))
            for name, label in charts.SCORECARD_SERIES[1:]
        ]
        summary = ", ".join(f"{bar.label} {charts.fmt(bar.value, places=1)}" for bar in bars)
        return charts.bar_chart(
            title=f"Category scores of {self.vendor.name}, {charts.period_label(card.period_start)}",
            description=f"Out of 100: {summary}.",
            bars=bars,
            max_value=100,
            value_heading="Score",
        )


def _rag_for(value, bands) -> str:
    if value is None:
        return ""
    for band in bands:
        if band.lower <= value < band.upper or (value == band.upper == 100):
            return band.rag
    return ""


def vendor_360_for_user(
    *,
    user,
    pk: int,
    trend_months: int = DEFAULT_TREND_MONTHS,
    timeline_before: int | None = None,
    today: date | None = None,
) -> Vendor360:
    """Everything the vendor 360 shows, scoped by the access policy, in a fixed number of queries.

    The vendor comes annotated with ``overdue_action_count`` (open action items past their due date)
    and ``open_issue_count``.
    """
    today = today or timezone.localdate()
    overdue_actions = ActionItem.objects.filter(status__in=ACTION_OPEN_STATUSES, due_on__lt=today)
    open_issues = Issue.objects.filter(status=IssueStatus.OPEN)
    queryset = Vendor.objects.select_related("internal_owner", "parent").annotate(
        overdue_action_count=_per_vendor_count(policy.scope(user, overdue_actions), "vendor"),
        open_issue_count=_per_vendor_count(policy.scope(user, open_issues), "vendor"),
    )
    queryset = queryset.prefetch_related(
        "service_categories",
        Prefetch("contacts", queryset=policy.scope(user, VendorContact.objects.filter(retired_on=None))),
        Prefetch(
            "contracts",
            queryset=policy.scope(user, Contract.objects.order_by("reference")).prefetch_related(
                Prefetch(
                    "deliverables",
                    queryset=policy.scope(user, Deliverable.objects.order_by("due_date", "title")),
                )
            ),
        ),
        Prefetch(
            "role_assignments",
            queryset=policy.scope(user, RoleAssignment.objects.all())
            .select_related("person", "contact", "contract")
            .order_by("area", "raci", "side", "role_title"),
        ),
    )
    vendor = policy.get_visible_or_404(user, queryset, pk=pk)
    contracts = list(vendor.contracts.all())
    for contract in contracts:
        _mark_overdue(contract.deliverables.all(), today)
    scorecards = _recent_scorecards(user=user, vendor=vendor, today=today)
    bands = standing_bands()
    return Vendor360(
        vendor=vendor,
        contracts=contracts,
        service_levels=_service_level_rows(user=user, vendor=vendor),
        raci=raci_areas(vendor.role_assignments.all()),
        escalation_path=escalation_path_for_vendor(vendor=vendor),
        timeline=vendor_timeline_for_user(user=user, vendor=vendor, before=timeline_before),
        trend=_trend(vendor=vendor, scorecards=scorecards, months=trend_months, today=today, bands=bands),
        standing=scorecards[-1] if scorecards else None,
        scorecards=scorecards[::-1][:PERFORMANCE_MONTHS],
        open_breaches=_open_breaches(user=user, vendor=vendor),
        progress_updates=list(
            policy.scope(user, ProgressUpdate.objects.filter(vendor=vendor))
            .select_related("submitted_by")
            .order_by("-period_start", "-submitted_at")[:3]
        ),
        today=today,
    )


def _open_breaches(*, user, vendor: Vendor) -> list[Breach]:
    return list(
        policy.scope(user, Breach.objects.filter(service_level__contract__vendor=vendor))
        .filter(status__in=OPEN_BREACH_STATUSES)
        .select_related("service_level__metric", "service_level__contract")
        .order_by("response_due_at", "service_level__metric__name")
    )


def vendor_performance_for_user(*, user, vendor: Vendor, months: int = PERFORMANCE_MONTHS) -> dict:
    """The vendor's recent scorecards (newest first) and its open breaches, in two queries."""
    scorecards = list(
        policy.scope(user, Scorecard.objects.filter(vendor=vendor)).order_by("-period_start")[:months]
    )
    return {"scorecards": scorecards, "open_breaches": _open_breaches(user=user, vendor=vendor)}


def _service_levels(user):
    return policy.scope(user, ServiceLevel.objects.select_related("metric").order_by("metric__name"))


def contract_detail_for_user(*, user, pk: int, today: date | None = None) -> Contract:
    """One contract with its vendor, parent, deliverables and service levels (with metrics).

    ``contract.service_level_rows`` carry each service level's last results; deliverables past
    their due date and not delivered are marked ``is_overdue``.
    """
    today = today or timezone.localdate()
    queryset = Contract.objects.select_related("vendor", "parent", "owner").prefetch_related(
        Prefetch(
            "deliverables",
            queryset=policy.scope(user, Deliverable.objects.select_related("approver", "accepted_by")),
        ),
        Prefetch("service_levels", queryset=_service_levels(user)),
    )
    contract = policy.get_visible_or_404(user, queryset, pk=pk)
    _mark_overdue(contract.deliverables.all(), today)
    results = recent_results_by_service_level(user=user, service_level__contract=contract)
    contract.service_level_rows = [
        ServiceLevelRow(sl, results.get(sl.pk, [])) for sl in contract.service_levels.all()
    ]
    return contract


def _mark_overdue(deliverables, today: date) -> None:
    for deliverable in deliverables:
        deliverable.is_overdue = (
            deliverable.due_date < today and deliverable.status in OPEN_DELIVERABLE_STATUSES
        )
