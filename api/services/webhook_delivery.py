"""Delivering webhook events: the signed POST, one attempt at a time, retried with exponential backoff.

``webhook_delivery_attempt`` claims a due delivery with a conditional update (two workers never send
it at once; one that dies mid-attempt leaves it due again after a lease), posts the signed body and
records the outcome: delivered on a 2xx, else the next attempt at base × 2^(attempts − 1) seconds,
until the last attempt fails for good.
"""

import hashlib
import hmac
import ipaddress
import json
import logging
import socket
import time
import urllib.error
import urllib.request
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


def _check_address(url: str) -> None:
    if settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES:
        return
    host = urlsplit(url).hostname or ""
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(host, None)}
    except OSError as error:
        raise DeliveryRefused(f"Cannot resolve {host}: {error}") from error
    for address in addresses:
        ip = ipaddress.ip_address(address.split("%")[0])
        if not ip.is_global:
            raise DeliveryRefused(f"{host} resolves to a private or reserved address ({ip}).")


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


_opener = urllib.request.build_opener(_NoRedirects)


@dataclass
class Attempt:
    delivery: WebhookDelivery
    retry_in: int | None  # seconds until the next attempt, None when done


def _post(delivery: WebhookDelivery) -> tuple[int | None, str]:
    """POST the signed event; returns (HTTP status or None, error text)."""
    subscription, event = delivery.subscription, delivery.event
    body = webhook_body(event)
    request = urllib.request.Request(  # noqa: S310 (the scheme is checked: http or https only)
        validate_webhook_url(subscription.url),
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            "X-Portal-Event": event.event_type,
            "X-Portal-Event-Id": event.event_id,
            "X-Portal-Delivery": str(delivery.pk),
            SIGNATURE_HEADER: webhook_signature(subscription.secret, int(time.time()), body),
        },
    )
    try:
        _check_address(subscription.url)
        with _opener.open(request, timeout=settings.WEBHOOK_TIMEOUT_SECONDS) as response:  # noqa: S310
            return response.status, ""
    except urllib.error.HTTPError as error:
        return error.code, f"HTTP {error.code} {error.reason}"[:500]
    except (DeliveryRefused, ValidationError, urllib.error.URLError, OSError) as error:
        return None, str(getattr(error, "reason", None) or error)[:500]


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
