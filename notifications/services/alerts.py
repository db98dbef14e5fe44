"""E-mails sent straight away, for the notifications a person wants by e-mail at once.

Recorded notifications of such kinds are pending in their ``email_status``; senders claim them the
way digests are claimed (``claims``), so each goes out once even with several senders running.
"""

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import get_connection
from django.utils import timezone

from ..emails import notification_message
from ..models import Notification, SendStatus
from . import claims
from .digests import BatchResult

logger = logging.getLogger(__name__)
STATUS = "email_status"


def alerts_send_batch(
    *, worker: str | None = None, now: datetime | None = None, batch_size: int | None = None
):
    """Claim and send one batch of immediate notification e-mails."""
    now = now or timezone.now()
    worker = worker or claims.new_worker_name()
    timeout = timedelta(seconds=settings.NOTIFICATIONS_CLAIM_TIMEOUT_SECONDS)
    limit = batch_size or settings.NOTIFICATIONS_DIGEST_BATCH_SIZE
    claimed = claims.claim(
        Notification.objects.all(), status_field=STATUS, worker=worker, now=now, limit=limit, timeout=timeout
    )
    result = BatchResult(claimed=claimed)
    if not claimed:
        return result
    rows = list(
        Notification.objects.filter(claimed_by=worker, email_status=SendStatus.SENDING)
        .select_related("recipient")
        .order_by("pk")
    )
    outgoing = [n for n in rows if n.recipient.is_active and n.recipient.email]
    skipped = [n.pk for n in rows if n not in outgoing]
    sent: list[int] = []
    connection = get_connection()
    try:
        connection.open()
        for notification in outgoing:
            message = notification_message(notification=notification)
            message.connection = connection
            message.send()
            sent.append(notification.pk)
    except Exception as exc:  # noqa: BLE001 - settled below
        result.error = f"{type(exc).__name__}: {exc}"[:300]
        logger.warning(
            "Notification e-mails stopped after %d of %d: %s", len(sent), len(outgoing), result.error
        )
    finally:
        done = set(sent)
        result.sent = claims.finish(
            Notification,
            status_field=STATUS,
            worker=worker,
            ids=sent,
            status=SendStatus.SENT,
            sent_at=timezone.now(),
        )
        result.skipped = claims.finish(
            Notification, status_field=STATUS, worker=worker, ids=skipped, status=SendStatus.SKIPPED
        )
        result.unsent = claims.release(
            Notification,
            status_field=STATUS,
            worker=worker,
            ids=[n.pk for n in outgoing if n.pk not in done],
            max_attempts=settings.NOTIFICATIONS_MAX_ATTEMPTS,
        )
        connection.close()
    return result


def alerts_send(*, now: datetime | None = None, batch_size: int | None = None) -> BatchResult:
    """Send every pending immediate e-mail, batch after batch."""
    total, worker = BatchResult(), claims.new_worker_name()
    while True:
        result = alerts_send_batch(worker=worker, now=now, batch_size=batch_size)
        total.claimed += result.claimed
        total.sent += result.sent
        total.skipped += result.skipped
        total.unsent += result.unsent
        if not result.claimed or result.error:
            total.error = result.error
            return total
