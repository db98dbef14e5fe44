"""Rate limits on e-mails a visitor can make the portal send (password resets, invitations): per
address and per client, in fixed windows counted in the cache. Over the limit nothing is sent, and the
page answers as it always does, so the limit reveals nothing about which addresses have accounts."""

import hashlib

from axes.helpers import get_client_ip_address
from django.conf import settings
from django.core.cache import cache


def _hit(scope: str, key: str, rate: tuple[int, int]) -> bool:
    limit, window = rate  # settings parse "5/hour" into (5, 3600)
    slot = f"ratelimit:{scope}:{hashlib.sha256(key.encode()).hexdigest()}"
    cache.add(slot, 0, timeout=window)
    try:
        count = cache.incr(slot)
    except ValueError:  # expired between add and incr
        cache.add(slot, 1, timeout=window)
        count = 1
    return count <= limit


def client_of(request) -> str:
    return get_client_ip_address(request) or "unknown"


def email_allowed(*, kind: str, request, address: str) -> bool:
    """Count one e-mail of ``kind`` to ``address`` asked for by this client; False when over a limit."""
    per_address = _hit(f"{kind}:address", address.strip().lower(), settings.EMAIL_RATE_PER_ADDRESS)
    per_client = _hit(f"{kind}:client", client_of(request), settings.EMAIL_RATE_PER_CLIENT)
    return per_address and per_client
