"""Reads for the contract lifecycle pages, scoped by the access policy and prefetched for their templates."""

import datetime as dt
from dataclasses import dataclass
from itertools import groupby

from django.db.models import Prefetch, Q, QuerySet

from accounts import policy
from vendors.models import Vendor

from .models import (
    Contract,
    ContractDocument,
    Deliverable,
    DeliverableEvidence,
    NoticeReminder,
    RenewalDecision,
)
from .services.deliverables import OPEN_STATUSES
from .services.reminders import Stage, UpcomingTerm, reminder_stages, stage_due_on, upcoming_term


def _overdue_q(today: dt.date) -> Q:
    return Q(due_date__lt=today, status__in=OPEN_STATUSES)


def deliverables_for_user(
    *, user, today: dt.date, contract: Contract | None = None, filters: dict | None = None
) -> QuerySet:
    """Deliverables the user may see, soonest due first, with what the list shows already joined."""
    filters = filters or {}
    queryset = Deliverable.objects.select_related("contract__vendor", "approver")
    if contract is not None:
        queryset = queryset.filter(contract=contract)
    if filters.get("vendor_id"):
        queryset = queryset.filter(contract__vendor_id=filters["vendor_id"])
    if filters.get("status"):
        queryset = queryset.filter(status=filters["status"])
    if filters.get("overdue"):
        queryset = queryset.filter(_overdue_q(today))
    return policy.scope(user, queryset).order_by("due_date", "contract__reference", "title", "pk")


def deliverable_vendors_for_user(*, user) -> list[Vendor] | None:
    """The vendor filter's choices for staff (None for vendor users, who see only their own)."""
    if not policy.sees_internal(user):
        return None
    return list(policy.scope(user, Vendor.objects.filter(contracts__deliverables__isnull=False).distinct()))


def deliverable_for_user(*, user, pk: int) -> Deliverable:
    queryset = Deliverable.objects.select_related(
        "contract__vendor", "approver", "accepted_by", "delivered_by"
    ).prefetch_related(
        Prefetch("evidence", queryset=DeliverableEvidence.objects.select_related("uploaded_by")),
    )
    return policy.get_visible_or_404(user, queryset, pk=pk)


def deliverable_evidence_for_user(*, user, pk: int) -> DeliverableEvidence:
    return policy.get_visible_or_404(user, DeliverableEvidence.objects.all(), pk=pk)


def mark_overdue(deliverables, today: dt.date) -> None:
    for deliverable in deliverables:
        deliverable.is_overdue = deliverable.due_date < today and deliverable.status in OPEN_STATUSES


@dataclass(frozen=True)
class DocumentHistory:
    """One document: its latest version and every version before it (newest first)."""

    title: str
    versions: list[ContractDocument]

    @property
    def latest(self) -> ContractDocument:
        return self.versions[0]


def documents_for_user(*, user, contract: Contract) -> list[DocumentHistory]:
    """The contract's documents the user may see, grouped by title: one query."""
    rows = policy.scope(
        user, ContractDocument.objects.filter(contract=contract).select_related("uploaded_by")
    ).order_by("title", "-version")
    return [
        DocumentHistory(title, list(versions)) for title, versions in groupby(rows, key=lambda d: d.title)
    ]


def document_for_user(*, user, pk: int) -> ContractDocument:
    return policy.get_visible_or_404(user, ContractDocument.objects.select_related("contract"), pk=pk)


@dataclass(frozen=True)
class StageRow:
    stage: Stage
    due_on: dt.date
    reminder: NoticeReminder | None


@dataclass(frozen=True)
class RenewalPanel:
    """Where the contract's next notice deadline stands: stages, ledger, decision and snooze."""

    term: UpcomingTerm | None
    stages: list[StageRow]
    decision: RenewalDecision | None
    past_decisions: list[RenewalDecision]
    snoozed_until: dt.date | None
    today: dt.date

    @property
    def days_left(self) -> int | None:
        return None if self.term is None else (self.term.notice_deadline - self.today).days


def renewal_panel(*, contract: Contract, today: dt.date) -> RenewalPanel:
    """Internal only (the caller checks): two queries."""
    term = upcoming_term(contract, today=today)
    decisions = list(RenewalDecision.objects.filter(contract=contract).select_related("decided_by"))
    current = next((d for d in decisions if term and d.term_end == term.term_end), None)
    # The whole ledger of the contract (a few rows a year), so the query count does not depend on the term.
    ledger = {(r.term_end, r.stage): r for r in NoticeReminder.objects.filter(contract=contract)}
    rows = []
    if term is not None:
        rows = [
            StageRow(stage, stage_due_on(stage, term), ledger.get((term.term_end, stage.code)))
            for stage in reminder_stages()
        ]
    snoozed = contract.reminders_snoozed_until
    return RenewalPanel(
        term=term,
        stages=rows,
        decision=current,
        past_decisions=[d for d in decisions if d is not current],
        snoozed_until=snoozed if snoozed and snoozed >= today else None,
        today=today,
    )
