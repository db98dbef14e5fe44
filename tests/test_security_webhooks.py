"""Webhook deliveries against DNS rebinding, and who may point the portal at an endpoint.

The resolver is replaced (``socket.getaddrinfo``) to play the rebinding attacker: a public address
for the first lookup, the receiver's private address for every later one. The delivery resolves once,
checks every address and connects to the address it checked, so the private receiver is never reached.
"""

import itertools
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.cache import cache
from django.test import Client

from api.models import WebhookSubscription
from api.services import webhook_delivery, webhooks
from api.services.tokens import api_token_create

# A global address that nothing in the test answers on (TEST-NET ranges are not global).
PUBLIC = "1.1.1.1"
HOST = "hooks.rebind.test"

_names = itertools.count()


@pytest.fixture
def private_receiver():
    received = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            received.append(self.headers["Host"])
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1], received
    server.shutdown()
    server.server_close()


@pytest.fixture(autouse=True)
def _production_like(settings):
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = False
    settings.WEBHOOK_ALLOW_HTTP = True
    settings.WEBHOOK_TIMEOUT_SECONDS = 1
    settings.API_THROTTLE_RATE = "100000/minute"
    cache.clear()


def resolver(answers):
    """A getaddrinfo that answers ``HOST`` with the next list of addresses (the last one repeats)."""
    real = socket.getaddrinfo
    lookups = []

    def getaddrinfo(host, port, *args, **kwargs):
        if host != HOST:
            return real(host, port, *args, **kwargs)
        addresses = answers[min(len(lookups), len(answers) - 1)]
        lookups.append(addresses)
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port or 0)) for address in addresses]

    return getaddrinfo, lookups


def ping(owner, port):
    subscription, _ = webhooks.webhook_subscription_create(
        owner=owner, url=f"http://{HOST}:{port}/hook", event_types=["breach.opened"]
    )
    delivery = webhooks.webhook_ping(subscription=subscription, actor=owner)
    return webhook_delivery.webhook_delivery_attempt(delivery_id=delivery.pk)


@pytest.mark.django_db
def test_a_rebinding_name_never_reaches_the_private_address(private_receiver, vendor_a_admin, monkeypatch):
    port, received = private_receiver
    getaddrinfo, lookups = resolver([[PUBLIC], ["127.0.0.1"]])
    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)

    attempt = ping(vendor_a_admin, port)

    assert received == []
    assert attempt.delivery.response_code is None
    # One lookup, answered with the public address; nothing asked again before connecting.
    assert lookups == [[PUBLIC]]


@pytest.mark.django_db
@pytest.mark.parametrize("addresses", [["127.0.0.1"], [PUBLIC, "127.0.0.1"], ["10.0.0.5", PUBLIC]])
def test_a_name_with_any_private_address_is_refused(private_receiver, vendor_a_admin, monkeypatch, addresses):
    port, received = private_receiver
    getaddrinfo, _ = resolver([addresses])
    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)

    attempt = ping(vendor_a_admin, port)

    assert received == []
    assert "private or reserved address" in attempt.delivery.last_error


@pytest.mark.django_db
def test_the_pinned_connection_keeps_the_host_name(private_receiver, vendor_a_admin, monkeypatch, settings):
    """Where private addresses are allowed (development), the checked address is still the one used,
    and the request names the host, not the address."""
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = True
    port, received = private_receiver
    getaddrinfo, lookups = resolver([["127.0.0.1"], [PUBLIC]])
    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)

    attempt = ping(vendor_a_admin, port)

    assert attempt.delivery.response_code == 200
    assert received == [f"{HOST}:{port}"]
    assert len(lookups) == 1


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["vendor_a_user", "viewer", "auditor"])
def test_only_managers_and_vendor_administrators_subscribe(request, who):
    user = request.getfixturevalue(who)
    _, token = api_token_create(user=user, name=f"hooks {next(_names)}", scope="write")
    response = Client(HTTP_AUTHORIZATION=f"Bearer {token}").post(
        "/api/v1/webhooks/",
        {"url": "https://hooks.example.test/", "event_types": ["breach.opened"]},
        content_type="application/json",
    )

    assert response.status_code == 403
    assert not WebhookSubscription.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["manager", "vendor_a_admin"])
def test_managers_and_vendor_administrators_subscribe(request, who):
    user = request.getfixturevalue(who)
    _, token = api_token_create(user=user, name=f"hooks {next(_names)}", scope="write")
    response = Client(HTTP_AUTHORIZATION=f"Bearer {token}").post(
        "/api/v1/webhooks/",
        {"url": "https://hooks.example.test/", "event_types": ["breach.opened"]},
        content_type="application/json",
    )

    assert response.status_code == 201
    assert WebhookSubscription.objects.get().owner == user
