"""Outgoing webhooks against a real HTTP receiver on 127.0.0.1 that checks the signature on its own.

Events come from what the engine and the breach workflow write to the audit trail; deliveries are
signed (``X-Portal-Signature: t=…,v1=HMAC-SHA256("<t>.<body>")``), retried with exponential backoff,
logged with their response codes, and limited to what the subscription's owner may see.
"""

import hashlib
import hmac
import itertools
import json
import threading
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import time_machine
from django.core.cache import cache
from django.test import Client

from accounts.models import AuditEvent
from api import tasks
from api.models import (
    DeliveryStatus,
    WebhookDelivery,
    WebhookEvent,
    WebhookEventType,
    WebhookSubscription,
)
from api.services import webhook_delivery, webhooks
from api.services.tokens import api_token_create
from contracts.models import RenewalType
from kpis import services
from kpis.engine import run_evaluation
from kpis.models import Breach, BreachStatus
from tests import factories

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
JAN = date(2026, 1, 1)


class Receiver:
    """What the test endpoint received, and the status codes it answers with (200 once they run out)."""

    def __init__(self):
        self.requests: list[dict] = []
        self.answers: list[int] = []
        self.url = ""


@pytest.fixture
def receiver():
    received = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.requests.append({"path": self.path, "headers": dict(self.headers), "body": body})
            code = received.answers.pop(0) if received.answers else 200
            self.send_response(code)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    received.url = f"http://127.0.0.1:{server.server_address[1]}/hooks/portal"
    yield received
    server.shutdown()
    server.server_close()


def signature_is_valid(secret: str, header: str, body: bytes, *, now: datetime, tolerance: int = 300) -> bool:
    """The receiver's own check, written from the documented format only."""
    parts = dict(part.split("=", 1) for part in header.split(","))
    timestamp = int(parts["t"])
    expected = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, parts["v1"]) and abs(now.timestamp() - timestamp) <= tolerance


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture(autouse=True)
def _no_throttle(settings):
    settings.API_THROTTLE_RATE = "100000/minute"
    cache.clear()


_token_names = itertools.count()


def api(user, scope="write") -> Client:
    _, token = api_token_create(user=user, name=f"hooks {next(_token_names)}", scope=scope)
    return Client(HTTP_AUTHORIZATION=f"Bearer {token}")


def subscribe(user, url, event_types=("breach.opened",)) -> tuple[WebhookSubscription, str]:
    response = api(user).post(
        "/api/v1/webhooks/", {"url": url, "event_types": list(event_types)}, content_type="application/json"
    )
    assert response.status_code == 201, response.content
    body = response.json()
    return WebhookSubscription.objects.get(pk=body["id"]), body["secret"]


def unreported_service_level(vendor):
    """A monthly service level with January reported and met, February not reported at all."""
    service_level = factories.ServiceLevelFactory(
        contract=factories.SOWFactory(vendor=vendor), effective_from=JAN
    )
    factories.MeasurementFactory(
        service_level=service_level, measured_on=date(2026, 1, 15), value=Decimal("99.9")
    )
    return service_level


def deliver_due() -> list:
    return [
        webhook_delivery.webhook_delivery_attempt(delivery_id=pk)
        for pk in webhook_delivery.webhook_deliveries_due()
    ]


@pytest.mark.django_db
def test_breach_opened_by_the_engine_reaches_the_receiver_signed(clock, receiver, manager, vendor_a):
    subscription, secret = subscribe(manager, receiver.url)
    service_level = unreported_service_level(vendor_a)
    run_evaluation(now=NOW)
    breach = Breach.objects.get(service_level=service_level)

    assert webhooks.webhooks_scan() == 1
    [attempt] = deliver_due()

    [request] = receiver.requests
    header = request["headers"]["X-Portal-Signature"]
    assert signature_is_valid(secret, header, request["body"], now=NOW)
    assert not signature_is_valid("whsec_someone-else", header, request["body"], now=NOW)
    assert not signature_is_valid(secret, header, request["body"] + b" ", now=NOW)
    payload = json.loads(request["body"])
    assert payload["type"] == "breach.opened" == request["headers"]["X-Portal-Event"]
    assert payload["data"]["breach"]["id"] == breach.pk
    assert payload["data"]["breach"]["kind"] == "not_reported"
    assert payload["data"]["breach"]["vendor"] == vendor_a.pk
    assert payload["id"] == request["headers"]["X-Portal-Event-Id"]
    assert request["path"] == "/hooks/portal"
    assert request["headers"]["Content-Type"] == "application/json"

    delivery = attempt.delivery
    assert (delivery.status, delivery.attempts, delivery.response_code) == (DeliveryStatus.DELIVERED, 1, 200)
    assert delivery.subscription == subscription
    assert delivery.delivered_at == NOW


@pytest.mark.django_db
def test_failed_deliveries_are_retried_with_exponential_backoff(clock, receiver, manager, vendor_a, settings):
    settings.WEBHOOK_BACKOFF_SECONDS = 30
    subscribe(manager, receiver.url)
    unreported_service_level(vendor_a)
    run_evaluation(now=NOW)
    webhooks.webhooks_scan()
    receiver.answers = [500, 503]

    [first] = deliver_due()
    assert (first.delivery.status, first.delivery.attempts, first.delivery.response_code) == (
        "pending",
        1,
        500,
    )
    assert first.retry_in == 30
    assert first.delivery.next_attempt_at == NOW + timedelta(seconds=30)
    assert webhook_delivery.webhook_delivery_attempt(delivery_id=first.delivery.pk) is None  # not due yet

    clock.shift(timedelta(seconds=30))
    [second] = deliver_due()
    assert (second.delivery.attempts, second.delivery.response_code, second.retry_in) == (2, 503, 60)

    clock.shift(timedelta(seconds=59))
    assert deliver_due() == []
    clock.shift(timedelta(seconds=1))
    [third] = deliver_due()
    assert (third.delivery.status, third.delivery.attempts, third.delivery.response_code) == (
        "delivered",
        3,
        200,
    )
    assert third.retry_in is None

    # The same event each time, each attempt signed afresh.
    assert len(receiver.requests) == 3
    assert len({r["headers"]["X-Portal-Event-Id"] for r in receiver.requests}) == 1


@pytest.mark.django_db
def test_a_delivery_fails_for_good_after_the_last_attempt(clock, receiver, manager, vendor_a, settings):
    settings.WEBHOOK_MAX_ATTEMPTS = 2
    subscribe(manager, receiver.url)
    unreported_service_level(vendor_a)
    run_evaluation(now=NOW)
    webhooks.webhooks_scan()
    receiver.answers = [500, 500, 500]

    deliver_due()
    clock.shift(timedelta(seconds=settings.WEBHOOK_BACKOFF_SECONDS))
    [last] = deliver_due()

    assert (last.delivery.status, last.delivery.attempts, last.retry_in) == (DeliveryStatus.FAILED, 2, None)
    assert last.delivery.last_error == "HTTP 500 Internal Server Error"
    clock.shift(timedelta(days=1))
    assert deliver_due() == []
    assert len(receiver.requests) == 2


def test_backoff_doubles_up_to_the_cap(settings):
    settings.WEBHOOK_BACKOFF_SECONDS = 30
    settings.WEBHOOK_BACKOFF_MAX_SECONDS = 600
    assert [webhook_delivery.backoff_seconds(n) for n in range(1, 8)] == [30, 60, 120, 240, 480, 600, 600]


@pytest.mark.django_db
def test_scanning_twice_sends_each_event_once(clock, receiver, manager, vendor_a):
    subscribe(manager, receiver.url)
    unreported_service_level(vendor_a)
    run_evaluation(now=NOW)

    assert webhooks.webhooks_scan() == 1
    clock.shift(timedelta(minutes=1))
    assert webhooks.webhooks_scan() == 0
    run_evaluation(now=NOW + timedelta(minutes=1))  # a re-run opens nothing new
    assert webhooks.webhooks_scan() == 0
    assert WebhookEvent.objects.count() == WebhookDelivery.objects.count() == 1


@pytest.mark.django_db
def test_an_endpoint_gets_only_what_its_owner_may_see(
    clock, receiver, manager, vendor_a, vendor_b, vendor_a_admin, vendor_b_admin
):
    internal, _ = subscribe(manager, receiver.url)
    acme, _ = subscribe(vendor_a_admin, receiver.url)
    globex, _ = subscribe(vendor_b_admin, receiver.url)
    unreported_service_level(vendor_a)
    run_evaluation(now=NOW)

    webhooks.webhooks_scan()

    assert set(WebhookDelivery.objects.values_list("subscription", flat=True)) == {internal.pk, acme.pk}
    assert not WebhookDelivery.objects.filter(subscription=globex).exists()


@pytest.mark.django_db
def test_nothing_from_before_a_subscription_is_sent(clock, receiver, manager, vendor_a):
    unreported_service_level(vendor_a)
    run_evaluation(now=NOW)
    clock.shift(timedelta(minutes=5))
    subscribe(manager, receiver.url)

    assert webhooks.webhooks_scan() == 0
    assert not WebhookDelivery.objects.exists()


@pytest.mark.django_db
def test_cleared_closed_and_disputed_breaches_are_events(clock, receiver, manager, vendor_a, vendor_a_user):
    types = ["breach.opened", "breach.cleared", "breach.closed", "dispute.opened", "dispute.resolved"]
    subscribe(manager, receiver.url, types)
    service_level = unreported_service_level(vendor_a)
    # This contract lets late figures clear a "not reported" breach (the default keeps it a failure).
    service_level.contract.late_figures_clear_unreported = True
    service_level.contract.save(update_fields=["late_figures_clear_unreported"])
    missed = factories.ServiceLevelFactory(contract=service_level.contract, effective_from=JAN)
    factories.MeasurementFactory(service_level=missed, measured_on=date(2026, 1, 10), value=Decimal("90"))
    factories.MeasurementFactory(service_level=missed, measured_on=date(2026, 2, 10), value=Decimal("99.9"))
    run_evaluation(now=NOW)
    missing = Breach.objects.get(service_level=service_level)
    january = Breach.objects.get(service_level=missed)

    # Late figures clear the unreported February; the vendor disputes January, the manager waives it.
    clock.shift(timedelta(hours=1))
    services.measurement_submit(
        service_level=service_level, measured_on=date(2026, 2, 20), value="99.9", actor=vendor_a_user
    )
    run_evaluation(now=NOW + timedelta(hours=1))
    dispute = services.breach_dispute(breach=january, actor=vendor_a_user, reason="Planned maintenance.")
    services.dispute_resolve(dispute=dispute, actor=manager, upheld=True, resolution="Agreed: planned work.")

    webhooks.webhooks_scan()
    events = dict(WebhookEvent.objects.values_list("event_type", "payload"))

    assert set(events) == set(types)
    assert events["breach.cleared"]["breach"]["id"] == missing.pk
    assert events["breach.cleared"]["breach"]["status"] == BreachStatus.CLEARED
    assert events["breach.closed"]["breach"] == events["dispute.resolved"]["breach"]
    assert events["breach.closed"]["breach"]["status"] == BreachStatus.WAIVED
    assert events["dispute.opened"]["dispute"]["reason"] == "Planned maintenance."
    assert events["dispute.resolved"]["dispute"]["status"] == "upheld"
    assert WebhookDelivery.objects.count() == len(WebhookEvent.objects.all()) > len(types)


@pytest.mark.django_db
def test_a_notice_deadline_coming_up_is_an_event_once(clock, receiver, manager, vendor_a):
    subscribe(manager, receiver.url, ["contract.notice_deadline_approaching"])
    contract = factories.ContractFactory(
        vendor=vendor_a,
        renewal_type=RenewalType.TACIT,
        start_date=date(2025, 4, 1),
        initial_term_end=date(2026, 6, 30),
        notice_period_days=90,
    )

    assert webhooks.webhooks_scan_notice_deadlines(today=date(2026, 3, 10), within_days=30) == 1
    assert webhooks.webhooks_scan_notice_deadlines(today=date(2026, 3, 11), within_days=30) == 0

    event = WebhookEvent.objects.get()
    assert event.event_type == WebhookEventType.NOTICE_DEADLINE
    assert event.payload["contract"]["id"] == contract.pk
    assert event.payload["contract"]["notice_deadline"] == "2026-04-01"
    assert "total_value" not in event.payload["contract"]


@pytest.mark.django_db
def test_the_ping_reaches_the_endpoint(clock, receiver, vendor_a_admin):
    subscription, secret = subscribe(vendor_a_admin, receiver.url)
    client = api(vendor_a_admin)

    response = client.post(f"/api/v1/webhooks/{subscription.pk}/ping/")
    assert response.status_code == 202
    assert response.json()["event_type"] == "ping"
    deliver_due()

    [request] = receiver.requests
    assert json.loads(request["body"])["type"] == "ping"
    assert signature_is_valid(secret, request["headers"]["X-Portal-Signature"], request["body"], now=NOW)
    log = client.get(f"/api/v1/webhooks/{subscription.pk}/deliveries/").json()
    assert [(d["event_type"], d["status"], d["response_code"]) for d in log["results"]] == [
        ("ping", "delivered", 200)
    ]


@pytest.mark.django_db
def test_private_addresses_are_refused_unless_allowed(clock, receiver, vendor_a_admin, settings):
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = False
    subscription, _ = subscribe(vendor_a_admin, receiver.url)
    webhooks.webhook_ping(subscription=subscription, actor=vendor_a_admin)

    [attempt] = deliver_due()

    assert receiver.requests == []
    assert attempt.delivery.response_code is None
    assert "private or reserved address" in attempt.delivery.last_error


@pytest.mark.django_db
def test_redirects_are_not_followed(clock, receiver, vendor_a_admin):
    subscription, _ = subscribe(vendor_a_admin, receiver.url)
    receiver.answers = [302]
    webhooks.webhook_ping(subscription=subscription, actor=vendor_a_admin)

    [attempt] = deliver_due()

    assert len(receiver.requests) == 1
    assert (attempt.delivery.status, attempt.delivery.response_code) == (DeliveryStatus.PENDING, 302)


@pytest.mark.django_db
def test_the_task_queues_the_next_attempt_with_the_backoff(clock, receiver, vendor_a_admin, monkeypatch):
    subscription, _ = subscribe(vendor_a_admin, receiver.url)
    delivery = webhooks.webhook_ping(subscription=subscription, actor=vendor_a_admin)
    queued = []
    monkeypatch.setattr(
        tasks.webhook_deliver, "apply_async", lambda args, countdown: queued.append((args, countdown))
    )
    receiver.answers = [500]

    assert tasks.webhook_deliver.run(delivery.pk) == DeliveryStatus.PENDING
    assert queued == [((delivery.pk,), 30)]
    assert tasks.webhook_deliver.run(delivery.pk) is None  # a duplicate task finds nothing due


@pytest.mark.django_db
def test_emitted_events_queue_their_deliveries_after_commit(
    clock, receiver, manager, vendor_a, django_capture_on_commit_callbacks, monkeypatch
):
    subscribe(manager, receiver.url)
    unreported_service_level(vendor_a)
    run_evaluation(now=NOW)
    sent = []
    monkeypatch.setattr(tasks.webhook_deliver, "delay", sent.append)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        webhooks.webhooks_scan()
        assert sent == []

    assert len(callbacks) == 1
    assert sent == [WebhookDelivery.objects.get().pk]


@pytest.mark.django_db
def test_webhook_emit_records_an_event_once(clock, receiver, manager):
    subscription, _ = subscribe(manager, receiver.url, ["breach.opened"])

    event = webhooks.webhook_emit(
        event_type="breach.opened", payload={"breach": {"id": 1}}, event_id="custom-1"
    )
    again = webhooks.webhook_emit(
        event_type="breach.opened", payload={"breach": {"id": 1}}, event_id="custom-1"
    )

    assert again is None
    assert event.deliveries.get().subscription == subscription


# ---- The subscription API ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_subscriptions_are_personal_and_the_secret_is_shown_once(
    vendor_a_admin, vendor_a_user, vendor_b_user
):
    client = api(vendor_a_admin)
    created = client.post(
        "/api/v1/webhooks/",
        {"url": "https://hooks.acme.test/portal", "event_types": ["breach.opened", "breach.closed"]},
        content_type="application/json",
    )
    assert created.status_code == 201
    body = created.json()
    assert body["secret"].startswith("whsec_")
    pk = body["id"]

    shown = client.get(f"/api/v1/webhooks/{pk}/").json()
    assert "secret" not in shown
    assert shown["event_types"] == ["breach.closed", "breach.opened"]
    assert body["secret"] not in json.dumps(list(AuditEvent.objects.values("changes", "note")))
    # A colleague of the same vendor and another vendor's user both see nothing.
    assert api(vendor_a_user).get(f"/api/v1/webhooks/{pk}/").status_code == 404
    assert (
        api(vendor_b_user)
        .patch(f"/api/v1/webhooks/{pk}/", {"is_active": False}, content_type="application/json")
        .status_code
        == 404
    )
    assert api(vendor_b_user).get("/api/v1/webhooks/").json()["count"] == 0

    changed = client.patch(f"/api/v1/webhooks/{pk}/", {"is_active": False}, content_type="application/json")
    assert changed.status_code == 200 and changed.json()["is_active"] is False
    assert client.delete(f"/api/v1/webhooks/{pk}/").status_code == 204
    assert not WebhookSubscription.objects.exists()
    actions = list(
        AuditEvent.objects.filter(object_type="api.webhooksubscription").values_list("action", flat=True)
    )
    assert sorted(actions) == [
        "api.webhooksubscription.created",
        "api.webhooksubscription.deleted",
        "api.webhooksubscription.updated",
    ]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"url": "ftp://hooks.example.test/", "event_types": ["breach.opened"]}, "url"),
        ({"url": "https://user:pw@hooks.example.test/", "event_types": ["breach.opened"]}, "url"),
        ({"url": "https://hooks.example.test/", "event_types": ["ping"]}, "event_types.0"),
        ({"url": "https://hooks.example.test/", "event_types": []}, "event_types"),
    ],
)
def test_bad_subscriptions_are_refused(vendor_a_admin, data, field):
    response = api(vendor_a_admin).post("/api/v1/webhooks/", data, content_type="application/json")

    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]
    assert not WebhookSubscription.objects.exists()


@pytest.mark.django_db
def test_plain_http_is_refused_in_production_settings(vendor_a_admin, settings):
    settings.WEBHOOK_ALLOW_HTTP = False
    response = api(vendor_a_admin).post(
        "/api/v1/webhooks/",
        {"url": "http://hooks.example.test/", "event_types": ["breach.opened"]},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json()["error"]["fields"]["url"] == ["Give an https URL with a host name."]


@pytest.mark.django_db
def test_a_read_only_token_cannot_subscribe(vendor_a_admin):
    response = api(vendor_a_admin, scope="read").post(
        "/api/v1/webhooks/",
        {"url": "https://h.test/", "event_types": ["breach.opened"]},
        content_type="application/json",
    )
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"


@pytest.mark.django_db
def test_a_deactivated_subscription_stops_receiving(clock, receiver, manager, vendor_a):
    subscription, _ = subscribe(manager, receiver.url)
    unreported_service_level(vendor_a)
    run_evaluation(now=NOW)
    webhooks.webhooks_scan()
    WebhookSubscription.objects.filter(pk=subscription.pk).update(is_active=False)

    [attempt] = deliver_due()

    assert receiver.requests == []
    assert attempt.delivery.status == DeliveryStatus.FAILED
