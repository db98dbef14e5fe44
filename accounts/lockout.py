"""Login lockout that an attacker cannot turn against a user: trusted-device cookies.

django-axes counts failed sign-ins by account and by client address *separately*, each with a
cool-down (no CAPTCHA): guessing one account from many addresses, or many accounts from one address,
both stop. On its own that would let anyone lock a person out, from anywhere or from behind the same
shared proxy, by failing on purpose. So a browser that has signed in to an account before carries a
signed cookie naming that account; axes never locks it out of that account (``AXES_WHITELIST_CALLABLE``).
The cookie's own failures are counted, and after ``AXES_FAILURE_LIMIT`` of them it is trusted no longer.
"""

import hashlib
import secrets

from django.conf import settings
from django.core import signing
from django.core.cache import cache

from .models import User

DEVICE_COOKIE = "portal_device"
_SALT = "accounts.lockout.device"


def _max_age() -> int:
    return settings.LOGIN_DEVICE_COOKIE_DAYS * 24 * 60 * 60


def _failures_key(cookie: str) -> str:
    return "lockout:device:" + hashlib.sha256(cookie.encode()).hexdigest()


def device_cookie_for(user: User) -> str:
    # The nonce makes every cookie its own, so its failures are counted for it alone.
    return signing.dumps({"user": user.pk, "nonce": secrets.token_hex(8)}, salt=_SALT, compress=True)


def _device_user_id(cookie: str | None) -> int | None:
    if not cookie:
        return None
    try:
        return signing.loads(cookie, salt=_SALT, max_age=_max_age()).get("user")
    except (signing.BadSignature, AttributeError):
        return None


def _username(request, credentials) -> str:
    name = (credentials or {}).get("username") or (credentials or {}).get("email")
    if not name and request is not None and request.method == "POST":
        name = request.POST.get(settings.AXES_USERNAME_FORM_FIELD, "")
    return (name or "").strip().lower()


def is_trusted_device(request, credentials=None) -> bool:
    """Axes' whitelist: this browser signed in to the account it now tries, and has not failed too often."""
    cookie = request.COOKIES.get(DEVICE_COOKIE) if request is not None else None
    user_id = _device_user_id(cookie)
    username = _username(request, credentials)
    if user_id is None or not username:
        return False
    if (cache.get(_failures_key(cookie)) or 0) >= settings.AXES_FAILURE_LIMIT:
        return False
    return User.objects.filter(pk=user_id, email__iexact=username, is_active=True).exists()


def device_failed(request) -> None:
    """Count a failed sign-in from a trusted browser against its cookie."""
    cookie = request.COOKIES.get(DEVICE_COOKIE)
    if _device_user_id(cookie) is None:
        return
    key = _failures_key(cookie)
    cache.add(key, 0, timeout=int(settings.AXES_COOLOFF_TIME.total_seconds()))
    cache.incr(key)


def remember_device(response, user: User) -> None:
    response.set_cookie(
        DEVICE_COOKIE,
        device_cookie_for(user),
        max_age=_max_age(),
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )
