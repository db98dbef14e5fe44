"""Exactly once: the ledger, claims, a crash part-way through a batch, and the queries a batch costs."""

import datetime as dt
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend as LocmemBackend
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from accounts.models import Role, User
from notifications.models import DigestLedger, SendStatus
from notifications.services import claims
from notifications.services.digests import digests_claim, digests_plan, digests_send, digests_send_batch
from notifications.tasks import tick
from tests import factories
from tests import factories_notifications as nf

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 4, 10, 7, 30, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _clock(settings):
    settings.TIME_ZONE = "UTC"
    with time_machine.travel(NOW, tick=False):
        yield


class CrashingBackend(LocmemBackend):
    """Takes ``limit`` messages, then fails like an SMTP server dropping the connection."""

    limit = None

    def send_messages(self, messages):
        if CrashingBackend.limit is not None and len(mail.outbox) >= CrashingBackend.limit:
            raise ConnectionResetError("Connection reset by peer")
        return super().send_messages(messages)


@pytest.fixture
def crashing(settings):
    settings.EMAIL_BACKEND = "tests.test_digests_ledger.CrashingBackend"
    yield CrashingBackend
    CrashingBackend.limit = None


def managers_with_news(count: int, portfolio):
    """``count`` managers, each with something in their digest (a new breach in the shared portfolio)."""
    factories.BreachFactory(service_level=portfolio.a.service_level, opened_at=NOW - timedelta(hours=3))
    return [factories.InternalUserFactory(role=Role.MANAGER) for _ in range(count)]


def test_one_row_per_person_kind_and_period(manager):
    nf.LedgerFactory(user=manager, kind="manager", period_key="d:2026-04-10")
    with pytest.raises(IntegrityError), transaction.atomic():
        nf.LedgerFactory(user=manager, kind="manager", period_key="d:2026-04-10")


def test_each_digest_is_sent_once_however_often_the_senders_run(portfolio, manager):
    people = managers_with_news(4, portfolio)
    digests_plan()
    digests_plan()

    first = digests_send(batch_size=2)
    again = digests_send(batch_size=2)

    assert (first.sent, again.claimed) == (5, 0)
    assert sorted(m.to[0] for m in mail.outbox) == sorted(u.email for u in [manager, *people])
    assert set(DigestLedger.objects.values_list("status", flat=True)) == {SendStatus.SENT}
    assert DigestLedger.objects.filter(sent_at__isnull=True).count() == 0


def test_a_crash_part_way_resends_only_what_was_not_sent(portfolio, manager, crashing):
    people = [manager, *managers_with_news(5, portfolio)]
    digests_plan()
    crashing.limit = 2

    crashed = digests_send_batch(batch_size=10)

    assert (crashed.claimed, crashed.sent, crashed.unsent) == (6, 2, 4)
    assert "ConnectionResetError: Connection reset by peer" in crashed.error
    statuses = dict(DigestLedger.objects.values_list("user_id", "status"))
    assert sorted(statuses.values()) == ["pending"] * 4 + ["sent"] * 2
    failed_first = DigestLedger.objects.exclude(last_error="").get()
    assert failed_first.status == SendStatus.PENDING and failed_first.attempts == 1
    assert failed_first.user.email not in {m.to[0] for m in mail.outbox}

    crashing.limit = None  # the server is back
    retried = digests_send()

    assert retried.sent == 4
    assert sorted(m.to[0] for m in mail.outbox) == sorted(u.email for u in people)  # each exactly once


def test_a_digest_that_keeps_failing_is_given_up_after_the_attempts(portfolio, manager, crashing, settings):
    settings.NOTIFICATIONS_MAX_ATTEMPTS = 2
    digests_plan()
    crashing.limit = 0
    managers_with_news(0, portfolio)
    digests_send_batch()
    digests_send_batch()
    entry = DigestLedger.objects.get()
    assert (entry.status, entry.attempts) == (SendStatus.FAILED, 2)
    assert digests_send_batch().claimed == 0


def test_a_claim_held_by_a_dead_sender_is_taken_over_after_the_timeout(portfolio, manager, settings):
    managers_with_news(0, portfolio)
    digests_plan()
    # A sender claimed the row and died before sending.
    assert len(digests_claim(worker="dead-sender", now=NOW, limit=10)) == 1
    assert digests_send_batch(now=NOW + timedelta(seconds=30)).claimed == 0
    assert mail.outbox == []

    later = NOW + timedelta(seconds=settings.NOTIFICATIONS_CLAIM_TIMEOUT_SECONDS + 1)
    result = digests_send_batch(now=later)

    assert (result.claimed, result.sent) == (1, 1)
    entry = DigestLedger.objects.get()
    assert entry.claimed_by != "dead-sender" and entry.attempts == 2
    # The dead sender cannot mark what it no longer holds.
    assert (
        claims.finish(
            DigestLedger, status_field="status", worker="dead-sender", ids=[entry.pk], status="failed"
        )
        == 0
    )


def test_a_conditional_claim_never_takes_a_row_twice(portfolio, manager):
    entry = nf.LedgerFactory(user=manager, window_end=NOW - timedelta(minutes=5))
    due = DigestLedger.objects.all()
    common = {"status_field": "status", "now": NOW, "limit": 5, "timeout": timedelta(minutes=10)}
    assert claims.claim(due, worker="one", **common) == 1
    assert claims.claim(due, worker="two", **common) == 0
    entry.refresh_from_db()
    assert entry.claimed_by == "one"


def test_digests_not_yet_due_are_not_sent(manager):
    nf.LedgerFactory(user=manager, window_end=NOW + timedelta(hours=1))
    assert digests_send().claimed == 0


def _batch_queries(size: int) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as captured:
        result = digests_send_batch(batch_size=size)
    return len(captured), result.sent


@pytest.mark.parametrize("role", [Role.MANAGER, Role.VENDOR_USER, Role.VIEWER])
def test_a_batch_costs_the_same_queries_whatever_its_size(portfolio, role):
    """Claim, load, build every section, send and mark: the same statements for 4 digests or 30."""
    factories.BreachFactory(service_level=portfolio.a.service_level, opened_at=NOW - timedelta(hours=3))
    nf.ActionItemFactory(vendor=portfolio.b.vendor, due_on=dt.date(2026, 4, 2))
    factories.ScorecardFactory(vendor=portfolio.a.vendor, period_start=dt.date(2026, 3, 1), rank=1)
    for index in range(40):
        side = portfolio.a if index % 2 else portfolio.b
        if role == Role.VENDOR_USER:
            factories.VendorUserFactory(vendor=side.vendor)
        else:
            user = factories.InternalUserFactory(role=role)
            if index % 3 == 0:  # some with preferences of their own, some in another time zone
                nf.PreferenceFactory(
                    user=user, time_zone="Europe/Paris" if index % 2 else "UTC", delivery_time=dt.time(6, 0)
                )
    for other in User.objects.exclude(role=role):  # one kind of digest per test
        nf.PreferenceFactory(user=other, digests_enabled=False)
    with time_machine.travel(dt.datetime(2026, 5, 1, 7, 30, tzinfo=dt.UTC), tick=False):
        assert digests_plan() >= 40
        small, small_sent = _batch_queries(4)
        large, large_sent = _batch_queries(30)
    assert (small_sent, large_sent) == (4, 30)
    assert small == large, (small, large)


def test_the_beat_task_scans_plans_and_sends(portfolio, manager, vendor_a_user):
    breach = factories.BreachFactory(
        service_level=portfolio.a.service_level, opened_at=NOW - timedelta(hours=2)
    )
    nf.trail(breach, "kpis.breach.opened", at=NOW - timedelta(hours=2))

    result = tick()

    assert result["notifications"] >= 2 and result["planned"] == 2 and result["digests"] == 2
    assert tick()["digests"] == 0
    assert len(mail.outbox) == 2
