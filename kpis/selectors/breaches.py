"""Reads of breaches and their cases, scoped by the access policy."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import BooleanField, Case, Exists, OuterRef, Q, QuerySet, Subquery, Value, When
from django.utils import timezone

from accounts import policy
from kpis.selectors.scorecards import (
    AWAITING_RESPONSE,
    BREACH_AGES,
    BREACH_SORTS,
    CLOSED_BREACH_STATUSES,
    DEFAULT_BREACH_SORT,
    SEVERITY_RANK,
)

from ..models import (
    Breach,
    BreachNote,
    Dispute,
    DisputeStatus,
    EvidenceFile,
    ServiceLevelResult,
)
from ..models.results import OPEN_BREACH_STATUSES


def breaches_by_vendor(*, user) -> dict[int, int]:
    """Open breach counts per vendor, in one query."""
    from django.db.models import Count

    from ..models import Breach
    from ..models.results import OPEN_BREACH_STATUSES

    rows = (
        policy.scope(user, Breach.objects.filter(status__in=OPEN_BREACH_STATUSES))
        .values("service_level__contract__vendor_id")
        .annotate(n=Count("id"))
    )
    counts = defaultdict(int)
    for row in rows:
        counts[row["service_level__contract__vendor_id"]] = row["n"]
    return counts


def breach_list_for_user(
    *,
    user,
    vendor=None,
    severity: str | None = None,
    status: str | None = "open",
    kind: str | None = None,
    age: str | None = None,
    period_from: date | None = None,
    period_to: date | None = None,
    sort: str | None = None,
    now: datetime | None = None,
) -> QuerySet[Breach]:
    """Breaches the user may see, filtered and sorted, with everything the list shows joined in.

    ``status`` is a breach status, "open" (still awaiting an outcome), "closed" or "all".
    Each row carries ``severity_rank``, ``has_open_dispute``, ``is_overdue`` and ``figures_basis`` (what
    its period's result rests on: validated, pending or disputed figures).
    """
    now = now or timezone.now()
    breaches = policy.scope(user, Breach.objects.all()).select_related(
        "service_level__metric", "service_level__contract__vendor"
    )
    if status == "open":
        breaches = breaches.filter(status__in=OPEN_BREACH_STATUSES)
    elif status == "closed":
        breaches = breaches.filter(status__in=CLOSED_BREACH_STATUSES)
    elif status and status != "all":
        breaches = breaches.filter(status=status)
    if vendor is not None:
        breaches = breaches.filter(service_level__contract__vendor=vendor)
    if severity:
        breaches = breaches.filter(severity=severity)
    if kind:
        breaches = breaches.filter(kind=kind)
    if age in BREACH_AGES:
        youngest, oldest = BREACH_AGES[age]
        breaches = breaches.filter(opened_at__lte=now - timedelta(days=youngest))
        if oldest is not None:
            breaches = breaches.filter(opened_at__gt=now - timedelta(days=oldest + 1))
    if period_from:
        breaches = breaches.filter(period_end__gte=period_from)
    if period_to:
        breaches = breaches.filter(period_start__lte=period_to)
    open_disputes = Dispute.objects.filter(breach=OuterRef("pk"), status=DisputeStatus.OPEN)
    overdue = Q(status__in=AWAITING_RESPONSE, response_due_at__lt=now)
    breaches = breaches.annotate(
        severity_rank=SEVERITY_RANK,
        has_open_dispute=Exists(open_disputes),
        figures_basis=Subquery(
            ServiceLevelResult.objects.filter(
                service_level_id=OuterRef("service_level_id"), period_start=OuterRef("period_start")
            ).values("figures_basis")[:1]
        ),
        is_overdue=Case(When(overdue, then=Value(True)), default=Value(False), output_field=BooleanField()),
    )
    return breaches.order_by(
        *BREACH_SORTS.get(sort or DEFAULT_BREACH_SORT, BREACH_SORTS[DEFAULT_BREACH_SORT])
    )


def breach_for_user(*, user, pk: int) -> Breach:
    """One breach the user may see, with its service level, metric, contract, vendor and people."""
    breaches = Breach.objects.select_related(
        "service_level__metric", "service_level__contract__vendor", "responded_by", "closed_by"
    )
    return policy.get_visible_or_404(user, breaches, pk=pk)


@dataclass
class BreachCase:
    """Everything the breach page shows around the breach itself."""

    result: ServiceLevelResult | None
    notes: list[BreachNote]
    disputes: list[Dispute]
    evidence: list[EvidenceFile]

    @property
    def open_dispute(self) -> Dispute | None:
        return next((d for d in self.disputes if d.status == DisputeStatus.OPEN), None)


def breach_case_for_user(*, user, breach: Breach) -> BreachCase:
    """The breach's result (its arithmetic), thread, disputes and evidence: four queries."""
    result = (
        policy.scope(user, ServiceLevelResult.objects.all())
        .filter(service_level_id=breach.service_level_id, period_start=breach.period_start)
        .first()
    )
    notes = policy.scope(user, BreachNote.objects.filter(breach=breach)).select_related("author__vendor")
    disputes = policy.scope(user, Dispute.objects.filter(breach=breach)).select_related(
        "raised_by", "resolved_by"
    )
    evidence = policy.scope(user, EvidenceFile.objects.filter(breach=breach)).select_related("uploaded_by")
    return BreachCase(
        result=result,
        notes=list(notes.order_by("created_at", "id")),
        disputes=list(disputes.order_by("raised_at", "id")),
        evidence=list(evidence.order_by("uploaded_at", "id")),
    )


def breach_is_overdue(breach: Breach, now: datetime | None = None) -> bool:
    """The vendor's response is late: still not responded to after the response deadline."""
    now = now or timezone.now()
    return breach.status in AWAITING_RESPONSE and breach.response_due_at < now
