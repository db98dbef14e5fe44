"""The real delivery path: a digest goes through Django's SMTP backend, configured from an EMAIL_URL,
to an SMTP server started in the test on loopback, and is read back as the recipient gets it."""

import datetime as dt
import email
import socket
from datetime import timedelta
from email import policy

import environ
import pytest
import time_machine
from aiosmtpd.controller import Controller
from django.test import Client

from notifications.models import DigestLedger, NotificationPreference, SendStatus
from notifications.services.digests import digests_plan, digests_send
from tests import factories

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 4, 10, 7, 30, tzinfo=dt.UTC)


class Inbox:
    """An aiosmtpd handler keeping every message it receives."""

    def __init__(self):
        self.envelopes = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp_server():
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    try:
        yield controller, inbox
    finally:
        controller.stop()


@pytest.fixture
def smtp_settings(settings, smtp_server):
    """Point Django at the test server exactly as config/settings.py reads EMAIL_URL."""
    controller, _ = smtp_server
    parsed = environ.Env.email_url_config(f"smtp://127.0.0.1:{controller.port}")
    settings.EMAIL_BACKEND = parsed["EMAIL_BACKEND"]
    settings.EMAIL_HOST, settings.EMAIL_PORT = parsed["EMAIL_HOST"], parsed["EMAIL_PORT"]
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 10
    settings.TIME_ZONE = "UTC"
    settings.PORTAL_URL = "https://portal.example.com"
    assert settings.EMAIL_BACKEND == "django.core.mail.backends.smtp.EmailBackend"
    return settings


def test_a_digest_travels_through_a_real_smtp_server(smtp_server, smtp_settings, portfolio, manager):
    _, inbox = smtp_server
    with time_machine.travel(NOW, tick=False):
        factories.BreachFactory(service_level=portfolio.a.service_level, opened_at=NOW - timedelta(hours=2))
        digests_plan()
        result = digests_send()

    assert result.sent == 1 and result.error == ""
    assert DigestLedger.objects.get().status == SendStatus.SENT
    (envelope,) = inbox.envelopes
    assert envelope.rcpt_tos == [manager.email]
    assert envelope.mail_from == "portal@localhost"

    message = email.message_from_bytes(envelope.original_content, policy=policy.default)
    assert message["To"] == manager.email
    assert message["From"] == "Vendor Governance Portal <portal@localhost>"
    assert message["Subject"] == "Vendor Governance Portal: 1 item in your portfolio, 10 Apr 2026"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    unsubscribe = message["List-Unsubscribe"].strip().strip("<>")
    assert unsubscribe.startswith("https://portal.example.com/notifications/unsubscribe/")
    assert message.get_content_type() == "multipart/alternative"

    text = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    assert "NEW BREACHES (1)" in text and f"Service availability on {portfolio.a.sow.reference}" in text
    assert "<h2" in html and "New breaches" in html and unsubscribe in html

    # The recipient's mail client unsubscribes with one POST to the header's link (RFC 8058).
    path = unsubscribe.removeprefix("https://portal.example.com")
    response = Client().post(
        path, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 200
    assert NotificationPreference.objects.get(user=manager).digests_enabled is False


def test_an_unreachable_smtp_server_leaves_the_digest_pending(settings, portfolio, manager):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", _free_port(), 2
    settings.TIME_ZONE = "UTC"
    with time_machine.travel(NOW, tick=False):
        factories.BreachFactory(service_level=portfolio.a.service_level, opened_at=NOW - timedelta(hours=2))
        digests_plan()
        result = digests_send()

    assert result.sent == 0 and "ConnectionRefusedError" in result.error
    entry = DigestLedger.objects.get()
    assert (
        entry.status == SendStatus.PENDING
        and entry.claimed_by == ""
        and "ConnectionRefused" in entry.last_error
    )
