"""Governance webhooks against the real HTTP receiver of tests/test_webhooks.py: an issue climbing its
escalation path (by the scheduled scan or by hand) and review signatures, each sent signed, once, and
only to endpoints whose owner may see the vendor."""

import json
from datetime import date, timedelta

import pytest

from api.models import WebhookDelivery, WebhookEvent
from api.services import webhooks
from governance.models import ReviewStatus
from governance.services.escalation import run_escalations
from governance.services.issues import issue_escalate
from governance.services.reviews import review_sign
from tests import factories
from tests import test_webhooks as hooks
from tests.factories_governance_portal import IssueFactory, ReviewFactory
from tests.test_webhooks import NOW, api, deliver_due, signature_is_valid, subscribe

# The real HTTP receiver, the frozen clock and the throttle switched off, as the webhook tests have them.
receiver = hooks.receiver
clock = hooks.clock
_no_throttle = hooks._no_throttle

pytestmark = pytest.mark.django_db


def escalating_issue(vendor, *, hours_at_level_1=30, **fields):
    """An open issue on a two-level path (24 hours each), at level 1 for ``hours_at_level_1`` hours."""
    path = factories.EscalationPathFactory(vendor=vendor, name=f"{vendor.name} path")
    factories.EscalationLevelFactory(path=path, level=1, name="Service managers")
    factories.EscalationLevelFactory(path=path, level=2, name="Heads of delivery")
    started = NOW - timedelta(hours=hours_at_level_1)
    return IssueFactory(
        vendor=vendor,
        path=path,
        title="Priority tickets wait a day",
        raised_at=started,
        level_started_at=started,
        **fields,
    )


def review_at_sign_off(vendor):
    return ReviewFactory(
        vendor=vendor,
        period_start=date(2025, 7, 1),
        period_end=date(2025, 12, 31),
        due_on=date(2026, 3, 31),
        status=ReviewStatus.SIGN_OFF,
    )


def test_the_new_event_types_can_be_subscribed_to(clock, manager):
    response = api(manager).post(
        "/api/v1/webhooks/",
        {"url": "https://hooks.example.test/in", "event_types": ["issue.escalated", "review.signed"]},
        content_type="application/json",
    )

    assert response.status_code == 201, response.content
    assert response.json()["event_types"] == ["issue.escalated", "review.signed"]


def test_an_escalation_by_the_scan_reaches_the_receiver_signed(clock, receiver, manager, vendor_a):
    subscription, secret = subscribe(manager, receiver.url, ["issue.escalated"])
    issue = escalating_issue(vendor_a, severity="high")

    assert run_escalations(now=NOW)["escalated"] == 1
    assert webhooks.webhooks_scan() == 1
    [attempt] = deliver_due()

    [request] = receiver.requests
    assert signature_is_valid(secret, request["headers"]["X-Portal-Signature"], request["body"], now=NOW)
    payload = json.loads(request["body"])
    assert payload["type"] == "issue.escalated" == request["headers"]["X-Portal-Event"]
    data = payload["data"]["issue"]
    assert (data["id"], data["vendor"], data["vendor_name"], data["title"]) == (
        issue.pk,
        vendor_a.pk,
        "Acme Test",
        "Priority tickets wait a day",
    )
    assert (data["level"], data["previous_level"], data["automatic"], data["severity"]) == (
        2,
        1,
        True,
        "high",
    )
    assert data["url"] == f"/api/v1/issues/{issue.pk}/"
    assert "Level 1's time ran out" in payload["data"]["note"]
    assert (attempt.delivery.status, attempt.delivery.response_code) == ("delivered", 200)


def test_an_escalation_by_hand_is_an_event_too(clock, receiver, manager, vendor_a):
    subscribe(manager, receiver.url, ["issue.escalated"])
    issue = escalating_issue(vendor_a, hours_at_level_1=1)

    issue_escalate(issue=issue, actor=manager, from_level=issue.level, note="The customer's board asked.")
    webhooks.webhooks_scan()

    event = WebhookEvent.objects.get()
    assert event.event_type == "issue.escalated" and event.vendor_id == vendor_a.pk
    assert (event.payload["issue"]["level"], event.payload["issue"]["automatic"]) == (2, False)
    # The manager's own words are not shown to the vendor on the issue page, so not sent either.
    assert event.payload["note"] == ""


def test_each_signature_is_an_event_and_the_lock_says_so(clock, receiver, manager, vendor_a, vendor_a_user):
    subscribe(manager, receiver.url, ["review.signed"])
    review = review_at_sign_off(vendor_a)

    review_sign(review=review, actor=manager)
    clock.shift(timedelta(hours=2))
    review_sign(review=review, actor=vendor_a_user)
    assert webhooks.webhooks_scan() == 3
    deliver_due()

    sent = [json.loads(r["body"]) for r in receiver.requests]
    assert [p["type"] for p in sent] == ["review.signed"] * 3
    reviews = [p["data"]["review"] for p in sorted(sent, key=lambda p: int(p["id"].split("-")[1]))]
    assert [(r["side"], r["locked"]) for r in reviews] == [
        ("internal", False),
        ("vendor", False),
        ("vendor", True),
    ]
    for data in reviews:
        assert (data["id"], data["vendor"], data["period_start"], data["period_end"]) == (
            review.pk,
            vendor_a.pk,
            "2025-07-01",
            "2025-12-31",
        )
    assert reviews[-1]["locked_at"] is not None


def test_a_vendor_endpoint_gets_only_its_own_vendors_governance_events(
    clock, receiver, manager, vendor_a, vendor_b, vendor_a_user, vendor_a_admin, vendor_b_admin
):
    kinds = ["issue.escalated", "review.signed"]
    internal, _ = subscribe(manager, receiver.url, kinds)
    acme, _ = subscribe(vendor_a_admin, receiver.url, kinds)
    globex, _ = subscribe(vendor_b_admin, receiver.url, kinds)
    escalating_issue(vendor_a)
    run_escalations(now=NOW)
    review_sign(review=review_at_sign_off(vendor_a), actor=vendor_a_user)

    webhooks.webhooks_scan()

    assert WebhookEvent.objects.count() == 2
    assert set(WebhookDelivery.objects.values_list("subscription", flat=True)) == {internal.pk, acme.pk}
    assert not WebhookDelivery.objects.filter(subscription=globex).exists()


def test_governance_events_are_sent_once(clock, receiver, manager, vendor_a):
    subscribe(manager, receiver.url, ["issue.escalated"])
    escalating_issue(vendor_a)
    run_escalations(now=NOW)

    assert webhooks.webhooks_scan() == 1
    clock.shift(timedelta(minutes=1))
    run_escalations(now=NOW + timedelta(minutes=1))  # nothing more is due
    assert webhooks.webhooks_scan() == 0
    assert WebhookEvent.objects.count() == WebhookDelivery.objects.count() == 1


def test_a_subscription_to_other_events_gets_no_governance_event(clock, receiver, manager, vendor_a):
    subscribe(manager, receiver.url, ["breach.opened"])
    escalating_issue(vendor_a)
    run_escalations(now=NOW)

    webhooks.webhooks_scan()

    assert WebhookEvent.objects.filter(event_type="issue.escalated").count() == 1
    assert not WebhookDelivery.objects.exists()
