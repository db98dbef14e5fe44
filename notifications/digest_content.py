"""What each digest says, built for a whole batch of recipients at once.

Every section is one query over all the vendors of the batch, shared out in Python: a batch of 10 or
of 500 digests costs the same number of queries. Recipients with the same portfolio and period share
the work too. Vendor users' sections are limited to their own vendor's rows (the access policy's
vendor path of each model); managers' to their portfolio, the vendors they own plus those nobody
owns.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Count, Min, Q
from django.utils import timezone

from accounts import policy
from accounts.models import Role
from contracts.dates import contract_key_dates
from contracts.models import Contract, ContractStatus, Deliverable, DeliverableStatus, RenewalType
from governance.models import (
    ACTION_OPEN_STATUSES,
    ActionItem,
    Finding,
    FindingStatus,
    Review,
    ReviewStatus,
    Side,
)
from kpis import periods
from kpis.models import (
    Breach,
    BreachKind,
    BreachStatus,
    Measurement,
    MeasurementStatus,
    Scorecard,
    ServiceLevel,
)
from kpis.models.results import OPEN_BREACH_STATUSES
from vendors.models import Vendor

from . import links
from .kinds import DEFAULT_MODES, DeliveryMode, DigestKind, NotificationKind
from .models import DigestLedger, Notification
from .services.due import ended_open_periods, reported_periods
from .services.events import period_text

K = NotificationKind
AWAITING_RESPONSE = (BreachStatus.OPEN, BreachStatus.ACKNOWLEDGED)
SOON = timedelta(days=14)
SEVERITY_ORDER = {"high": 0, "medium": 1, "low": 2, "critical": -1}
# Kinds a digest reports in a section of its own; the others are listed under "Updates".
MANAGER_SECTION_KINDS = {
    K.BREACH_OPENED,
    K.REPORT_LATE,
    K.VALIDATION_WAITING,
    K.ACTION_OVERDUE,
    K.NOTICE_DEADLINE,
    K.BREACH_RESPONSE_OVERDUE,
}
VENDOR_SECTION_KINDS = {
    K.REPORT_DUE,
    K.BREACH_OPENED,
    K.REPORT_LATE,
    K.BREACH_RESPONSE_DUE,
    K.BREACH_RESPONSE_OVERDUE,
    K.ACTION_OVERDUE,
    K.REVIEW_STEP,
    K.FINDING,
    K.DELIVERABLE,
}


@dataclass
class Item:
    text: str
    url: str
    meta: str = ""
    flag: str = ""  # "overdue", "new" or "soon": a badge beside the line


@dataclass
class Section:
    kind: str
    title: str
    items: list[Item]
    total: int
    more_url: str = ""

    @property
    def more(self) -> int:
        return self.total - len(self.items)


@dataclass
class Digest:
    """Everything a digest e-mail shows; ``is_empty`` digests are not sent."""

    kind: str
    period_label: str
    sections: list[Section] = field(default_factory=list)
    updates: list[Item] = field(default_factory=list)
    updates_total: int = 0
    standings: dict | None = None
    vendor_name: str = ""

    @property
    def count(self) -> int:
        return sum(s.total for s in self.sections) + self.updates_total

    @property
    def is_empty(self) -> bool:
        return self.count == 0 and not self.standings


def _limit() -> int:
    return settings.NOTIFICATIONS_DIGEST_SECTION_LIMIT


def _section(kind, title, keyed: list[tuple], more_url: str) -> Section | None:
    """A section of the ``keyed`` (sort key, item) pairs, cut to the limit; None when empty."""
    if not keyed:
        return None
    keyed = sorted(keyed, key=lambda pair: pair[0])
    return Section(
        kind=kind,
        title=title,
        items=[item for _, item in keyed[: _limit()]],
        total=len(keyed),
        more_url=links.absolute(more_url),
    )


def _figures(count: int) -> str:
    return f"{count} figure{'s' if count != 1 else ''}"


def _short(value: date) -> str:
    return f"{value.day} {value:%b}"


def _day(value: date) -> str:
    return f"{value.day} {value:%b %Y}"


def _local(moment: datetime) -> datetime:
    return timezone.localtime(moment, periods.local_zone())


def period_label(entry: DigestLedger) -> str:
    start, end = _local(entry.window_start), _local(entry.window_end)
    if entry.kind == DigestKind.SUMMARY:
        return f"{start:%B %Y}"
    if (end - start) <= timedelta(days=1, hours=1):
        return _day(end.date())
    return f"{start.day} {start:%b} to {_day((end - timedelta(seconds=1)).date())}"


def _mode(preference, kind: str) -> str:
    return preference.mode_for(kind) if preference is not None else DEFAULT_MODES[kind]


def preference_of(user):
    """The person's preferences, loaded with them; None when they kept the defaults."""
    try:
        return user.notification_preference
    except ObjectDoesNotExist:
        return None


# ---- Updates: digest-only notifications of the period ------------------------------------------------


def _updates(entries: list[DigestLedger], section_kinds: set) -> dict[int, list[Item]]:
    """Per ledger entry, the notifications of its period the person wants by digest (one query)."""
    if not entries:
        return {}
    rows = Notification.objects.filter(
        recipient_id__in={e.user_id for e in entries},
        created_at__gte=min(e.window_start for e in entries),
        created_at__lt=max(e.window_end for e in entries),
    ).exclude(kind__in=section_kinds)
    by_user = defaultdict(list)
    for row in rows.order_by("created_at", "pk").values("recipient_id", "kind", "title", "url", "created_at"):
        by_user[row["recipient_id"]].append(row)
    found = {}
    for entry in entries:
        preference = preference_of(entry.user)
        found[entry.pk] = [
            Item(
                text=row["title"],
                url=links.absolute(row["url"]),
                meta=f"{_short(_local(row['created_at']))} {_local(row['created_at']):%H:%M}",
            )
            for row in by_user.get(entry.user_id, ())
            if entry.window_start <= row["created_at"] < entry.window_end
            and _mode(preference, row["kind"]) == DeliveryMode.DIGEST
        ]
    return found


def _with_updates(digest: Digest, updates: list[Item]) -> Digest:
    digest.updates = updates[: _limit() * 2]
    digest.updates_total = len(updates)
    return digest


# ---- Managers: what changed in their portfolio --------------------------------------------------------


def portfolios(users) -> dict[int, frozenset[int]]:
    """Each manager's portfolio: the vendors they own, plus the vendors without an active owner. One
    query."""
    owned, orphans = defaultdict(set), set()
    rows = Vendor.objects.values_list(
        "pk", "internal_owner_id", "internal_owner__is_active", "internal_owner__role"
    )
    for vendor_id, owner_id, owner_active, owner_role in rows:
        if owner_id and owner_active and owner_role in (Role.MANAGER, Role.ADMIN):
            owned[owner_id].add(vendor_id)
        else:
            orphans.add(vendor_id)
    return {user.pk: frozenset(owned.get(user.pk, set()) | orphans) for user in users}


def _breach_text(breach: Breach) -> str:
    sl = breach.service_level
    return (
        f"{sl.metric.name} on {sl.contract.reference}, {period_text(breach.period_start, breach.period_end)}"
    )


class ManagerData:
    """The batch's rows, per vendor, for every section of the managers' digest."""

    def __init__(self, vendor_ids: set[int], start: datetime, end: datetime):
        today = periods.local_today(end)
        stale = today - timedelta(days=settings.NOTIFICATIONS_STALE_DAYS)
        self.names = dict(Vendor.objects.filter(pk__in=vendor_ids).values_list("pk", "name"))
        self.new_breaches = defaultdict(list)
        breaches = Breach.objects.filter(
            service_level__contract__vendor_id__in=vendor_ids,
            opened_at__gte=start,
            opened_at__lt=end,
            period_end__gte=stale,
        ).select_related("service_level__metric", "service_level__contract")
        for breach in breaches:
            self.new_breaches[breach.service_level.contract.vendor_id].append(breach)
        self.overdue_responses = defaultdict(list)
        late = Breach.objects.filter(
            service_level__contract__vendor_id__in=vendor_ids,
            status__in=AWAITING_RESPONSE,
            response_due_at__lt=end,
            response_due_at__gte=end - timedelta(days=settings.NOTIFICATIONS_STALE_DAYS),
        ).select_related("service_level__metric", "service_level__contract")
        for breach in late:
            self.overdue_responses[breach.service_level.contract.vendor_id].append(breach)
        self.waiting = {
            row["service_level__contract__vendor_id"]: row
            for row in Measurement.objects.filter(
                service_level__contract__vendor_id__in=vendor_ids,
                status=MeasurementStatus.SUBMITTED,
                is_current=True,
                submitted_by__vendor__isnull=False,
            )
            .values("service_level__contract__vendor_id")
            .annotate(count=Count("pk"), since=Min("submitted_at"))
            .order_by()
        }
        self.actions = defaultdict(list)
        for action in ActionItem.objects.filter(
            vendor_id__in=vendor_ids, status__in=ACTION_OPEN_STATUSES, due_on__lt=today
        ).order_by("due_on", "pk"):
            self.actions[action.vendor_id].append(action)
        self.notices = defaultdict(list)
        contracts = Contract.objects.filter(vendor_id__in=vendor_ids, status=ContractStatus.ACTIVE).exclude(
            renewal_type=RenewalType.NONE
        )
        for contract in contracts:
            deadline = contract_key_dates(contract, on=today).upcoming_notice_deadline
            if deadline is not None and (deadline - today).days <= settings.NOTIFICATIONS_NOTICE_DAYS:
                self.notices[contract.vendor_id].append((contract, deadline))
        self.today = today


def _manager_sections(data: ManagerData, portfolio: frozenset[int], preference, multi: bool) -> list[Section]:
    def who(vendor_id):
        return f"{data.names.get(vendor_id, '')} · " if multi else ""

    wanted = {kind for kind in MANAGER_SECTION_KINDS if _mode(preference, kind) != DeliveryMode.OFF}
    breaches, missing, late, waiting, actions, notices = [], [], [], [], [], []
    for vendor_id in portfolio:
        for b in data.new_breaches.get(vendor_id, ()):
            item = Item(text=who(vendor_id) + _breach_text(b), url=links.absolute(links.breach_page(b.pk)))
            if b.kind == BreachKind.NOT_REPORTED:
                missing.append(((b.opened_at, b.pk), item))
            else:
                item.meta = b.get_severity_display()
                breaches.append(((SEVERITY_ORDER.get(b.severity, 9), b.opened_at, b.pk), item))
        for b in data.overdue_responses.get(vendor_id, ()):
            item = Item(
                text=who(vendor_id) + _breach_text(b),
                url=links.absolute(links.breach_page(b.pk)),
                meta=f"response was due {_short(_local(b.response_due_at))}",
                flag="overdue",
            )
            late.append(((b.response_due_at, b.pk), item))
        row = data.waiting.get(vendor_id)
        if row:
            item = Item(
                text=f"{data.names.get(vendor_id, '')}: {_figures(row['count'])}",
                url=links.absolute(links.validation_page(vendor_id)),
                meta=f"oldest {_day(_local(row['since']).date())}",
            )
            waiting.append(((row["since"], vendor_id), item))
        for a in data.actions.get(vendor_id, ()):
            item = Item(
                text=who(vendor_id) + a.title,
                url=links.absolute(links.action_page(a.pk, vendor_id)),
                meta=f"{a.get_owner_side_display().lower()} side, due {_day(a.due_on)}",
                flag="overdue",
            )
            actions.append(((a.due_on, a.pk), item))
        for contract, deadline in data.notices.get(vendor_id, ()):
            days = (deadline - data.today).days
            item = Item(
                text=who(vendor_id) + f"{contract.reference} {contract.title}",
                url=links.absolute(links.contract_page(contract.pk)),
                meta=f"notice by {_day(deadline)}",
                flag="soon" if days <= 30 else "",
            )
            notices.append(((deadline, contract.pk), item))
    specs = [
        (K.BREACH_OPENED, "New breaches", breaches, "/breaches/"),
        (K.REPORT_LATE, "Missing reports", missing, "/breaches/?kind=not_reported"),
        (K.BREACH_RESPONSE_OVERDUE, "Breach responses overdue", late, "/breaches/"),
        (K.VALIDATION_WAITING, "Figures waiting for validation", waiting, links.validation_page()),
        (K.ACTION_OVERDUE, "Overdue actions", actions, links.vendor_page(None)),
        (K.NOTICE_DEADLINE, "Notice deadlines coming up", notices, links.vendor_page(None)),
    ]
    return [
        s for kind, title, keyed, url in specs if kind in wanted and (s := _section(kind, title, keyed, url))
    ]


def manager_digests(entries: list[DigestLedger]) -> dict[int, Digest]:
    if not entries:
        return {}
    owned = portfolios([e.user for e in entries])
    everything = set().union(*owned.values())
    data = ManagerData(everything, min(e.window_start for e in entries), max(e.window_end for e in entries))
    updates = _updates(entries, MANAGER_SECTION_KINDS)
    shared: dict[tuple, list[Section]] = {}
    digests = {}
    for entry in entries:
        preference = preference_of(entry.user)
        portfolio = owned[entry.user_id]
        modes = tuple(_mode(preference, kind) for kind in sorted(MANAGER_SECTION_KINDS))
        key = (portfolio, entry.window_start, entry.window_end, modes)
        if key not in shared:
            window = _window_data(data, entry)
            shared[key] = _manager_sections(window, portfolio, preference, multi=len(portfolio) > 1)
        digest = Digest(kind=entry.kind, period_label=period_label(entry), sections=shared[key])
        digests[entry.pk] = _with_updates(digest, updates.get(entry.pk, []))
    return digests


def _window_data(data: ManagerData, entry: DigestLedger) -> ManagerData:
    """The batch's data narrowed to one entry's period (the batch may mix periods)."""
    narrowed = object.__new__(ManagerData)
    narrowed.__dict__.update(data.__dict__)
    narrowed.new_breaches = {
        vendor_id: [b for b in rows if entry.window_start <= b.opened_at < entry.window_end]
        for vendor_id, rows in data.new_breaches.items()
    }
    narrowed.overdue_responses = {
        vendor_id: [b for b in rows if b.response_due_at < entry.window_end]
        for vendor_id, rows in data.overdue_responses.items()
    }
    return narrowed


# ---- Vendor users: what is due from them and what needs their response --------------------------------


def _vendor_rows(model, vendor_ids, **filters):
    """Rows of ``model`` belonging to these vendors, by the access policy's path from the model to its
    vendor (the same rule ``policy.scope`` applies to vendor users).

    The sections built from them are shared by all of a vendor's users, so only models every user of the
    vendor sees in full may be read this way; a model the policy narrows per reader (meetings of a forum,
    internal issues) must be read with ``policy.scope`` for each user."""
    if policy.is_narrowed(model):
        raise ValueError(f"{model.__name__} rows differ per reader; scope them for each user.")
    path = policy.vendor_path(model)
    return model._default_manager.filter(**{f"{path}__in": vendor_ids}, **filters)


class VendorData:
    def __init__(self, vendor_ids: set[int], start: datetime, end: datetime):
        today = periods.local_today(end)
        self.today, self.end = today, end
        self.names = dict(Vendor.objects.filter(pk__in=vendor_ids).values_list("pk", "name"))
        self.reports = defaultdict(list)
        service_levels = _vendor_rows(
            ServiceLevel, vendor_ids, is_active=True, contract__status=ContractStatus.ACTIVE
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
        due = [(sl, s, e) for sl in service_levels for s, e in ended_open_periods(sl, end)]
        reported = reported_periods(due)
        for sl, s, e in due:
            if (sl["pk"], s) not in reported:
                deadline = periods.close_date(e, sl["grace_days"]) - timedelta(days=1)
                self.reports[sl["contract__vendor_id"]].append((sl, s, e, deadline))
        self.breaches = defaultdict(list)
        for b in (
            _vendor_rows(Breach, vendor_ids, status__in=AWAITING_RESPONSE)
            .select_related("service_level__metric", "service_level__contract")
            .order_by("response_due_at", "pk")
        ):
            self.breaches[b.service_level.contract.vendor_id].append(b)
        self.actions = defaultdict(list)
        for a in _vendor_rows(
            ActionItem,
            vendor_ids,
            status__in=ACTION_OPEN_STATUSES,
            owner_side=Side.VENDOR,
            due_on__lte=today + SOON,
        ).order_by("due_on", "pk"):
            self.actions[a.vendor_id].append(a)
        self.reviews = defaultdict(list)
        for r in _vendor_rows(Review, vendor_ids).filter(
            Q(status=ReviewStatus.SELF_ASSESSMENT)
            | Q(status=ReviewStatus.SIGN_OFF, vendor_signed_at__isnull=True)
        ):
            self.reviews[r.vendor_id].append(r)
        self.findings = defaultdict(list)
        for f in (
            _vendor_rows(Finding, vendor_ids, status=FindingStatus.OPEN, owner_side=Side.VENDOR)
            .select_related("audit")
            .order_by("due_on", "pk")
        ):
            self.findings[f.audit.vendor_id].append(f)
        self.deliverables = defaultdict(list)
        for d in (
            _vendor_rows(
                Deliverable,
                vendor_ids,
                status__in=[DeliverableStatus.PLANNED, DeliverableStatus.REJECTED],
                due_date__lte=today + SOON,
                contract__status=ContractStatus.ACTIVE,
            )
            .select_related("contract")
            .order_by("due_date", "pk")
        ):
            self.deliverables[d.contract.vendor_id].append(d)


def _due_flag(day: date, today: date) -> str:
    return "overdue" if day < today else ("soon" if day <= today + timedelta(days=3) else "")


def _vendor_sections(data: VendorData, vendor_id: int, entry: DigestLedger, preference) -> list[Section]:
    wanted = {kind for kind in VENDOR_SECTION_KINDS if _mode(preference, kind) != DeliveryMode.OFF}
    today, figures_url = data.today, links.new_figures_page()
    reports = [
        (
            (deadline, sl["metric__name"]),
            Item(
                text=f"{sl['metric__name']} on {sl['contract__reference']}, {s:%d %b} – {e:%d %b %Y}",
                url=links.absolute(figures_url),
                meta=f"due by {_day(deadline)}",
                flag=_due_flag(deadline, today) or "soon",
            ),
        )
        for sl, s, e, deadline in data.reports.get(vendor_id, ())
    ]
    breaches = []
    for b in data.breaches.get(vendor_id, ()):
        overdue = b.response_due_at < data.end
        new = entry.window_start <= b.opened_at < entry.window_end
        item = Item(
            text=_breach_text(b) + (", not reported" if b.kind == BreachKind.NOT_REPORTED else ""),
            url=links.absolute(links.breach_page(b.pk)),
            meta=f"response due {_short(_local(b.response_due_at))} {_local(b.response_due_at):%H:%M}",
            flag="overdue" if overdue else ("new" if new else ""),
        )
        breaches.append(((b.response_due_at, b.pk), item))
    actions = [
        (
            (a.due_on, a.pk),
            Item(
                text=a.title,
                url=links.absolute(links.action_page(a.pk, vendor_id)),
                meta=f"due {_day(a.due_on)}",
                flag=_due_flag(a.due_on, today),
            ),
        )
        for a in data.actions.get(vendor_id, ())
    ]
    reviews = [
        (
            (r.due_on, r.pk),
            Item(
                text=(
                    f"Review {r.period_start:%b %Y} – {r.period_end:%b %Y}: {r.get_status_display().lower()}"
                ),
                url=links.absolute(links.review_page(r.pk, vendor_id)),
                meta=f"due {_day(r.due_on)}",
                flag=_due_flag(r.due_on, today),
            ),
        )
        for r in data.reviews.get(vendor_id, ())
    ]
    findings = [
        (
            (f.due_on, f.pk),
            Item(
                text=f"{f.title} ({f.get_severity_display().lower()})",
                url=links.absolute(links.finding_page(f.pk, vendor_id)),
                meta=f"due {_day(f.due_on)}",
                flag=_due_flag(f.due_on, today),
            ),
        )
        for f in data.findings.get(vendor_id, ())
    ]
    deliverables = [
        (
            (d.due_date, d.pk),
            Item(
                text=f"{d.title} ({d.contract.reference})",
                url=links.absolute(links.contract_page(d.contract_id)),
                meta=f"due {_day(d.due_date)}",
                flag=_due_flag(d.due_date, today),
            ),
        )
        for d in data.deliverables.get(vendor_id, ())
    ]
    breach_kinds = {K.BREACH_OPENED, K.REPORT_LATE, K.BREACH_RESPONSE_DUE, K.BREACH_RESPONSE_OVERDUE}
    specs = [
        (K.REPORT_DUE in wanted, K.REPORT_DUE, "Figures to report", reports, figures_url),
        (
            bool(breach_kinds & wanted),
            K.BREACH_RESPONSE_DUE,
            "Breaches waiting for your response",
            breaches,
            "/breaches/",
        ),
        (
            K.ACTION_OVERDUE in wanted,
            K.ACTION_OVERDUE,
            "Your actions due",
            actions,
            links.vendor_page(vendor_id),
        ),
        (
            K.REVIEW_STEP in wanted,
            K.REVIEW_STEP,
            "Reviews waiting for you",
            reviews,
            links.vendor_page(vendor_id),
        ),
        (
            K.FINDING in wanted,
            K.FINDING,
            "Audit findings to remediate",
            findings,
            links.vendor_page(vendor_id),
        ),
        (
            K.DELIVERABLE in wanted,
            K.DELIVERABLE,
            "Deliverables due",
            deliverables,
            links.vendor_page(vendor_id),
        ),
    ]
    return [s for on, kind, title, keyed, url in specs if on and (s := _section(kind, title, keyed, url))]


def vendor_digests(entries: list[DigestLedger]) -> dict[int, Digest]:
    if not entries:
        return {}
    vendor_ids = {e.user.vendor_id for e in entries if e.user.vendor_id}
    data = VendorData(vendor_ids, min(e.window_start for e in entries), max(e.window_end for e in entries))
    updates = _updates(entries, VENDOR_SECTION_KINDS)
    shared: dict[tuple, list[Section]] = {}
    digests = {}
    for entry in entries:
        vendor_id, preference = entry.user.vendor_id, preference_of(entry.user)
        modes = tuple(_mode(preference, kind) for kind in sorted(VENDOR_SECTION_KINDS))
        key = (vendor_id, entry.window_start, entry.window_end, modes)
        if key not in shared:
            shared[key] = _vendor_sections(data, vendor_id, entry, preference) if vendor_id else []
        digest = Digest(
            kind=entry.kind,
            period_label=period_label(entry),
            sections=shared[key],
            vendor_name=data.names.get(vendor_id, ""),
        )
        digests[entry.pk] = _with_updates(digest, updates.get(entry.pk, []))
    return digests


# ---- Viewers and auditors: the month's standings and how they moved -----------------------------------

RAG_COLOURS = {"green": "#1f7a4d", "amber": "#b7791f", "red": "#b42318", "": "#829ab1"}
STANDINGS_SHOWN = 25
MOVERS_SHOWN = 5


def _standings(month_before: date) -> dict | None:
    """The latest complete month of scorecards before ``month_before`` against the month before it.

    A month whose scorecards are still coming in (fewer vendors scored than the month before, while
    late figures are in their grace days) gives way to the month before it.
    """
    recent = (
        Scorecard.objects.filter(
            period_start__lt=month_before, period_start__gte=month_before - timedelta(days=100)
        )
        .values_list("period_start")
        .annotate(n=Count("pk"))
        .order_by("-period_start")
    )
    counts = list(recent)
    latest = next(
        (
            month
            for index, (month, n) in enumerate(counts)
            if index + 1 == len(counts) or n >= counts[index + 1][1]
        ),
        None,
    )
    if latest is None:
        return None
    previous = periods.period_bounds("monthly", latest - timedelta(days=1))[0]
    cards = Scorecard.objects.filter(period_start__in=[latest, previous]).select_related("vendor")
    now_cards, then_cards = {}, {}
    for card in cards:
        (now_cards if card.period_start == latest else then_cards)[card.vendor_id] = card
    rows = []
    for vendor_id, card in now_cards.items():
        before = then_cards.get(vendor_id)
        delta = None if before is None else card.score - before.score
        moved = None if before is None or not (card.rank and before.rank) else before.rank - card.rank
        rows.append(
            {
                "vendor": card.vendor.name,
                "url": links.absolute(links.vendor_page(vendor_id)),
                "score": card.score,
                "width": max(1, min(100, int(round(card.score)))),
                "rag": card.rag,
                "colour": RAG_COLOURS.get(card.rag, RAG_COLOURS[""]),
                "band": card.band,
                "rank": card.rank,
                "delta": delta,
                "rank_moved": moved,
                "previous_rag": before.rag if before else "",
            }
        )
    rows.sort(key=lambda r: (r["rank"] or 10**6, -r["score"], r["vendor"]))
    counts = dict.fromkeys(("green", "amber", "red"), 0)
    before_counts = dict(counts)
    for card in now_cards.values():
        counts[card.rag] = counts.get(card.rag, 0) + 1
    for card in then_cards.values():
        before_counts[card.rag] = before_counts.get(card.rag, 0) + 1
    total = max(1, len(now_cards))
    distribution = [
        {
            "rag": rag,
            "label": rag.capitalize(),
            "count": counts[rag],
            "change": counts[rag] - before_counts[rag],
            "width": int(round(100 * counts[rag] / total)),
            "colour": RAG_COLOURS[rag],
        }
        for rag in ("green", "amber", "red")
    ]
    moved = [r for r in rows if r["delta"] is not None]
    month_start = latest
    month_end = periods.period_bounds("monthly", latest)[1]
    breach_counts = Breach.objects.aggregate(
        opened=Count("pk", filter=Q(period_start__gte=month_start, period_start__lte=month_end)),
        still_open=Count("pk", filter=Q(status__in=OPEN_BREACH_STATUSES)),
    )
    return {
        "month": latest,
        "previous_month": previous,
        "rows": rows[:STANDINGS_SHOWN],
        "rows_total": len(rows),
        "distribution": distribution,
        "improved": sorted((r for r in moved if r["delta"] > 0), key=lambda r: -r["delta"])[:MOVERS_SHOWN],
        "declined": sorted((r for r in moved if r["delta"] < 0), key=lambda r: r["delta"])[:MOVERS_SHOWN],
        "breaches_opened": breach_counts["opened"],
        "breaches_open": breach_counts["still_open"],
        "scorecards_url": links.absolute("/scorecards/"),
    }


def summary_digests(entries: list[DigestLedger]) -> dict[int, Digest]:
    if not entries:
        return {}
    updates = _updates(entries, set())
    by_month: dict[date, dict | None] = {}
    digests = {}
    for entry in entries:
        month = periods.local_today(entry.window_end).replace(day=1)
        if month not in by_month:
            by_month[month] = _standings(month)
        digest = Digest(kind=entry.kind, period_label=period_label(entry), standings=by_month[month])
        digests[entry.pk] = _with_updates(digest, updates.get(entry.pk, []))
    return digests


BUILDERS = {
    DigestKind.MANAGER: manager_digests,
    DigestKind.VENDOR: vendor_digests,
    DigestKind.SUMMARY: summary_digests,
}


def build_digests(entries: list[DigestLedger]) -> dict[int, Digest]:
    """The digest of every ledger entry (entries with their ``user`` and preference loaded)."""
    by_kind = defaultdict(list)
    for entry in entries:
        by_kind[entry.kind].append(entry)
    digests = {}
    for kind, batch in by_kind.items():
        digests.update(BUILDERS[kind](batch))
    return digests
