"""Reading the audit trail incrementally, for the scans that turn it into outgoing events.

Each scan keeps a named cursor: the highest trail id it has read and when. A trail row committed
out of id order (a long engine run) is still found because every reading also covers the rows of
the last ``SCAN_OVERLAP``; the scans make a second reading harmless by deriving unique keys from
the trail row. Webhooks and in-app notifications read the trail this way, each with its own cursor.
"""

from datetime import datetime, timedelta

from django.db.models import Max, Q

from accounts.models import AuditEvent

from ..models import WebhookScanCursor

SCAN_OVERLAP = timedelta(minutes=15)


def audit_trail_read(
    *, cursor: str, actions, now: datetime, occurred_since: datetime | None = None
) -> list[AuditEvent]:
    """The trail rows with these ``actions`` that cursor ``cursor`` has not read (plus the overlap),
    oldest first; moves the cursor to the newest row. Call inside a transaction: the cursor row is
    locked until it commits, so two scans with the same cursor run one after the other.

    ``occurred_since`` bounds the reading (the first one has no cursor); with no ``actions`` the
    cursor only moves.
    """
    top = AuditEvent.objects.aggregate(top=Max("pk"))["top"] or 0
    position = WebhookScanCursor.objects.select_for_update().filter(name=cursor).first()
    found: list[AuditEvent] = []
    actions = list(actions)
    if actions:
        rows = AuditEvent.objects.filter(action__in=actions, pk__lte=top)
        if occurred_since is not None:
            rows = rows.filter(occurred_at__gte=occurred_since)
        if position is not None:
            rows = rows.filter(
                Q(pk__gt=position.last_audit_id) | Q(occurred_at__gte=position.scanned_at - SCAN_OVERLAP)
            )
        found = list(rows.order_by("pk"))
    WebhookScanCursor.objects.update_or_create(
        name=cursor, defaults={"last_audit_id": top, "scanned_at": now}
    )
    return found


def cursor_scanned_at(name: str) -> datetime | None:
    """When the cursor ``name`` last moved (None before its first scan)."""
    return WebhookScanCursor.objects.filter(name=name).values_list("scanned_at", flat=True).first()
