"""Notifications from the audit trail, and the recording every scan shares.

Every service writes the audit trail in the same transaction as its change, so the trail is the one
place that knows what happened: ``notifications_scan`` reads it with its own cursor (the way the
webhook scan does, see ``api.services.audit_cursor``), turns the rows below into notifications for
the people concerned, and ``notifications_record`` stores each once per recipient, kind and source.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.models import AuditEvent
from api.services.audit_cursor import audit_trail_read
from contracts.dates import contract_key_dates
from contracts.models import Contract, Deliverable
from governance.models import ActionItem, Finding, Issue, Review, Side
from kpis import periods
from kpis.models import Breach, BreachKind, Dispute, DisputeStatus

from .. import links
from ..kinds import AUDITOR, INTERNAL, VENDOR, NotificationKind
from ..models import Notification, NotificationPreference, SendStatus
from .recipients import Recipients, Visibility, recipients_for_vendors

AUDIT_CURSOR = "notifications"
K = NotificationKind
BOTH = frozenset({INTERNAL, VENDOR})
ONLY_INTERNAL = frozenset({INTERNAL})
ONLY_VENDOR = frozenset({VENDOR})


@dataclass(frozen=True)
class Rule:
    kind: str
    audiences: frozenset[str]


# Audit trail action → notification kind and who hears about it (the actor never does).
AUDIT_RULES: dict[str, Rule] = {
    "kpis.breach.opened": Rule(K.BREACH_OPENED, BOTH),
    "kpis.breach.responded": Rule(K.BREACH_UPDATE, ONLY_INTERNAL),
    "kpis.breach.more_info_requested": Rule(K.BREACH_UPDATE, ONLY_VENDOR),
    "kpis.breach.response_accepted": Rule(K.BREACH_UPDATE, ONLY_VENDOR),
    "kpis.breach.closed": Rule(K.BREACH_UPDATE, ONLY_VENDOR),
    "kpis.breach.waived": Rule(K.BREACH_UPDATE, ONLY_VENDOR),
    "kpis.breach.disputed": Rule(K.DISPUTE_RAISED, ONLY_INTERNAL),
    "kpis.dispute.created": Rule(K.DISPUTE_RAISED, ONLY_INTERNAL),
    "kpis.dispute.resolved": Rule(K.DISPUTE_RESOLVED, BOTH),
    "governance.issue.raised": Rule(K.ISSUE_RAISED, BOTH),
    "governance.issue.escalated": Rule(K.ISSUE_ESCALATED, BOTH),
    "governance.review.opened": Rule(K.REVIEW_STEP, BOTH),
    "governance.review.self_assessment_requested": Rule(K.REVIEW_STEP, ONLY_VENDOR),
    "governance.review.self_assessed": Rule(K.REVIEW_STEP, ONLY_INTERNAL),
    "governance.review.assessed": Rule(K.REVIEW_STEP, ONLY_VENDOR),
    "governance.review.signed": Rule(K.REVIEW_STEP, BOTH),
    "governance.review.locked": Rule(K.REVIEW_STEP, BOTH),
    "governance.actionitem.overdue": Rule(K.ACTION_OVERDUE, BOTH),
    "governance.finding.recorded": Rule(K.FINDING, frozenset({INTERNAL, VENDOR, AUDITOR})),
    "governance.finding.remediated": Rule(K.FINDING, frozenset({INTERNAL, AUDITOR})),
    "governance.finding.verified": Rule(K.FINDING, BOTH),
    "governance.finding.overdue": Rule(K.FINDING, frozenset({INTERNAL, VENDOR, AUDITOR})),
    "contracts.contract.notice_reminder": Rule(K.NOTICE_DEADLINE, ONLY_INTERNAL),
    "contracts.deliverable.delivered": Rule(K.DELIVERABLE, ONLY_INTERNAL),
    "contracts.deliverable.accepted": Rule(K.DELIVERABLE, ONLY_VENDOR),
    "contracts.deliverable.rejected": Rule(K.DELIVERABLE, ONLY_VENDOR),
    "contracts.deliverable.overdue": Rule(K.DELIVERABLE, BOTH),
}


@dataclass
class Event:
    """A notification to record for everyone in ``audiences`` who may see the object."""

    kind: str
    title: str
    url: str
    vendor_id: int | None
    source_key: str
    model: type
    object_id: int
    audiences: frozenset[str]
    body: str = ""
    audit_event_id: int | None = None
    actor_id: int | None = None
    only_user_ids: frozenset[int] | None = field(default=None)


# ---- Recording ---------------------------------------------------------------------------------------


def _preferences(user_ids) -> dict[int, NotificationPreference]:
    return {p.user_id: p for p in NotificationPreference.objects.filter(user_id__in=user_ids)}


def _email_status(user, kind: str, preferences: dict[int, NotificationPreference]) -> str:
    preference = preferences.get(user.pk) or NotificationPreference(user=user)
    wants_now = preference.mode_for(kind) == "immediate"
    return SendStatus.PENDING if wants_now and user.email else SendStatus.NONE


def _people(event: Event, recipients: Recipients, visibility: Visibility) -> list:
    people = recipients.for_audiences(event.audiences, event.vendor_id)
    return [
        user
        for user in people
        if user.pk != event.actor_id
        and (event.only_user_ids is None or user.pk in event.only_user_ids)
        and visibility.sees(user, event.model, event.object_id)
    ]


@transaction.atomic
def notifications_record(events: list[Event], *, now: datetime | None = None) -> int:
    """Store each event once for each person it concerns; returns the notifications created.

    A fixed number of queries whatever the number of events: the people, the objects' vendors per
    model, the preferences, what exists already, and the insert.
    """
    if not events:
        return 0
    now = now or timezone.now()
    recipients = recipients_for_vendors({e.vendor_id for e in events})
    visibility = Visibility()
    for event in events:
        visibility.want(event.model, event.object_id)
    planned = [(event, user) for event in events for user in _people(event, recipients, visibility)]
    if not planned:
        return 0
    preferences = _preferences({user.pk for _, user in planned})
    existing = set(
        Notification.objects.filter(
            recipient_id__in={user.pk for _, user in planned},
            source_key__in={event.source_key for event, _ in planned},
        ).values_list("recipient_id", "kind", "source_key")
    )
    rows, seen = [], set()
    for event, user in planned:
        key = (user.pk, event.kind, event.source_key)
        if key in existing or key in seen:
            continue
        seen.add(key)
        rows.append(
            Notification(
                recipient=user,
                kind=event.kind,
                title=event.title[:200],
                body=event.body[:500],
                url=event.url[:300],
                vendor_id=event.vendor_id,
                source_key=event.source_key[:120],
                audit_event_id=event.audit_event_id,
                created_at=now,
                email_status=_email_status(user, event.kind, preferences),
            )
        )
    # A concurrent scan may have recorded some of them meanwhile: the unique constraint keeps one.
    Notification.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


# ---- From the audit trail ---------------------------------------------------------------------------


def period_text(start, end) -> str:
    """A period as people say it: "March 2026" for a calendar month, else its first and last days."""
    if start.day == 1 and end.month == start.month:
        return f"{start:%B %Y}"
    return f"{start:%d %b} – {end:%d %b %Y}"


def _breach_subject(breach: Breach) -> str:
    sl = breach.service_level
    return (
        f"{sl.metric.name} on {sl.contract.reference}, {period_text(breach.period_start, breach.period_end)}"
    )


BREACH_TITLES = {
    "kpis.breach.responded": "Breach answered",
    "kpis.breach.more_info_requested": "More information requested on the breach",
    "kpis.breach.response_accepted": "Breach response accepted",
    "kpis.breach.closed": "Breach closed",
    "kpis.breach.waived": "Breach waived",
    "kpis.breach.disputed": "Breach disputed",
}


def _stale(breach: Breach, row: AuditEvent) -> bool:
    """A breach of a period long past (the first evaluation of a year of history) is no news."""
    return breach.period_end < timezone.localdate(row.occurred_at) - timedelta(
        days=settings.NOTIFICATIONS_STALE_DAYS
    )


def _from_breach(row: AuditEvent, breach: Breach, rule: Rule, ctx: dict) -> Event | None:
    kind, key = rule.kind, f"audit-{row.pk}"
    if row.action == "kpis.breach.opened":
        if _stale(breach, row):
            return None
        missing = breach.kind == BreachKind.NOT_REPORTED
        kind = K.REPORT_LATE if missing else K.BREACH_OPENED
        title = f"{'Figures not reported' if missing else 'New breach'}: {_breach_subject(breach)}"
    else:
        title = f"{BREACH_TITLES[row.action]}: {_breach_subject(breach)}"
        if row.action == "kpis.breach.disputed":
            dispute = ctx["breach_disputes"].get(breach.pk)
            key = f"dispute-{dispute.pk}" if dispute else key
    return Event(
        kind=kind,
        title=title,
        url=links.breach_page(breach.pk),
        vendor_id=breach.service_level.contract.vendor_id,
        source_key=key,
        model=Breach,
        object_id=breach.pk,
        audiences=rule.audiences,
    )


def _dispute_subject(dispute: Dispute) -> tuple[str, str, type, int]:
    if dispute.breach_id:
        return (
            f"breach of {_breach_subject(dispute.breach)}",
            links.breach_page(dispute.breach_id),
            Breach,
            dispute.breach_id,
        )
    sl = dispute.measurement.service_level
    day = dispute.measurement.measured_on
    subject = f"figure of {day:%d %b %Y} for {sl.metric.name} on {sl.contract.reference}"
    return subject, links.measurement_page(dispute.measurement_id), Dispute, dispute.pk


def _from_dispute(row: AuditEvent, dispute: Dispute, rule: Rule, ctx: dict) -> Event:
    subject, url, model, object_id = _dispute_subject(dispute)
    if row.action == "kpis.dispute.resolved":
        outcome = "upheld" if dispute.status == DisputeStatus.UPHELD else "rejected"
        title, key = f"Dispute {outcome}: {subject}", f"audit-{row.pk}"
    else:
        title, key = f"Dispute raised: {subject}", f"dispute-{dispute.pk}"
    return Event(
        kind=rule.kind,
        title=title,
        url=url,
        vendor_id=dispute.vendor_id,
        source_key=key,
        model=model,
        object_id=object_id,
        audiences=rule.audiences,
    )


def _from_issue(row: AuditEvent, issue: Issue, rule: Rule, ctx: dict) -> Event:
    if row.action.endswith(".escalated"):
        level = (row.changes or {}).get("level", [None, None])[-1]
        title = f"Issue escalated{f' to level {level}' if level else ''}: {issue.title}"
    else:
        title = f"Issue raised ({issue.get_severity_display().lower()}): {issue.title}"
    return Event(
        kind=rule.kind,
        title=title,
        url=links.issue_page(issue.pk, issue.vendor_id),
        vendor_id=issue.vendor_id,
        source_key=f"audit-{row.pk}",
        model=Issue,
        object_id=issue.pk,
        audiences=rule.audiences,
    )


REVIEW_TITLES = {
    "opened": "Review opened",
    "self_assessment_requested": "Self-assessment requested",
    "self_assessed": "Self-assessment received",
    "assessed": "Assessment ready for the review",
    "signed": "Review signed",
    "locked": "Review signed by both sides and locked",
}


def _from_review(row: AuditEvent, review: Review, rule: Rule, ctx: dict) -> Event:
    step = row.action.rsplit(".", 1)[1]
    period = f"{review.period_start:%b %Y} – {review.period_end:%b %Y}"
    return Event(
        kind=rule.kind,
        title=f"{REVIEW_TITLES[step]}: {review.vendor.name} review {period}",
        url=links.review_page(review.pk, review.vendor_id),
        vendor_id=review.vendor_id,
        source_key=f"audit-{row.pk}",
        model=Review,
        object_id=review.pk,
        audiences=rule.audiences,
    )


def _from_action(row: AuditEvent, action: ActionItem, rule: Rule, ctx: dict) -> Event:
    # An internal action that is late is the client's business only.
    audiences = rule.audiences if action.owner_side == Side.VENDOR else rule.audiences - {VENDOR}
    return Event(
        kind=rule.kind,
        title=f"Action overdue since {action.due_on:%d %b %Y}: {action.title}",
        url=links.action_page(action.pk, action.vendor_id),
        vendor_id=action.vendor_id,
        source_key=f"audit-{row.pk}",
        model=ActionItem,
        object_id=action.pk,
        audiences=audiences,
    )


FINDING_TITLES = {
    "recorded": "New audit finding",
    "remediated": "Remediation reported",
    "verified": "Finding verified and closed",
    "overdue": "Finding overdue",
}


def _from_finding(row: AuditEvent, finding: Finding, rule: Rule, ctx: dict) -> Event:
    step = row.action.rsplit(".", 1)[1]
    vendor_id = finding.audit.vendor_id
    return Event(
        kind=rule.kind,
        title=f"{FINDING_TITLES[step]} ({finding.get_severity_display().lower()}): {finding.title}",
        url=links.finding_page(finding.pk, vendor_id),
        vendor_id=vendor_id,
        source_key=f"audit-{row.pk}",
        model=Finding,
        object_id=finding.pk,
        audiences=rule.audiences,
    )


def notice_title(contract: Contract, deadline, today) -> str:
    days = (deadline - today).days
    when = "today" if days == 0 else f"in {days} day{'s' if days != 1 else ''}"
    return f"Notice deadline {when} ({deadline:%d %b %Y}): {contract.reference} {contract.title}"


def _from_contract(row: AuditEvent, contract: Contract, rule: Rule, ctx: dict) -> Event | None:
    today = periods.local_today(row.occurred_at)
    deadline = contract_key_dates(contract, on=today).upcoming_notice_deadline
    if deadline is None:
        return None
    return Event(
        kind=rule.kind,
        title=notice_title(contract, deadline, today),
        url=links.contract_page(contract.pk),
        vendor_id=contract.vendor_id,
        source_key=f"audit-{row.pk}",
        model=Contract,
        object_id=contract.pk,
        audiences=rule.audiences,
        body=row.note,
    )


DELIVERABLE_TITLES = {
    "delivered": "Deliverable awaiting acceptance",
    "accepted": "Deliverable accepted",
    "rejected": "Deliverable rejected",
    "overdue": "Deliverable overdue",
}


def _from_deliverable(row: AuditEvent, deliverable: Deliverable, rule: Rule, ctx: dict) -> Event:
    step = row.action.rsplit(".", 1)[1]
    contract = deliverable.contract
    return Event(
        kind=rule.kind,
        title=f"{DELIVERABLE_TITLES[step]}: {deliverable.title} ({contract.reference})",
        url=links.contract_page(contract.pk),
        vendor_id=contract.vendor_id,
        source_key=f"audit-{row.pk}",
        model=Deliverable,
        object_id=deliverable.pk,
        audiences=rule.audiences,
    )


# object type → (model, what to join, how its rows read)
OBJECT_TYPES = {
    "kpis.breach": (Breach, ("service_level__metric", "service_level__contract"), _from_breach),
    "kpis.dispute": (
        Dispute,
        (
            "breach__service_level__metric",
            "breach__service_level__contract",
            "measurement__service_level__metric",
            "measurement__service_level__contract",
        ),
        _from_dispute,
    ),
    "governance.issue": (Issue, (), _from_issue),
    "governance.review": (Review, ("vendor",), _from_review),
    "governance.actionitem": (ActionItem, (), _from_action),
    "governance.finding": (Finding, ("audit",), _from_finding),
    "contracts.contract": (Contract, (), _from_contract),
    "contracts.deliverable": (Deliverable, ("contract",), _from_deliverable),
}


def _load_objects(rows: list[AuditEvent]) -> dict[str, dict[int, object]]:
    ids = defaultdict(set)
    for row in rows:
        if row.object_type in OBJECT_TYPES and row.object_id.isdigit():
            ids[row.object_type].add(int(row.object_id))
    objects = {}
    for object_type, pks in ids.items():
        model, joins, _ = OBJECT_TYPES[object_type]
        objects[object_type] = model._default_manager.select_related(*joins).in_bulk(pks)
    return objects


def _latest_breach_disputes(rows: list[AuditEvent]) -> dict[int, Dispute]:
    breach_ids = {int(r.object_id) for r in rows if r.action == "kpis.breach.disputed"}
    latest = {}
    for dispute in Dispute.objects.filter(breach_id__in=breach_ids).order_by("raised_at", "pk"):
        latest[dispute.breach_id] = dispute
    return latest


def events_from_audit(rows: list[AuditEvent]) -> list[Event]:
    """The events these trail rows stand for (rows about objects since deleted are dropped)."""
    objects = _load_objects(rows)
    ctx = {"breach_disputes": _latest_breach_disputes(rows)}
    events = []
    for row in rows:
        rule = AUDIT_RULES.get(row.action)
        obj = objects.get(row.object_type, {}).get(int(row.object_id)) if row.object_id.isdigit() else None
        if rule is None or obj is None:
            continue
        event = OBJECT_TYPES[row.object_type][2](row, obj, rule, ctx)
        if event is None:
            continue
        if row.internal_only:
            event.audiences = event.audiences - {VENDOR}
        event.audit_event_id = row.pk
        event.actor_id = row.actor_id
        if VENDOR not in event.audiences or not row.action.startswith("governance."):
            # A manager's note on a governance step (why an issue was escalated by hand …) is not
            # shown to the vendor on the pages, so it is not sent to the vendor either.
            event.body = event.body or row.note
        events.append(event)
    return events


@transaction.atomic
def notifications_scan(*, now: datetime | None = None) -> int:
    """Turn the audit trail rows written since the last scan into notifications; returns how many.

    Reads at most the last ``NOTIFICATIONS_BACKFILL_DAYS`` of the trail (the first scan has no cursor).
    """
    now = now or timezone.now()
    rows = audit_trail_read(
        cursor=AUDIT_CURSOR,
        actions=list(AUDIT_RULES),
        now=now,
        occurred_since=now - timedelta(days=settings.NOTIFICATIONS_BACKFILL_DAYS),
    )
    return notifications_record(events_from_audit(rows), now=now)
