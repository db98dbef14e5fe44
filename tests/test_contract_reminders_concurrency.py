"""Reminder runs started at the same moment: exactly one e-mail per stage (PostgreSQL)."""

import datetime as dt

import pytest
from django.core import mail
from django.db import connection
from django.utils import timezone

from contracts.models import NoticeReminder, RenewalType
from contracts.services import send_contract_reminders
from tests import factories
from tests.concurrency import in_threads

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="Concurrent runs need PostgreSQL: SQLite serialises whole-database writes "
        "(set DATABASE_URL to a PostgreSQL database).",
    ),
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture(autouse=True)
def _stages(settings):
    settings.TIME_ZONE = "UTC"
    settings.CONTRACT_REMINDER_STAGES = [90, 60, 30, 7]
    settings.CONTRACT_REMINDER_ESCALATION_DAYS = 3


def test_four_concurrent_runs_send_each_stage_once(manager, vendor_a, vendor_b):
    contracts = [
        factories.ContractFactory(
            vendor=vendor,
            owner=manager,
            initial_term_end=dt.date(2028, 12, 31),
            renewal_type=RenewalType.TACIT,
            notice_period_days=90,
        )
        for vendor in (vendor_a, vendor_b, vendor_a)
    ]
    deadline = dt.date(2028, 10, 2)
    for days in (90, 60, 30, 7, 3):
        day = deadline - dt.timedelta(days=days)
        now = timezone.make_aware(dt.datetime(day.year, day.month, day.day, 6))
        runs = in_threads(lambda now=now: send_contract_reminders(now=now))
        assert sum(len(run.sent) for run in runs) == len(contracts)
        assert sum(len(run.failed) for run in runs) == 0
    assert len(mail.outbox) == 5 * len(contracts)
    assert NoticeReminder.objects.filter(status="sent").count() == 5 * len(contracts)
    # A catch-up after downtime, raced by four runs: one e-mail, earlier stages skipped once.
    late = factories.ContractFactory(
        vendor=vendor_b,
        owner=manager,
        initial_term_end=dt.date(2028, 12, 31),
        renewal_type=RenewalType.TACIT,
        notice_period_days=90,
    )
    mail.outbox.clear()
    day = deadline - dt.timedelta(days=20)
    now = timezone.make_aware(dt.datetime(day.year, day.month, day.day, 6))
    in_threads(lambda: send_contract_reminders(now=now))
    assert len(mail.outbox) == 1
    assert dict(NoticeReminder.objects.filter(contract=late).values_list("stage", "status")) == {
        "90": "skipped",
        "60": "skipped",
        "30": "sent",
    }
