"""Digests: planned in each person's time zone, role-aware, read as their recipients read them."""

import datetime as dt
import re
from datetime import timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail

from contracts.models import RenewalType
from kpis.models import BreachKind
from notifications.models import DigestLedger, SendStatus
from notifications.services.digests import digests_plan, digests_send
from tests import factories
from tests import factories_notifications as nf

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 4, 10, 7, 30, tzinfo=dt.UTC)  # a Friday
PARIS = ZoneInfo("Europe/Paris")


@pytest.fixture(autouse=True)
def _clock(settings):
    settings.TIME_ZONE = "UTC"
    settings.PORTAL_URL = "https://portal.example.com"
    with time_machine.travel(NOW, tick=False):
        yield


def sent_to(user):
    return [m for m in mail.outbox if m.to == [user.email]]


def html_of(message) -> str:
    ((html, kind),) = message.alternatives
    assert kind == "text/html"
    return html


# ---- Planning ----------------------------------------------------------------------------------------


def test_daily_digests_come_due_at_the_local_delivery_time(manager, vendor_a_user):
    nf.PreferenceFactory(user=manager, time_zone="Europe/Paris", delivery_time=dt.time(10, 0))
    nf.PreferenceFactory(user=vendor_a_user, time_zone="UTC", delivery_time=dt.time(7, 0))

    assert digests_plan() == 1  # 07:30 UTC is 09:30 in Paris: only the vendor user's has come due
    entry = DigestLedger.objects.get()
    assert (entry.user, entry.kind, entry.period_key) == (vendor_a_user, "vendor", "d:2026-04-10")
    assert entry.window_start == dt.datetime(2026, 4, 9, 7, 0, tzinfo=dt.UTC)
    assert entry.window_end == dt.datetime(2026, 4, 10, 7, 0, tzinfo=dt.UTC)

    later = dt.datetime(2026, 4, 10, 10, 0, tzinfo=PARIS)
    assert digests_plan(now=later) == 1
    assert digests_plan(now=later + timedelta(minutes=1)) == 0  # planned once per period
    paris = DigestLedger.objects.get(user=manager)
    assert paris.period_key == "d:2026-04-10" and paris.window_end == later


def test_weekly_digests_on_mondays_and_the_monthly_summary_on_the_first(manager, viewer, auditor):
    nf.PreferenceFactory(user=manager, digest_frequency="weekly")
    monday = dt.datetime(2026, 4, 13, 7, 0, tzinfo=dt.UTC)

    digests_plan(now=monday)
    weekly = DigestLedger.objects.get(user=manager)
    assert weekly.period_key == "w:2026-W16"
    assert weekly.window_start == monday - timedelta(days=7)

    first = dt.datetime(2026, 5, 1, 7, 5, tzinfo=dt.UTC)
    digests_plan(now=first)
    summaries = DigestLedger.objects.filter(kind="summary")
    assert sorted(summaries.values_list("user__email", "period_key")) == [
        (auditor.email, "m:2026-04"),
        (viewer.email, "m:2026-04"),
    ]
    summary = summaries.first()
    assert (summary.window_start, summary.window_end) == (
        dt.datetime(2026, 4, 1, 7, 0, tzinfo=dt.UTC),
        dt.datetime(2026, 5, 1, 7, 0, tzinfo=dt.UTC),
    )


def test_no_digest_for_the_unsubscribed_the_inactive_or_long_overdue(
    manager, viewer, vendor_a_user, settings
):
    nf.PreferenceFactory(user=manager, digests_enabled=False)
    vendor_a_user.is_active = False
    vendor_a_user.save(update_fields=["is_active"])
    assert digests_plan() == 0  # the viewer's monthly summary came due on 1 April: long ago

    assert digests_plan(now=dt.datetime(2026, 5, 1, 8, 0, tzinfo=dt.UTC)) == 1


# ---- What the digests say ---------------------------------------------------------------------------


@pytest.fixture
def busy_portfolio(portfolio, manager, vendor_a_user):
    """Vendor A with one of everything a manager's and a vendor's digest report."""
    a = portfolio.a
    opened = NOW - timedelta(hours=5)
    factories.BreachFactory(service_level=a.service_level, opened_at=opened, severity="high")
    factories.BreachFactory(
        service_level=a.service_level,
        kind=BreachKind.NOT_REPORTED,
        period_start=dt.date(2026, 2, 1),
        period_end=dt.date(2026, 2, 28),
        opened_at=opened,
        response_due_at=NOW - timedelta(days=1),
    )
    factories.MeasurementFactory(service_level=a.service_level, submitted_by=vendor_a_user)
    nf.ActionItemFactory(vendor=a.vendor, title="Send the capacity plan", due_on=dt.date(2026, 4, 1))
    nf.ReviewFactory(vendor=a.vendor, status="self_assessment")
    nf.FindingFactory(audit=nf.AuditFactory(vendor=a.vendor), title="Admin accounts without MFA")
    a.sow.renewal_type, a.sow.notice_period_days = RenewalType.TACIT, 90
    a.sow.initial_term_end = dt.date(2026, 7, 31)
    a.sow.save()
    return portfolio


def test_the_managers_digest_lists_what_changed_in_the_portfolio(busy_portfolio, manager, vendor_b_user):
    other = factories.InternalUserFactory(email="other-manager@portal.test")
    vendor_b = busy_portfolio.b.vendor
    vendor_b.internal_owner = other  # vendor B is the other manager's: not in this digest
    vendor_b.save(update_fields=["internal_owner"])
    factories.BreachFactory(service_level=busy_portfolio.b.service_level, opened_at=NOW - timedelta(hours=2))

    digests_plan()
    digests_send()

    (message,) = sent_to(manager)
    a = busy_portfolio.a
    assert message.subject.startswith("Vendor Governance Portal: ")
    assert message.subject.endswith("in your portfolio, 10 Apr 2026")
    text, html = message.body, html_of(message)
    for heading in (
        "NEW BREACHES (1)",
        "MISSING REPORTS (1)",
        "BREACH RESPONSES OVERDUE (1)",
        "FIGURES WAITING FOR VALIDATION (1)",
        "OVERDUE ACTIONS (1)",
        "NOTICE DEADLINES COMING UP (1)",
    ):
        assert heading in text
    assert f"Service availability on {a.sow.reference}, March 2026 (High)" in text
    assert f"{a.vendor.name}: 1 figure (oldest 10 Apr 2026)" in text
    assert "Send the capacity plan (vendor side, due 1 Apr 2026) [OVERDUE]" in text
    assert "notice by 1 May 2026" in text
    assert vendor_b.name not in text and vendor_b.name not in html
    # Links go back into the portal, absolute.
    assert re.search(r"https://portal\.example\.com/breaches/\d+/", text)
    assert "https://portal.example.com/measurements/validation/?vendor_id=" in html
    # Vendor B's digest goes to its owner.
    assert vendor_b.name in sent_to(other)[0].body or "NEW BREACHES" in sent_to(other)[0].body


def test_the_vendors_digest_lists_what_is_due_from_them(
    busy_portfolio, vendor_a_user, vendor_b_user, manager
):
    digests_plan()
    digests_send()

    (message,) = sent_to(vendor_a_user)
    a, b = busy_portfolio.a, busy_portfolio.b
    assert message.subject == f"Vendor Governance Portal: what {a.vendor.name} needs to do, 10 Apr 2026"
    text, html = message.body, html_of(message)
    assert "BREACHES WAITING FOR YOUR RESPONSE (2)" in text
    assert ", not reported" in text and "[OVERDUE]" in text and "[NEW]" in text
    assert "YOUR ACTIONS DUE (1)" in text and "Send the capacity plan" in text
    assert "REVIEWS WAITING FOR YOU (1)" in text
    assert "AUDIT FINDINGS TO REMEDIATE (1)" in text and "Admin accounts without MFA (high)" in text
    assert "Overdue</span>" in html
    # Never anything of another vendor, nor internal-only values.
    for forbidden in (b.vendor.name, b.sow.reference, factories.INTERNAL_MARK, "7654321", "87654"):
        assert forbidden not in text and forbidden not in html
    # Vendor B has nothing due: no e-mail at all.
    assert not sent_to(vendor_b_user)
    assert DigestLedger.objects.get(user=vendor_b_user).status == SendStatus.SKIPPED


def test_nothing_to_say_sends_nothing(manager, vendor_a_user):
    assert digests_plan() == 2
    result = digests_send()
    assert (result.sent, result.skipped) == (0, 2)
    assert mail.outbox == []


def test_preferences_shape_the_digest(busy_portfolio, manager):
    nf.PreferenceFactory(
        user=manager, modes={"breach_opened": "off", "issue_raised": "digest", "issue_escalated": "immediate"}
    )
    nf.NotificationFactory(
        recipient=manager,
        kind="issue_raised",
        title="Issue raised (high): Nightly batch",
        created_at=NOW - timedelta(hours=3),
    )
    nf.NotificationFactory(
        recipient=manager,
        kind="issue_escalated",
        title="Issue escalated: e-mailed already",
        created_at=NOW - timedelta(hours=3),
    )
    nf.NotificationFactory(
        recipient=manager,
        kind="issue_raised",
        title="Issue raised: before the period",
        created_at=NOW - timedelta(days=2),
    )

    digests_plan()
    digests_send()

    text = sent_to(manager)[0].body
    assert "NEW BREACHES" not in text and "MISSING REPORTS (1)" in text
    assert "UPDATES (1)" in text and "Issue raised (high): Nightly batch" in text
    assert "e-mailed already" not in text and "before the period" not in text


def test_every_digest_has_both_parts_and_a_one_click_unsubscribe(busy_portfolio, manager):
    digests_plan()
    digests_send()

    message = sent_to(manager)[0]
    link = re.search(
        r"<(https://portal\.example\.com/notifications/unsubscribe/[^>]+/)>",
        message.extra_headers["List-Unsubscribe"],
    )[1]
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert link in message.body and link in html_of(message)
    assert "https://portal.example.com/notifications/preferences/" in message.body
    html = html_of(message)
    assert (
        "<script" not in html
        and "<img" not in html
        and "http://" not in html.replace("http://www.w3.org", "")
    )


def _scorecards():
    vendors = [factories.VendorFactory(name=f"Standing vendor {i}") for i in range(3)]
    march, february = dt.date(2026, 3, 1), dt.date(2026, 2, 1)
    scores = [
        (Decimal("92.5"), Decimal("80"), "green", 1),
        (Decimal("71"), Decimal("75"), "amber", 2),
        (Decimal("40"), None, "red", 3),
    ]
    for vendor, (now, before, rag, rank) in zip(vendors, scores, strict=True):
        factories.ScorecardFactory(
            vendor=vendor,
            period_start=march,
            period_end=dt.date(2026, 3, 31),
            score=now,
            rag=rag,
            band=rag.capitalize(),
            rank=rank,
        )
        if before is not None:
            factories.ScorecardFactory(
                vendor=vendor,
                period_start=february,
                period_end=dt.date(2026, 2, 28),
                score=before,
                rag="amber",
                band="Amber",
                rank=rank,
            )
    return vendors


def test_the_monthly_summary_shows_standings_as_bars_and_their_movement(viewer):
    vendors = _scorecards()
    with time_machine.travel(dt.datetime(2026, 4, 1, 7, 10, tzinfo=dt.UTC), tick=False):
        digests_plan()
        digests_send()

    (message,) = sent_to(viewer)
    assert message.subject == "Vendor Governance Portal: vendor standings for March 2026"
    text, html = message.body, html_of(message)
    assert "1. Standing vendor 0: 92.5 Green (+12.5)" in text
    assert "2. Standing vendor 1: 71.0 Amber (-4.0)" in text
    assert "3. Standing vendor 2: 40.0 Red (new)" in text
    assert "- Green: 1 vendor (+1)" in text and "- Amber: 1 vendor (-1)" in text
    assert "MOST IMPROVED" in text and "BIGGEST DECLINES" in text
    # The bars are table cells sized in percent and coloured by standing: no script, no image.
    assert 'width="92%" style="background:#1f7a4d;' in html
    assert 'width="40%" style="background:#b42318;' in html
    assert "▲ 12.5" in html and "▼ -4.0" in html
    assert "<script" not in html and "<img" not in html
    assert f"https://portal.example.com/vendors/{vendors[0].pk}/" in html
