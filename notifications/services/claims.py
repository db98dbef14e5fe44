"""Claiming rows of an outbox so that two senders never send the same e-mail.

A sender picks due rows and claims them with one conditional UPDATE (pending → sending, stamped with
its name and the time); a row another sender claimed first no longer matches, so it is not claimed
twice. A claim older than the timeout belongs to a sender that died before finishing: it may be
claimed again. After the SMTP server has taken a message the row is marked sent, still only where
the claim is the sender's own.
"""

import uuid
from datetime import datetime, timedelta

from django.db import connection, transaction
from django.db.models import F, Q, QuerySet

from ..models import SendStatus


def new_worker_name() -> str:
    return uuid.uuid4().hex


def claimable(status_field: str, now: datetime, timeout: timedelta) -> Q:
    return Q(**{status_field: SendStatus.PENDING}) | Q(
        **{status_field: SendStatus.SENDING, "claimed_at__lt": now - timeout}
    )


def claim(
    queryset: QuerySet, *, status_field: str, worker: str, now: datetime, limit: int, timeout: timedelta
) -> int:
    """Claim up to ``limit`` rows of ``queryset`` for ``worker``; returns how many it claimed.

    Two statements: pick the ids (on PostgreSQL skipping rows another sender is claiming right now),
    then the conditional UPDATE that only changes rows still claimable.
    """
    condition = claimable(status_field, now, timeout)
    with transaction.atomic():
        candidates = queryset.filter(condition).order_by("pk")
        if connection.features.has_select_for_update_skip_locked:
            candidates = candidates.select_for_update(skip_locked=True)
        ids = list(candidates.values_list("pk", flat=True)[:limit])
        if not ids:
            return 0
        return queryset.model._default_manager.filter(condition, pk__in=ids).update(
            **{status_field: SendStatus.SENDING},
            claimed_by=worker,
            claimed_at=now,
            attempts=F("attempts") + 1,
        )


def finish(model, *, status_field: str, worker: str, ids, status: str, **fields) -> int:
    """Move the rows ``worker`` still holds to ``status`` (sent, skipped or failed)."""
    if not ids:
        return 0
    return model._default_manager.filter(
        pk__in=list(ids), claimed_by=worker, **{status_field: SendStatus.SENDING}
    ).update(**{status_field: status}, **fields)


def release(model, *, status_field: str, worker: str, ids, max_attempts: int) -> int:
    """Give unsent rows back (pending again), failing those already tried ``max_attempts`` times."""
    if not ids:
        return 0
    held = model._default_manager.filter(
        pk__in=list(ids), claimed_by=worker, **{status_field: SendStatus.SENDING}
    )
    failed = held.filter(attempts__gte=max_attempts).update(**{status_field: SendStatus.FAILED})
    return failed + held.update(**{status_field: SendStatus.PENDING}, claimed_by="", claimed_at=None)
