"""Senders, planners and scans started at the same moment on PostgreSQL: nobody gets an e-mail twice."""

import datetime as dt
from collections import Counter
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.db import connection

from accounts.models import Role
from notifications.models import DigestLedger, Notification, SendStatus
from notifications.services.digests import digests_plan, digests_send
from notifications.services.events import notifications_scan
from tests import factories
from tests import factories_notifications as nf
from tests.concurrency import in_threads

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="Concurrent senders need PostgreSQL: SQLite serialises every write "
        "(set DATABASE_URL to a PostgreSQL database).",
    ),
    pytest.mark.django_db(transaction=True),
]

NOW = dt.datetime(2026, 4, 10, 7, 30, tzinfo=dt.UTC)
PEOPLE = 37


@pytest.fixture(autouse=True)
def _clock(settings):
    settings.TIME_ZONE = "UTC"
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def due_digests(portfolio):
    """A digest due for each of many managers and vendor users."""
    factories.BreachFactory(service_level=portfolio.a.service_level, opened_at=NOW - timedelta(hours=3))
    factories.BreachFactory(service_level=portfolio.b.service_level, opened_at=NOW - timedelta(hours=3))
    for index in range(PEOPLE):
        if index % 3:
            factories.VendorUserFactory(vendor=(portfolio.a if index % 2 else portfolio.b).vendor)
        else:
            factories.InternalUserFactory(role=Role.MANAGER)
    planned = digests_plan()
    assert planned > PEOPLE
    return planned


@pytest.mark.parametrize("senders", [2, 4])
def test_concurrent_senders_send_each_digest_exactly_once(due_digests, senders):
    results = in_threads(lambda: digests_send(batch_size=3), count=senders)

    per_recipient = Counter(message.to[0] for message in mail.outbox)
    assert len(mail.outbox) == due_digests
    assert set(per_recipient.values()) == {1}
    assert sum(r.sent for r in results) == due_digests
    assert sum(r.sent > 0 for r in results) >= 2  # the work was really shared
    assert set(DigestLedger.objects.values_list("status", flat=True)) == {SendStatus.SENT}


def test_concurrent_planners_plan_each_digest_once(due_digests):
    DigestLedger.objects.all().delete()

    planned = in_threads(digests_plan, count=4)

    assert DigestLedger.objects.count() == due_digests
    assert sum(planned) >= due_digests  # some inserts lost the race and were ignored by the constraint


def test_concurrent_scans_record_each_notification_once(portfolio, manager, vendor_a_user):
    for month in range(2, 5):
        breach = factories.BreachFactory(
            service_level=portfolio.a.service_level,
            period_start=dt.date(2026, month, 1),
            period_end=dt.date(2026, month, 28),
        )
        nf.trail(breach, "kpis.breach.opened")

    in_threads(notifications_scan, count=4)

    assert Notification.objects.count() == 6
    assert set(Counter(Notification.objects.values_list("recipient_id", "source_key")).values()) == {1}
