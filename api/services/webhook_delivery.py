"""Delivering webhook events: the signed POST, one attempt at a time, retried with exponential backoff.

``webhook_delivery_attempt`` claims a due delivery with a conditional update (two workers never send
it at once; one that dies mid-attempt leaves it due again after a lease), posts the signed body and
records the outcome: delivered on a 2xx, else the next attempt at base × 2^(attempts − 1) seconds,
until the last attempt fails for good.
"""

import hashlib
import hmac
import http.client
import ipaddress
import json
import logging
import socket
import ssl
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import F
from django.utils import timezone

from ..models import DeliveryStatus, WebhookDelivery, WebhookEvent, WebhookEventType
from .webhooks import owner_sees, validate_webhook_url

logger = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Portal-Signature"
USER_AGENT = "VendorGovernancePortal-Webhooks/1.0"


def webhook_signature(secret: str, timestamp: int, body: bytes) -> str:
    """``t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<body>">``, verified by receivers with the secret."""
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def webhook_body(event: WebhookEvent) -> bytes:
    envelope = {
        "id": event.event_id,
        "type": event.event_type,
        "occurred_at": event.occurred_at,
        "data": event.payload,
    }
    return json.dumps(envelope, cls=DjangoJSONEncoder, separators=(",", ":"), sort_keys=True).encode()


def backoff_seconds(attempts: int) -> int:
    """Seconds to wait after the ``attempts``-th failed attempt: base, 2 × base, 4 × base … capped."""
    return min(
        settings.WEBHOOK_BACKOFF_SECONDS * 2 ** max(attempts - 1, 0), settings.WEBHOOK_BACKOFF_MAX_SECONDS
    )


class DeliveryRefused(Exception):
    """The endpoint may not be called at all (not an HTTP failure worth retrying)."""


def resolve_checked(host: str, port: int) -> list[tuple]:
    """Resolve ``host`` once and check every address; returns the (family, sockaddr) pairs to connect to.

    The connection goes to these very addresses, so a name that resolves to a public address for the
    check and to a private one a moment later (DNS rebinding) never reaches the private one. A name
    with any private or reserved address is refused outright.
    """
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError as error:
        raise DeliveryRefused(f"Cannot resolve {host}: {error}") from error
    targets = []
    for family, _type, _proto, _name, sockaddr in infos:
        ip = ipaddress.ip_address(str(sockaddr[0]).split("%")[0])
        if not ip.is_global and not settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES:
            raise DeliveryRefused(f"{host} resolves to a private or reserved address ({ip}).")
        if (family, sockaddr) not in targets:
            targets.append((family, sockaddr))
    if not targets:
        raise DeliveryRefused(f"Cannot resolve {host}.")
    return targets


def _pinned_socket(targets: list[tuple], timeout: float) -> socket.socket:
    """A TCP connection to the first checked address that answers (no second lookup)."""
    last_error: OSError | None = None
    for family, sockaddr in targets:
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.settimeout(timeout)
        try:
            sock.connect(sockaddr)
        except OSError as error:
            sock.close()
            last_error = error
            continue
        return sock
    raise last_error or OSError("No address to connect to.")


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """Plain HTTP to a checked address; the Host header still names the host."""

    def __init__(self, host, port, *, targets, timeout):
        super().__init__(host, port, timeout=timeout)
        self._targets = targets

    def connect(self):
        self.sock = _pinned_socket(self._targets, self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """HTTPS to a checked address; SNI, the certificate check and the Host header use the host name."""

    def __init__(self, host, port, *, targets, timeout):
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self._targets = targets

    def connect(self):
        sock = _pinned_socket(self._targets, self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


@dataclass
class Attempt:
    delivery: WebhookDelivery
    retry_in: int | None  # seconds until the next attempt, None when done


def _post(delivery: WebhookDelivery) -> tuple[int | None, str]:
    """POST the signed event to the address checked for it; returns (HTTP status or None, error text).

    Redirects are not followed: any answer, 3xx included, is the endpoint's answer.
    """
    subscription, event = delivery.subscription, delivery.event
    body = webhook_body(event)
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "X-Portal-Event": event.event_type,
        "X-Portal-Event-Id": event.event_id,
        "X-Portal-Delivery": str(delivery.pk),
        SIGNATURE_HEADER: webhook_signature(subscription.secret, int(time.time()), body),
    }
    connection = None
    try:
        parts = urlsplit(validate_webhook_url(subscription.url))
        port = parts.port or (443 if parts.scheme == "https" else 80)
        targets = resolve_checked(parts.hostname, port)
        kind = _PinnedHTTPSConnection if parts.scheme == "https" else _PinnedHTTPConnection
        connection = kind(parts.hostname, port, targets=targets, timeout=settings.WEBHOOK_TIMEOUT_SECONDS)
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        connection.request("POST", target, body=body, headers=headers)
        response = connection.getresponse()
        response.read(64 * 1024)
        if 200 <= response.status < 300:
            return response.status, ""
        return response.status, f"HTTP {response.status} {response.reason}"[:500]
    except (DeliveryRefused, ValidationError, http.client.HTTPException, OSError) as error:
        return None, (str(error) or type(error).__name__)[:500]
    finally:
        if connection is not None:
            connection.close()


def webhook_delivery_attempt(*, delivery_id: int, now: datetime | None = None) -> Attempt | None:
    """Attempt one due delivery. Claiming it is a conditional update, so two workers never send it
    twice at once; a worker that dies mid-attempt leaves it due again after a lease. None when the
    delivery is not due (already delivered, failed, or claimed)."""
    now = now or timezone.now()
    lease = now + timedelta(seconds=settings.WEBHOOK_TIMEOUT_SECONDS + 60)
    claimed = WebhookDelivery.objects.filter(
        pk=delivery_id, status=DeliveryStatus.PENDING, next_attempt_at__lte=now
    ).update(attempts=F("attempts") + 1, last_attempt_at=now, next_attempt_at=lease)
    if claimed != 1:
        return None
    delivery = WebhookDelivery.objects.select_related("subscription__owner", "event").get(pk=delivery_id)
    subscription, event = delivery.subscription, delivery.event
    if event.event_type == WebhookEventType.PING or (
        subscription.is_active and owner_sees(subscription, event.vendor_id)
    ):
        code, error = _post(delivery)
        last = delivery.attempts >= settings.WEBHOOK_MAX_ATTEMPTS
    else:
        code, error, last = (
            None,
            "The subscription is inactive or its owner may no longer see this event.",
            True,
        )
    retry_in = None
    if code is not None and 200 <= code < 300:
        fields = {"status": DeliveryStatus.DELIVERED, "delivered_at": now, "last_error": ""}
    elif last:
        fields = {"status": DeliveryStatus.FAILED, "last_error": error or f"HTTP {code}"}
    else:
        retry_in = backoff_seconds(delivery.attempts)
        fields = {"next_attempt_at": now + timedelta(seconds=retry_in), "last_error": error or f"HTTP {code}"}
    fields["response_code"] = code
    WebhookDelivery.objects.filter(pk=delivery_id).update(**fields)
    delivery.refresh_from_db()
    if delivery.status == DeliveryStatus.FAILED:
        logger.warning("Webhook delivery %s failed for good: %s", delivery_id, delivery.last_error)
    return Attempt(delivery=delivery, retry_in=retry_in)


def webhook_deliveries_due(*, now: datetime | None = None, limit: int = 500) -> list[int]:
    """Deliveries whose next attempt is due: their task was lost, or their retry time has come."""
    now = now or timezone.now()
    return list(
        WebhookDelivery.objects.filter(status=DeliveryStatus.PENDING, next_attempt_at__lte=now)
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
