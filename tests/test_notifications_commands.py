"""The notification commands: a scan by hand, and a digest previewed as its recipient reads it."""

import datetime as dt
from datetime import timedelta
from io import StringIO

import pytest
import time_machine
from django.core import mail
from django.core.management import CommandError, call_command

from notifications.models import DigestLedger, Notification
from tests import factories
from tests import factories_notifications as nf

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 4, 10, 9, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _clock(settings):
    settings.TIME_ZONE = "UTC"
    with time_machine.travel(NOW, tick=False):
        yield


def test_scan_notifications_records_once(portfolio, manager, vendor_a_user):
    nf.trail(factories.BreachFactory(service_level=portfolio.a.service_level), "kpis.breach.opened")
    out = StringIO()
    call_command("scan_notifications", stdout=out)
    assert "Recorded 2 notifications from the audit trail and 1 from due dates." in out.getvalue()
    call_command("scan_notifications", now="2026-04-10T09:05:00+00:00", stdout=StringIO())
    assert Notification.objects.count() == 3
    with pytest.raises(CommandError, match="needs a time zone"):
        call_command("scan_notifications", now="2026-04-10T09:05:00", stdout=StringIO())
    with pytest.raises(CommandError, match="not an ISO 8601"):
        call_command("scan_notifications", now="yesterday", stdout=StringIO())


def test_preview_digest_prints_what_the_recipient_would_read_and_records_nothing(portfolio, vendor_a_user):
    factories.BreachFactory(service_level=portfolio.a.service_level, opened_at=NOW - timedelta(hours=1))
    out = StringIO()
    call_command("preview_digest", vendor_a_user.email, stdout=out)
    text = out.getvalue()
    assert f"To: {vendor_a_user.email}" in text
    assert "Subject: Vendor Governance Portal: what Acme Test needs to do, 10 Apr 2026" in text
    assert "List-Unsubscribe-Post: List-Unsubscribe=One-Click" in text
    assert "BREACHES WAITING FOR YOUR RESPONSE (1)" in text and "[NEW]" in text

    html = StringIO()
    call_command("preview_digest", vendor_a_user.email, html=True, stdout=html)
    assert "<!doctype html>" in html.getvalue()
    assert not DigestLedger.objects.exists() and mail.outbox == []


def test_preview_digest_says_when_there_is_nothing_to_say(manager):
    out = StringIO()
    call_command("preview_digest", manager.email, last=True, stdout=out)
    assert "no e-mail would be sent" in out.getvalue()
    with pytest.raises(CommandError, match="Nobody has the e-mail address"):
        call_command("preview_digest", "nobody@example.test", stdout=StringIO())
