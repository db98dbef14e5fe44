"""Digest e-mails, exactly once: planned into the ledger, claimed in batches, built, sent, marked.

``digests_plan`` adds a pending ledger row for every person whose digest has come due in their own
time zone (daily or weekly at their delivery time; the monthly summary on the first of the month);
the unique (user, kind, period) constraint makes planning twice harmless. ``digests_send_batch``
claims pending rows with a conditional update, builds their digests together (a fixed number of
queries per batch, see ``notifications.digest_content``), sends them over one connection and marks
each sent once the SMTP server has taken it. A failure part-way marks what went out and gives the rest
back, so a retry sends only what was not sent; a sender that dies holding a claim loses it after
``NOTIFICATIONS_CLAIM_TIMEOUT_SECONDS``.
"""

import logging
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.mail import get_connection
from django.db import transaction
from django.utils import timezone

from accounts.models import User

from ..digest_content import build_digests, preference_of
from ..emails import DigestRenderer
from ..kinds import DigestFrequency, DigestKind, digest_kind_for
from ..models import DigestLedger, SendStatus, default_delivery_time
from . import claims

logger = logging.getLogger(__name__)
STATUS = "status"


@dataclass(frozen=True)
class DigestPeriod:
    key: str
    start: datetime
    end: datetime


def _at(day: date, at: time, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, at, tzinfo=zone)


def _month_start(day: date, months_back: int = 0) -> date:
    index = day.year * 12 + day.month - 1 - months_back
    return date(index // 12, index % 12 + 1, 1)


def digest_period(*, kind: str, frequency: str, delivery_time: time, zone: ZoneInfo, now: datetime):
    """The latest period of this digest that has come due by ``now`` (its key, start and end)."""
    local = timezone.localtime(now, zone)
    today = local.date()
    if kind == DigestKind.SUMMARY:
        first = _month_start(today)
        if local < _at(first, delivery_time, zone):
            first = _month_start(today, 1)
        start = _month_start(first, 1)
        return DigestPeriod(
            f"m:{start:%Y-%m}", _at(start, delivery_time, zone), _at(first, delivery_time, zone)
        )
    if frequency == DigestFrequency.WEEKLY:
        monday = today - timedelta(days=today.weekday())
        if local < _at(monday, delivery_time, zone):
            monday -= timedelta(days=7)
        year, week, _ = monday.isocalendar()
        start = monday - timedelta(days=7)
        return DigestPeriod(
            f"w:{year}-W{week:02d}", _at(start, delivery_time, zone), _at(monday, delivery_time, zone)
        )
    day = today if local >= _at(today, delivery_time, zone) else today - timedelta(days=1)
    return DigestPeriod(
        f"d:{day.isoformat()}",
        _at(day - timedelta(days=1), delivery_time, zone),
        _at(day, delivery_time, zone),
    )


def _planned_for(row: dict, now: datetime) -> tuple[str, DigestPeriod] | None:
    if row["notification_preference__digests_enabled"] is False:
        return None
    kind = digest_kind_for(row["role"])
    zone_name = row["notification_preference__time_zone"] or settings.TIME_ZONE
    try:
        zone = ZoneInfo(zone_name)
    except (ValueError, KeyError):  # a zone removed from the system since it was chosen
        zone = ZoneInfo(settings.TIME_ZONE)
    period = digest_period(
        kind=kind,
        frequency=row["notification_preference__digest_frequency"] or DigestFrequency.DAILY,
        delivery_time=row["notification_preference__delivery_time"] or default_delivery_time(),
        zone=zone,
        now=now,
    )
    # A digest that came due long ago (the scheduler was down) is skipped rather than sent late.
    if now - period.end > timedelta(hours=settings.NOTIFICATIONS_DIGEST_MAX_LATE_HOURS):
        return None
    return kind, period


@transaction.atomic
def digests_plan(*, now: datetime | None = None, people=None) -> int:
    """Add a pending ledger row for every digest that has come due; returns how many were added.

    Three queries whatever the number of people: the people with their preferences, the rows
    already planned for these periods, the insert. ``people`` narrows the planning to some users.
    """
    now = now or timezone.now()
    people = (
        (User.objects.all() if people is None else people)
        .filter(is_active=True)
        .exclude(email="")
        .values(
            "pk",
            "role",
            "notification_preference__digests_enabled",
            "notification_preference__digest_frequency",
            "notification_preference__delivery_time",
            "notification_preference__time_zone",
        )
    )
    due = {}
    for row in people:
        planned = _planned_for(row, now)
        if planned is not None:
            due[(row["pk"], planned[0], planned[1].key)] = planned[1]
    if not due:
        return 0
    existing = set(
        DigestLedger.objects.filter(period_key__in={key for _, _, key in due}).values_list(
            "user_id", "kind", "period_key"
        )
    )
    rows = [
        DigestLedger(
            user_id=user_id,
            kind=kind,
            period_key=key,
            window_start=period.start,
            window_end=period.end,
            created_at=now,
        )
        for (user_id, kind, key), period in due.items()
        if (user_id, kind, key) not in existing
    ]
    DigestLedger.objects.bulk_create(rows, ignore_conflicts=True, batch_size=1000)
    return len(rows)


@dataclass
class BatchResult:
    claimed: int = 0
    sent: int = 0
    skipped: int = 0
    unsent: int = 0  # given back for a retry, or failed for good after too many attempts
    error: str = ""


def _timeout() -> timedelta:
    return timedelta(seconds=settings.NOTIFICATIONS_CLAIM_TIMEOUT_SECONDS)


def digests_claim(*, worker: str, now: datetime, limit: int) -> list[DigestLedger]:
    """Claim up to ``limit`` due ledger rows for ``worker`` and load them with their people."""
    due = DigestLedger.objects.filter(window_end__lte=now)
    if not claims.claim(due, status_field=STATUS, worker=worker, now=now, limit=limit, timeout=_timeout()):
        return []
    return list(
        DigestLedger.objects.filter(claimed_by=worker, status=SendStatus.SENDING)
        .select_related("user__notification_preference")
        .order_by("pk")
    )


def _deliverable(entry: DigestLedger) -> bool:
    user, preference = entry.user, preference_of(entry.user)
    return user.is_active and bool(user.email) and (preference is None or preference.digests_enabled)


def digests_send_batch(
    *, worker: str | None = None, now: datetime | None = None, batch_size: int | None = None, connection=None
) -> BatchResult:
    """Claim, build and send one batch of digests. A fixed number of queries whatever its size."""
    now = now or timezone.now()
    worker = worker or claims.new_worker_name()
    limit = batch_size or settings.NOTIFICATIONS_DIGEST_BATCH_SIZE
    entries = digests_claim(worker=worker, now=now, limit=limit)
    result = BatchResult(claimed=len(entries))
    if not entries:
        return result
    digests = build_digests([e for e in entries if _deliverable(e)])
    outgoing = [(e, digests[e.pk]) for e in entries if e.pk in digests and not digests[e.pk].is_empty]
    skipped = [e.pk for e in entries if e.pk not in digests or digests[e.pk].is_empty]
    sent: list[int] = []
    renderer = DigestRenderer()
    connection = connection or get_connection()
    try:
        connection.open()
        for entry, digest in outgoing:
            message = renderer.message(user=entry.user, digest=digest, ledger_id=entry.pk)
            message.connection = connection
            message.send()
            sent.append(entry.pk)
    except Exception as exc:  # noqa: BLE001 - the batch is settled below and the error recorded
        result.error = f"{type(exc).__name__}: {exc}"[:300]
        logger.warning(
            "Digest batch stopped after %d of %d e-mails: %s", len(sent), len(outgoing), result.error
        )
    finally:
        # Even when interrupted, what the SMTP server took is recorded as sent, and only that.
        _settle(result, worker=worker, sent=sent, skipped=skipped, outgoing=outgoing)
        connection.close()
    return result


def _settle(result: BatchResult, *, worker: str, sent: list[int], skipped: list[int], outgoing) -> None:
    done = set(sent)
    unsent = [entry.pk for entry, _ in outgoing if entry.pk not in done]
    result.sent = claims.finish(
        DigestLedger,
        status_field=STATUS,
        worker=worker,
        ids=sent,
        status=SendStatus.SENT,
        sent_at=timezone.now(),
    )
    result.skipped = claims.finish(
        DigestLedger, status_field=STATUS, worker=worker, ids=skipped, status=SendStatus.SKIPPED
    )
    if unsent:
        # The first unsent e-mail is the one that failed; the others were never tried.
        DigestLedger.objects.filter(pk=unsent[0], claimed_by=worker).update(last_error=result.error)
        result.unsent = claims.release(
            DigestLedger,
            status_field=STATUS,
            worker=worker,
            ids=unsent,
            max_attempts=settings.NOTIFICATIONS_MAX_ATTEMPTS,
        )


def digests_send(
    *, now: datetime | None = None, batch_size: int | None = None, max_batches: int | None = None, worker=None
) -> BatchResult:
    """Send batches until none is left (or ``max_batches``); returns the totals. Safe to run in parallel."""
    total = BatchResult()
    worker = worker or claims.new_worker_name()
    batches = 0
    while max_batches is None or batches < max_batches:
        result = digests_send_batch(worker=worker, now=now, batch_size=batch_size)
        batches += 1
        total.claimed += result.claimed
        total.sent += result.sent
        total.skipped += result.skipped
        total.unsent += result.unsent
        if not result.claimed or result.error:
            total.error = result.error
            break
    return total
