"""The personal calendar feed: a valid RFC 5545 file at a secret, revocable address, holding only the dates
the user may see."""

import datetime as dt
import hashlib
import re

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import AuditEvent
from contracts.models import RenewalType
from governance import ical
from governance.models import Audit, CalendarFeed, Review
from governance.services.calendar import calendar_feed_issue
from tests import factories
from tests.factories_meetings import ActionItemFactory, ForumFactory, MeetingFactory

NOW = dt.datetime(2026, 4, 10, 9, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _utc(settings):
    settings.TIME_ZONE = "UTC"


# ---- The writer ---------------------------------------------------------------------------------------


def test_text_values_are_escaped():
    assert ical.escape_text("a,b;c\\d\ne\r\nf") == "a\\,b\\;c\\\\d\\ne\\nf"


def test_long_lines_fold_at_75_octets_without_splitting_characters():
    line = "DESCRIPTION:" + "é" * 100 + "x" * 50
    folded = ical.fold(line)
    parts = folded.split("\r\n")
    assert all(len(part.encode()) <= 75 for part in parts)
    assert all(part.startswith(" ") for part in parts[1:])
    assert "".join([parts[0], *(part[1:] for part in parts[1:])]) == line


def unfold(text: str) -> list[str]:
    return text.replace("\r\n ", "").split("\r\n")[:-1]


def parse(text: str) -> list[dict]:
    """A strict reading of the feed: CRLF endings, balanced components, the required properties."""
    assert text.endswith("\r\n") and "\n" not in text.replace("\r\n", "")
    for raw in text.split("\r\n")[:-1]:
        assert len(raw.encode()) <= 75, raw
    lines = unfold(text)
    assert lines[0] == "BEGIN:VCALENDAR" and lines[-1] == "END:VCALENDAR"
    assert "VERSION:2.0" in lines and any(line.startswith("PRODID:") for line in lines)
    events, current = [], None
    for line in lines[1:-1]:
        if line == "BEGIN:VEVENT":
            assert current is None
            current = {}
        elif line == "END:VEVENT":
            events.append(current)
            current = None
        elif current is not None:
            name, _, value = line.partition(":")
            current[name.split(";")[0]] = (name, value)
    assert current is None
    for event in events:
        assert {"UID", "DTSTAMP", "DTSTART", "DTEND", "SUMMARY"} <= set(event)
        assert re.fullmatch(r"\d{8}T\d{6}Z", event["DTSTAMP"][1])
    return events


# ---- The address ----------------------------------------------------------------------------------------


def feed_url(key):
    return reverse("calendar:feed", args=[key])


def test_the_address_is_shown_once_and_works_without_signing_in(client_for, manager):
    client = client_for(manager)
    client.post(reverse("calendar:generate"))
    page = client.get(reverse("calendar:settings"))
    url = page.context["feed_url"]
    assert url and url in page.content.decode()
    assert client.get(reverse("calendar:settings")).context["feed_url"] is None  # shown once

    key = url.rsplit("/", 1)[1].removesuffix(".ics")
    feed = CalendarFeed.objects.get(user=manager)
    assert feed.key_hash == hashlib.sha256(key.encode()).hexdigest() and key not in feed.key_hash
    response = Client().get(feed_url(key))
    assert response.status_code == 200 and response["Content-Type"].startswith("text/calendar")
    parse(response.content.decode())
    feed.refresh_from_db()
    assert feed.last_used_at is not None


def test_a_revoked_replaced_or_wrong_key_is_not_found(client_for, manager):
    old = calendar_feed_issue(user=manager)
    new = calendar_feed_issue(user=manager)
    anonymous = Client()
    assert anonymous.get(feed_url(old)).status_code == 404
    assert anonymous.get(feed_url("not-a-key")).status_code == 404
    assert anonymous.get(feed_url(new)).status_code == 200

    client_for(manager).post(reverse("calendar:revoke"))

    assert anonymous.get(feed_url(new)).status_code == 404
    assert not CalendarFeed.objects.exists()
    assert list(
        AuditEvent.objects.filter(action__startswith="governance.calendarfeed.")
        .order_by("pk")
        .values_list("action", flat=True)
    ) == [
        "governance.calendarfeed.created",
        "governance.calendarfeed.regenerated",
        "governance.calendarfeed.revoked",
    ]


def test_a_deactivated_users_feed_stops(manager):
    key = calendar_feed_issue(user=manager)
    manager.is_active = False
    manager.save()
    assert Client().get(feed_url(key)).status_code == 404


def test_the_feed_takes_no_posts(manager):
    key = calendar_feed_issue(user=manager)
    assert Client().post(feed_url(key)).status_code in (403, 405)


# ---- What is in it --------------------------------------------------------------------------------------


@pytest.fixture
def dated(portfolio, manager, vendor_a_user, vendor_b_user):
    """Dates of both vendors: meetings, reviews, audits, deliverables, notice deadlines, actions."""
    rows = {}
    for label, side, member in (("a", portfolio.a, vendor_a_user), ("b", portfolio.b, vendor_b_user)):
        vendor = side.vendor
        forum = ForumFactory(
            vendor=vendor, name=f"{vendor.name} steering, board; review", members=[manager, member]
        )
        rows[f"meeting_{label}"] = MeetingFactory(
            forum=forum,
            scheduled_for=dt.datetime(2026, 4, 20, 14, 0, tzinfo=dt.UTC),
            location="Room 1, floor 2",
        )
        rows[f"review_{label}"] = Review.objects.create(
            vendor=vendor,
            period_start=dt.date(2026, 1, 1),
            period_end=dt.date(2026, 3, 31),
            due_on=dt.date(2026, 4, 30),
        )
        rows[f"audit_{label}"] = Audit.objects.create(
            vendor=vendor,
            title=f"{vendor.name} security audit",
            planned_start=dt.date(2026, 5, 4),
            planned_end=dt.date(2026, 5, 6),
        )
        rows[f"contract_{label}"] = factories.ContractFactory(
            vendor=vendor,
            title=f"{vendor.name} hosting",
            renewal_type=RenewalType.TACIT,
            initial_term_end=dt.date(2026, 12, 31),
            notice_period_days=90,
        )
        rows[f"action_{label}"] = ActionItemFactory(vendor=vendor, owner=member, due_on=dt.date(2026, 4, 24))
    return rows


def fetch_events(user, time_machine):
    time_machine.move_to(NOW, tick=False)
    key = calendar_feed_issue(user=user)
    return parse(Client().get(feed_url(key)).content.decode())


def test_a_vendor_user_gets_only_its_own_vendors_dates(dated, vendor_a_user, portfolio, time_machine):
    events = fetch_events(vendor_a_user, time_machine)
    uids = {event["UID"][1].split("@")[0] for event in events}
    assert {
        f"meeting-{dated['meeting_a'].pk}",
        f"review-{dated['review_a'].pk}",
        f"audit-{dated['audit_a'].pk}",
        f"deliverable-{portfolio.a.deliverable.pk}",
        f"action-{dated['action_a'].pk}",
    } <= uids
    assert any(
        uid.startswith("contract-notice-") and uid.endswith(f"-{dated['contract_a'].pk}") for uid in uids
    )
    text = "\n".join(value for event in events for _name, value in event.values())
    assert portfolio.b.vendor.name not in text
    assert not {f"meeting-{dated['meeting_b'].pk}", f"review-{dated['review_b'].pk}"} & uids


def test_a_vendor_user_outside_the_forum_gets_no_meeting(dated, vendor_a_admin, time_machine):
    uids = {event["UID"][1].split("@")[0] for event in fetch_events(vendor_a_admin, time_machine)}
    assert f"meeting-{dated['meeting_a'].pk}" not in uids
    assert f"review-{dated['review_a'].pk}" in uids


def test_internal_staff_get_every_relationship(dated, manager, time_machine):
    events = fetch_events(manager, time_machine)
    uids = {event["UID"][1].split("@")[0] for event in events}
    assert {f"meeting-{dated['meeting_a'].pk}", f"meeting-{dated['meeting_b'].pk}"} <= uids
    meeting = next(e for e in events if e["UID"][1].startswith(f"meeting-{dated['meeting_a'].pk}@"))
    assert meeting["DTSTART"][1] == "20260420T140000Z" and meeting["DTEND"][1] == "20260420T150000Z"
    assert meeting["LOCATION"][1] == "Room 1\\, floor 2"
    assert "\\;" in meeting["SUMMARY"][1] and "\\," in meeting["SUMMARY"][1]
    audit = next(e for e in events if e["UID"][1].startswith(f"audit-{dated['audit_a'].pk}@"))
    assert audit["DTSTART"] == ("DTSTART;VALUE=DATE", "20260504")
    assert audit["DTEND"] == ("DTEND;VALUE=DATE", "20260507")  # the day after the last day
    notice = next(e for e in events if e["UID"][1].startswith("contract-notice-20261002-"))
    assert notice["SUMMARY"][1].startswith("Notice deadline:")


def test_the_settings_page_needs_a_sign_in():
    response = Client().get(reverse("calendar:settings"))
    assert response.status_code == 302 and reverse("accounts:login") in response.url
