"""Outgoing webhooks: subscriptions, and the events they receive, each recorded once.

Events come from the audit trail, which every service and the engine already write in the same
transaction as the change: a periodic scan (``webhooks_scan``) turns new breach, dispute, escalation
and review sign-off rows of the trail into events, so no lower app needs to know the API exists.
``webhook_emit`` records an event once (its id is unique) and one delivery per matching subscription
whose owner may see it; ``webhook_delivery`` sends them.
"""

import json
import secrets
import uuid
from datetime import date, datetime
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from accounts import policy
from accounts.audit import audited_create, audited_delete, audited_update
from accounts.models import AuditEvent, Role
from accounts.queue import enqueue_on_commit
from contracts.dates import contract_key_dates
from contracts.models import Contract, ContractStatus, RenewalType
from governance.models import Issue, Review, Side
from kpis.models import Breach, Dispute

from ..models import (
    SUBSCRIBABLE_EVENT_TYPES,
    WebhookDelivery,
    WebhookEvent,
    WebhookEventType,
    WebhookSubscription,
)
from .audit_cursor import audit_trail_read

SECRET_PREFIX = "whsec_"  # noqa: S105 (a marker, not a secret)
AUDIT_CURSOR = "audit"

# Audit trail action → webhook event.
AUDIT_EVENTS = {
    "kpis.breach.opened": WebhookEventType.BREACH_OPENED,
    "kpis.breach.cleared": WebhookEventType.BREACH_CLEARED,
    "kpis.breach.response_accepted": WebhookEventType.BREACH_CLOSED,
    "kpis.breach.closed": WebhookEventType.BREACH_CLOSED,
    "kpis.breach.waived": WebhookEventType.BREACH_CLOSED,
    "kpis.dispute.created": WebhookEventType.DISPUTE_OPENED,
    "kpis.dispute.resolved": WebhookEventType.DISPUTE_RESOLVED,
    "governance.issue.escalated": WebhookEventType.ISSUE_ESCALATED,
    "governance.review.signed": WebhookEventType.REVIEW_SIGNED,
    "governance.review.locked": WebhookEventType.REVIEW_SIGNED,
}


# ---- Subscriptions -----------------------------------------------------------------------------------


def validate_webhook_url(url: str) -> str:
    """HTTPS only (plain HTTP where the settings allow it, for development), with a host name."""
    url = (url or "").strip()
    parts = urlsplit(url)
    allowed = ("https", "http") if settings.WEBHOOK_ALLOW_HTTP else ("https",)
    if parts.scheme not in allowed or not parts.hostname:
        raise ValidationError({"url": f"Give an {' or '.join(allowed)} URL with a host name."})
    if parts.username or parts.password:
        raise ValidationError({"url": "Leave credentials out of the URL; check the signature instead."})
    return url


def _event_types(event_types) -> list[str]:
    chosen = sorted(set(event_types or []))
    unknown = [name for name in chosen if name not in SUBSCRIBABLE_EVENT_TYPES]
    if unknown or not chosen:
        raise ValidationError(
            {"event_types": [f"Choose one or more of {', '.join(SUBSCRIBABLE_EVENT_TYPES)}."]}
        )
    return chosen


# Only those who answer for a side's integrations point the portal at an endpoint.
SUBSCRIBER_ROLES = frozenset({Role.ADMIN, Role.MANAGER, Role.VENDOR_ADMIN})


def _require_subscriber_role(actor) -> None:
    if not (actor.is_active and actor.role in SUBSCRIBER_ROLES):
        raise PermissionDenied("Only managers and vendor administrators may subscribe webhooks.")


def _require_owner(subscription: WebhookSubscription, actor) -> None:
    if subscription.owner_id != actor.pk:
        raise PermissionDenied("You may change only your own webhook subscriptions.")


@transaction.atomic
def webhook_subscription_create(
    *, owner, url: str, event_types, description: str = "", is_active: bool = True, now=None
) -> tuple[WebhookSubscription, str]:
    """Subscribe ``owner``'s endpoint; returns the row and its signing secret (shown to the owner once)."""
    _require_subscriber_role(owner)
    secret = SECRET_PREFIX + secrets.token_urlsafe(32)
    subscription = audited_create(
        model=WebhookSubscription,
        actor=owner,
        owner=owner,
        url=validate_webhook_url(url),
        event_types=_event_types(event_types),
        description=(description or "").strip(),
        is_active=is_active,
        secret=secret,
        created_at=now or timezone.now(),
    )
    return subscription, secret


@transaction.atomic
def webhook_subscription_update(
    *, subscription: WebhookSubscription, actor, data: dict
) -> WebhookSubscription:
    _require_owner(subscription, actor)
    data = dict(data)
    if "url" in data:
        _require_subscriber_role(actor)
        data["url"] = validate_webhook_url(data["url"])
    if "event_types" in data:
        data["event_types"] = _event_types(data["event_types"])
    if "description" in data:
        data["description"] = (data["description"] or "").strip()
    subscription, _ = audited_update(instance=subscription, actor=actor, data=data)
    return subscription


@transaction.atomic
def webhook_subscription_delete(*, subscription: WebhookSubscription, actor) -> None:
    _require_owner(subscription, actor)
    audited_delete(instance=subscription, actor=actor)


# ---- Events ------------------------------------------------------------------------------------------


def _plain(payload: dict) -> dict:
    return json.loads(json.dumps(payload, cls=DjangoJSONEncoder))


def owner_sees(subscription: WebhookSubscription, vendor_id: int | None) -> bool:
    """The owner's view of the portfolio bounds what its endpoint receives."""
    owner = subscription.owner
    if not owner.is_active:
        return False
    return policy.sees_internal(owner) or (vendor_id is not None and vendor_id == owner.vendor_id)


def _matching(subscriptions, event: WebhookEvent) -> list[WebhookSubscription]:
    return [
        s
        for s in subscriptions
        if s.is_active
        and event.event_type in s.event_types
        and s.created_at <= event.occurred_at
        and owner_sees(s, event.vendor_id)
    ]


def _active_subscriptions() -> list[WebhookSubscription]:
    return list(
        WebhookSubscription.objects.filter(is_active=True, owner__is_active=True).select_related("owner")
    )


def _queue_deliveries(delivery_ids: list[int]) -> None:
    for delivery_id in delivery_ids:
        enqueue_on_commit("api.tasks.webhook_deliver", delivery_id)


def _record_events(specs: list[dict], subscriptions) -> list[int]:
    """Record events not recorded before and their deliveries; returns the new delivery ids."""
    known = set(
        WebhookEvent.objects.filter(event_id__in=[spec["event_id"] for spec in specs]).values_list(
            "event_id", flat=True
        )
    )
    fresh = [WebhookEvent(**spec) for spec in specs if spec["event_id"] not in known]
    if not fresh:
        return []
    WebhookEvent.objects.bulk_create(fresh, ignore_conflicts=True)
    # Re-read: with ignore_conflicts the ids are not returned everywhere, and a concurrent scan may have won.
    events = WebhookEvent.objects.filter(
        event_id__in=[e.event_id for e in fresh], created_at=fresh[0].created_at
    )
    deliveries = [
        WebhookDelivery(subscription=subscription, event=event, next_attempt_at=event.created_at)
        for event in events
        for subscription in _matching(subscriptions, event)
    ]
    WebhookDelivery.objects.bulk_create(deliveries, ignore_conflicts=True)
    ids = list(
        WebhookDelivery.objects.filter(event__in=events, attempts=0)
        .values_list("pk", flat=True)
        .order_by("pk")
    )
    _queue_deliveries(ids)
    return ids


@transaction.atomic
def webhook_emit(
    *,
    event_type: str,
    payload: dict,
    event_id: str | None = None,
    vendor_id: int | None = None,
    occurred_at: datetime | None = None,
) -> WebhookEvent | None:
    """Record one event (once per ``event_id``) and queue its deliveries after commit.

    Returns the event, or None when an event with this id was recorded before.
    """
    now = timezone.now()
    event_id = event_id or f"{event_type}-{uuid.uuid4().hex}"
    if WebhookEvent.objects.filter(event_id=event_id).exists():
        return None
    spec = {
        "event_id": event_id,
        "event_type": event_type,
        "vendor_id": vendor_id,
        "occurred_at": occurred_at or now,
        "payload": _plain(payload),
        "created_at": now,
    }
    _record_events([spec], _active_subscriptions())
    return WebhookEvent.objects.get(event_id=event_id)


@transaction.atomic
def webhook_ping(*, subscription: WebhookSubscription, actor, now: datetime | None = None) -> WebhookDelivery:
    """A test event for one subscription, whatever its event types, to check the endpoint and signature."""
    _require_owner(subscription, actor)
    now = now or timezone.now()
    event = WebhookEvent.objects.create(
        event_id=f"ping-{uuid.uuid4().hex}",
        event_type=WebhookEventType.PING,
        vendor_id=actor.vendor_id,
        occurred_at=now,
        payload={"subscription": subscription.pk, "message": "Webhook test from the portal."},
        created_at=now,
    )
    delivery = WebhookDelivery.objects.create(subscription=subscription, event=event, next_attempt_at=now)
    _queue_deliveries([delivery.pk])
    return delivery


def _breach_payload(breach: Breach) -> dict:
    sl = breach.service_level
    return {
        "id": breach.pk,
        "url": reverse("api:v1:breach-detail", kwargs={"pk": breach.pk}),
        "status": breach.status,
        "kind": breach.kind,
        "severity": breach.severity,
        "period_start": breach.period_start,
        "period_end": breach.period_end,
        "opened_at": breach.opened_at,
        "response_due_at": breach.response_due_at,
        "closed_at": breach.closed_at,
        "closure_reason": breach.closure_reason,
        "service_level": sl.pk,
        "metric": sl.metric.name,
        "contract": sl.contract_id,
        "contract_reference": sl.contract.reference,
        "vendor": sl.contract.vendor_id,
        "vendor_name": sl.contract.vendor.name,
    }


def _dispute_payload(dispute: Dispute) -> dict:
    return {
        "id": dispute.pk,
        "status": dispute.status,
        "reason": dispute.reason,
        "raised_at": dispute.raised_at,
        "resolution": dispute.resolution,
        "resolved_at": dispute.resolved_at,
        "breach": dispute.breach_id,
        "measurement": dispute.measurement_id,
        "vendor": dispute.vendor_id,
    }


def _issue_escalated_payload(issue: Issue, row: AuditEvent) -> dict:
    old, new = (row.changes or {}).get("level") or [None, issue.level]
    return {
        "issue": {
            "id": issue.pk,
            "url": reverse("api:v1:issue-detail", kwargs={"pk": issue.pk}),
            "title": issue.title,
            "severity": issue.severity,
            "origin": issue.origin,
            "status": issue.status,
            "vendor": issue.vendor_id,
            "vendor_name": issue.vendor.name,
            "contract": issue.contract_id,
            "path": issue.path_id,
            "level": new,
            "previous_level": old,
            "automatic": row.actor_id is None,
            "escalated_at": row.occurred_at,
        }
    }


def _signing_side(review: Review, row: AuditEvent) -> str:
    """The side whose signature the row records; for the lock, the side that signed last."""
    changes = row.changes or {}
    if row.action == "governance.review.signed":
        return Side.VENDOR if "vendor_signed_at" in changes else Side.INTERNAL
    internal, vendor = review.internal_signed_at, review.vendor_signed_at
    return Side.VENDOR if vendor and (internal is None or vendor >= internal) else Side.INTERNAL


def _review_signed_payload(review: Review, row: AuditEvent) -> dict:
    return {
        "review": {
            "id": review.pk,
            "vendor": review.vendor_id,
            "vendor_name": review.vendor.name,
            "period_start": review.period_start,
            "period_end": review.period_end,
            "due_on": review.due_on,
            "side": _signing_side(review, row),
            "locked": row.action == "governance.review.locked",
            "internal_signed_at": review.internal_signed_at,
            "vendor_signed_at": review.vendor_signed_at,
            "locked_at": review.locked_at,
        }
    }


def _governance_payloads(rows: list[AuditEvent]) -> dict[int, dict]:
    """Payloads of the escalation and review sign-off rows, by trail row id, in two queries at most."""
    issue_rows = [r for r in rows if r.object_type == "governance.issue"]
    review_rows = [r for r in rows if r.object_type == "governance.review"]
    payloads = {}
    if issue_rows:
        issues = Issue.objects.select_related("vendor").in_bulk({int(r.object_id) for r in issue_rows})
        for row in issue_rows:
            if (issue := issues.get(int(row.object_id))) is not None:
                payloads[row.pk] = _issue_escalated_payload(issue, row)
    if review_rows:
        reviews = Review.objects.select_related("vendor").in_bulk({int(r.object_id) for r in review_rows})
        for row in review_rows:
            if (review := reviews.get(int(row.object_id))) is not None:
                payloads[row.pk] = _review_signed_payload(review, row)
    return payloads


def _events_from_audit(rows: list[AuditEvent], now: datetime) -> list[dict]:
    breach_ids = {int(r.object_id) for r in rows if r.object_type == "kpis.breach"}
    dispute_ids = {int(r.object_id) for r in rows if r.object_type == "kpis.dispute"}
    disputes = {d.pk: d for d in Dispute.objects.filter(pk__in=dispute_ids)}
    breach_ids |= {d.breach_id for d in disputes.values() if d.breach_id}
    breaches = {
        b.pk: b
        for b in Breach.objects.filter(pk__in=breach_ids).select_related(
            "service_level__metric", "service_level__contract__vendor"
        )
    }
    governance = _governance_payloads(rows)
    specs = []
    for row in rows:
        if row.object_type.startswith("governance."):
            payload = governance.get(row.pk)
        elif row.object_type == "kpis.breach":
            breach = breaches.get(int(row.object_id))
            payload = {"breach": _breach_payload(breach)} if breach else None
        else:
            dispute = disputes.get(int(row.object_id))
            breach = breaches.get(dispute.breach_id) if dispute else None
            payload = {"dispute": _dispute_payload(dispute), "breach": breach and _breach_payload(breach)}
            payload = payload if dispute else None
        if payload is None:
            continue
        # A breach's trail notes are the thread both sides read, and the scan's own notes say what
        # happened; a person's note on a governance step (why an issue was escalated by hand) is not
        # shown to the vendor on the pages, so it stays out of the payload.
        personal = row.object_type.startswith("governance.") and row.actor_id is not None
        payload["note"] = "" if personal else row.note
        specs.append(
            {
                "event_id": f"audit-{row.pk}",
                "event_type": AUDIT_EVENTS[row.action],
                # An internal-only trail row reaches internal subscribers only (see owner_sees).
                "vendor_id": None if row.internal_only else row.vendor_id,
                "occurred_at": row.occurred_at,
                "payload": _plain(payload),
                "created_at": now,
            }
        )
    return specs


@transaction.atomic
def webhooks_scan(*, now: datetime | None = None) -> int:
    """Turn breach, dispute, escalation and sign-off changes in the audit trail into events; returns
    the deliveries queued.

    Reads trail rows after the cursor, and again those of the last ``SCAN_OVERLAP`` (a transaction
    that committed late); event ids derived from the trail row make a second reading a no-op.
    Only changes after the earliest active subscription was made are read.
    """
    now = now or timezone.now()
    subscriptions = _active_subscriptions()
    rows = audit_trail_read(
        cursor=AUDIT_CURSOR,
        actions=list(AUDIT_EVENTS) if subscriptions else [],
        now=now,
        occurred_since=min((s.created_at for s in subscriptions), default=None),
    )
    specs = _events_from_audit(rows, now) if rows else []
    return len(_record_events(specs, subscriptions)) if specs else 0


@transaction.atomic
def webhooks_scan_notice_deadlines(*, today: date | None = None, within_days: int | None = None) -> int:
    """An event per active renewing contract whose notice deadline falls in the coming days (once per
    deadline); returns the deliveries queued."""
    today = today or timezone.localdate()
    within_days = settings.WEBHOOK_NOTICE_DAYS if within_days is None else within_days
    subscriptions = [s for s in _active_subscriptions() if WebhookEventType.NOTICE_DEADLINE in s.event_types]
    if not subscriptions:
        return 0
    now = timezone.now()
    specs = []
    contracts = (
        Contract.objects.filter(status=ContractStatus.ACTIVE)
        .exclude(renewal_type=RenewalType.NONE)
        .select_related("vendor")
    )
    for contract in contracts:
        dates = contract_key_dates(contract, on=today)
        deadline = dates.upcoming_notice_deadline
        if deadline is None or not 0 <= (deadline - today).days <= within_days:
            continue
        payload = {
            "contract": {
                "id": contract.pk,
                "url": reverse("api:v1:contract-detail", kwargs={"pk": contract.pk}),
                "reference": contract.reference,
                "title": contract.title,
                "vendor": contract.vendor_id,
                "vendor_name": contract.vendor.name,
                "renewal_type": contract.renewal_type,
                "term_end": dates.term_end,
                "notice_deadline": deadline,
                "days_left": (deadline - today).days,
            }
        }
        specs.append(
            {
                "event_id": f"notice-{contract.pk}-{deadline.isoformat()}",
                "event_type": WebhookEventType.NOTICE_DEADLINE,
                "vendor_id": contract.vendor_id,
                "occurred_at": now,
                "payload": _plain(payload),
                "created_at": now,
            }
        )
    return len(_record_events(specs, subscriptions)) if specs else 0
