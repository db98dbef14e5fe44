"""No side channels: an object hidden from a vendor user is hidden in every list it could appear in.

A portfolio holds, for vendor A, objects its users may not see — an issue raised for an undecided
renewal (internal), internal-only notes, a document not shared with the vendor, a forum the user is not
a member of, a manager's note on an escalation — all marked with ``SECRET``. Then every list an
object can reach a reader through is walked as a vendor user: every page of the portal (from the
resolver), the meeting and its built agenda, the calendar feed, the vendor 360 and vendor home
timelines and their htmx pages, search, notifications, the digest e-mail and the webhook payloads of
the vendor administrator's subscription. The same walk as a manager finds the objects, so the walk
does reach them.
"""

import datetime as dt
from datetime import timedelta

import pytest
from django.core import mail
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent
from api.models import WebhookDelivery, WebhookEventType, WebhookSubscription
from api.services.webhooks import webhooks_scan
from contracts.models import ContractDocument
from governance.models import AgendaItem, Issue, IssueOrigin, Meeting
from governance.services.agenda import build_agenda
from governance.services.calendar import calendar_feed_issue
from governance.services.decisions import decision_record
from governance.services.issues import issue_escalate
from kpis.models import ServiceLevel
from notifications.digest_content import _vendor_rows
from notifications.models import Notification
from notifications.services.digests import digests_plan, digests_send
from notifications.services.events import notifications_scan
from tests import factories, factories_contracts, factories_gov_audits, factories_issues, factories_meetings
from tests import factories_notifications as nf
from tests.test_isolation import INTERNAL_VALUES, plain_routes, vendor_a_urls

pytestmark = pytest.mark.django_db

SECRET = "sidechannel-9c2d"
SEARCH = "sidechannel"  # finds every hidden object, and a search page echoing it is no leak
HX_TIMELINE = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "timeline-older"}


@pytest.fixture(autouse=True)
def _settings(settings):
    settings.API_THROTTLE_RATE = "100000/minute"
    settings.PORTAL_URL = "https://portal.example.com"
    cache.clear()


@pytest.fixture
def hidden(portfolio, manager, vendor_a_user, vendor_a_admin):
    """Vendor A's objects hidden from its users, and the lists that would carry them."""
    side = portfolio.a
    now = timezone.now()
    vendor_people = [vendor_a_user, vendor_a_admin]
    # The vendor administrator's endpoint, subscribed to everything before anything happened.
    WebhookSubscription.objects.create(
        owner=vendor_a_admin,
        url="https://hooks.example.com/portal",
        event_types=[t for t in WebhookEventType.values if t != WebhookEventType.PING],
        secret="whsec_test",
        created_at=now - timedelta(days=1),
    )
    path = side.escalation_path
    factories.EscalationLevelFactory(path=path, level=2, name="Level 2", time_limit_hours=24)
    internal_issue = factories_issues.IssueFactory(
        vendor=side.vendor,
        contract=side.sow,
        path=path,
        origin=IssueOrigin.NOTICE,
        title=f"{SECRET}: renewal of {side.sow.reference} undecided",
        description=f"{SECRET}: no decision on the renewal yet.",
        raised_at=now - timedelta(hours=2),
        level_started_at=now - timedelta(hours=2),
    )
    issue_escalate(
        issue=internal_issue,
        actor=manager,
        from_level=internal_issue.level,
        note=f"{SECRET}: the board wants to re-tender.",
    )
    open_issue = factories_issues.IssueFactory(
        vendor=side.vendor,
        path=path,
        title="Tickets bounce between desks",
        raised_at=now - timedelta(hours=1),
    )
    issue_escalate(issue=open_issue, actor=manager, from_level=open_issue.level)

    # A forum the vendor's users belong to, with a meeting whose agenda is built from what is open.
    forum = factories_meetings.ForumFactory(vendor=side.vendor, name="Operational review")
    forum.members.add(manager, *vendor_people)
    meeting = factories_meetings.MeetingFactory(forum=forum, scheduled_for=now + timedelta(days=3))
    build_agenda(meeting, manager)
    # A forum they are not members of.
    closed = factories_meetings.ForumFactory(vendor=side.vendor, name=f"{SECRET} exit board")
    closed.members.add(manager)
    factories_meetings.MeetingFactory(
        forum=closed, scheduled_for=now + timedelta(days=4), location=f"{SECRET} room"
    )
    decision = decision_record(
        actor=manager,
        vendor=side.vendor,
        title="Keep the current service hours",
        rationale="Demand is flat.",
        decided_on=timezone.localdate(),
        links=[internal_issue, open_issue],
    )
    factories_contracts.ContractDocumentFactory(
        contract=side.sow, title=f"{SECRET} price benchmark", shared_with_vendor=False
    )
    finding = factories_gov_audits.sweep_finding(side)
    finding.internal_notes = f"{SECRET}: auditor doubts the evidence."
    finding.save()
    factories.AuditEventFactory(obj=side.sow, actor=manager, internal_only=True, note=f"{SECRET}: exit plan")

    notifications_scan()
    webhooks_scan()
    for person in vendor_people:
        nf.PreferenceFactory(user=person, time_zone="UTC", delivery_time=dt.time(0, 0))
    return {"issue": internal_issue, "meeting": meeting, "decision": decision, "forum": forum}


def logged_in(user) -> Client:
    client = Client(raise_request_exception=False)
    client.force_login(user)
    return client


def pages(portfolio, user, hidden) -> list[str]:
    """Every page of the portal without an id, every page of one of vendor A's objects, and the lists
    that carry governance objects with their htmx parts and search."""
    urls = [reverse(r.name) if r.name else "/" + r.route.lstrip("^").rstrip("$") for r in plain_routes()]
    urls += [url for _, url in vendor_a_urls(portfolio, user)]
    vendor_page = reverse("vendors:detail", args=[portfolio.a.vendor.pk])
    urls += [
        reverse("forums:meeting_detail", args=[hidden["meeting"].pk]),
        reverse("forums:detail", args=[hidden["forum"].pk]),
        reverse("decisions:detail", args=[hidden["decision"].pk]),
        vendor_page,
        f"{vendor_page}?before={AuditEvent.objects.order_by('-pk').first().pk + 1}",
        f"/issues/?q={SEARCH}&status=all",
        f"/issues/?status=all&vendor={portfolio.a.vendor.pk}",
        f"/decisions/?q={SEARCH}",
        f"/audit-trail/?q={SEARCH}",
        "/notifications/",
        "/api/v1/issues/?status=open",
        f"/api/v1/issues/?vendor={portfolio.a.vendor.pk}&ordering=-level",
        "/api/v1/action-items/",
    ]
    return urls


def reader_sees(portfolio, user, hidden) -> dict[str, str]:
    """What ``user`` reads through every list: pages, feed, e-mails, webhook payloads."""
    client = logged_in(user)
    seen = {}
    for url in pages(portfolio, user, hidden):
        response = client.get(url, follow=True)
        assert response.status_code < 500, (url, response.status_code)
        if response.status_code == 200 and not response.streaming:
            seen[url] = response.content.decode(errors="replace")
    vendor_page = reverse("vendors:detail", args=[portfolio.a.vendor.pk])
    fragment = client.get(
        f"{vendor_page}?before={AuditEvent.objects.order_by('-pk').first().pk + 1}", **HX_TIMELINE
    )
    seen["timeline fragment"] = fragment.content.decode()
    key = calendar_feed_issue(user=user)
    feed = Client().get(reverse("calendar:feed", args=[key]))
    assert feed.status_code == 200 and "BEGIN:VCALENDAR" in feed.content.decode()
    # Unfolded (RFC 5545 folds long lines), so a folded line cannot hide a leak from the check.
    seen["calendar feed"] = feed.content.decode().replace("\r\n ", "")
    seen["notifications"] = " ".join(
        f"{n.title} {n.body} {n.url}" for n in Notification.objects.filter(recipient=user)
    )
    seen["e-mail"] = " ".join(
        f"{m.subject} {m.body} {' '.join(a[0] for a in m.alternatives)}"
        for m in mail.outbox
        if user.email in m.to
    )
    seen["webhooks"] = " ".join(
        str(d.event.payload)
        for d in WebhookDelivery.objects.filter(subscription__owner=user).select_related("event")
    )
    return seen


def leaks(seen: dict[str, str]) -> dict[str, list[str]]:
    found = {}
    for where, text in seen.items():
        shown = set(INTERNAL_VALUES.findall(text)) | ({SECRET} if SECRET in text else set())
        if shown:
            found[where] = sorted(shown)
    return found


@pytest.mark.parametrize("reader", ["vendor_a_user", "vendor_a_admin"])
def test_no_list_shows_a_vendor_user_an_object_hidden_from_them(request, portfolio, hidden, manager, reader):
    user = request.getfixturevalue(reader)
    digests_plan(now=timezone.now())
    digests_send(now=timezone.now())
    assert any(user.email in m.to for m in mail.outbox), "the vendor user's digest was not sent"

    seen = reader_sees(portfolio, user, hidden)

    assert not leaks(seen), leaks(seen)
    # The lists did carry the objects the reader may see.
    assert (
        "Tickets bounce between desks" in seen[reverse("forums:meeting_detail", args=[hidden["meeting"].pk])]
    )
    assert "Tickets bounce between desks" in seen["calendar feed"]
    assert "Tickets bounce between desks" in seen["notifications"]
    if reader == "vendor_a_admin":
        assert "Tickets bounce between desks" in seen["webhooks"]
    assert reverse("issues:detail", args=[hidden["issue"].pk]) not in " ".join(seen.values())
    assert logged_in(user).get(reverse("issues:detail", args=[hidden["issue"].pk])).status_code == 404


def test_the_same_lists_carry_the_hidden_objects_for_the_client(portfolio, hidden, manager):
    seen = reader_sees(portfolio, manager, hidden)

    meeting_page = seen[reverse("forums:meeting_detail", args=[hidden["meeting"].pk])]
    assert f"{SECRET}: renewal" in meeting_page
    assert f"{SECRET}: renewal" in seen["calendar feed"]
    assert f"{SECRET}: renewal" in seen[reverse("decisions:detail", args=[hidden["decision"].pk])]
    assert f"{SECRET} exit board" in seen["/forums/"]


def test_digest_sections_shared_by_a_vendors_users_refuse_rows_that_differ_per_reader(portfolio):
    vendor_ids = {portfolio.a.vendor.pk}
    assert list(_vendor_rows(ServiceLevel, vendor_ids)) == [portfolio.a.service_level]
    for narrowed in (Issue, Meeting, AgendaItem, ContractDocument):
        with pytest.raises(ValueError, match="differ per reader"):
            _vendor_rows(narrowed, vendor_ids)


def test_an_internal_value_does_not_reach_vendors_through_an_objects_name(
    client_for, manager, vendor_a, vendor_a_user
):
    """The trail and the timelines show each object's name to vendor users; a credit tier's factor, which
    is internal, must not be part of it."""
    from accounts.audit import audited_create
    from kpis.models import CreditTier, ServiceLevelKind

    service_level = factories.ServiceLevelFactory(
        contract=factories.SOWFactory(vendor=vendor_a), kind=ServiceLevelKind.CSL
    )
    audited_create(
        model=CreditTier, actor=manager, service_level=service_level, shortfall="2.22", factor_percent="17.71"
    )

    client = client_for(vendor_a_user)
    pages = [
        client.get(reverse("audit:trail")).content.decode(),
        client.get(reverse("audit:export") + "?format=csv").content.decode(),
        client.get(reverse("vendors:detail", args=[vendor_a.pk])).content.decode(),
    ]
    assert any("2.22" in page for page in pages)  # the tier's event does reach the vendor
    assert not [page for page in pages if "17.71" in page]
