"""Personal API tokens: issued once in plaintext, stored as a SHA-256 hash, revocable, expiring."""

import hashlib
import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from accounts import policy
from accounts.audit import audit_record, audited_create

from ..models import ApiToken, TokenScope

TOKEN_PREFIX = "vgp_"  # noqa: S105 (a marker, not a secret)
DEFAULT_DAYS = 90
# last_used_at is a hint for the owner, so it is written at most once a minute per token.
TOUCH_EVERY = timedelta(minutes=1)


def token_hash(plaintext: str) -> str:
    return hashlib.sha256(plaintext.encode()).hexdigest()


@transaction.atomic
def api_token_create(
    *,
    user,
    name: str,
    scope: str = TokenScope.READ,
    days: int | None = None,
    actor=None,
    now: datetime | None = None,
) -> tuple[ApiToken, str]:
    """Issue a token for ``user``; returns the row and the plaintext, which is never stored or shown again."""
    now = now or timezone.now()
    actor = actor or user
    if actor.pk != user.pk and not policy.role_allows(actor, policy.Action.MANAGE_USERS):
        raise PermissionDenied("You may issue tokens only for yourself.")
    if not user.is_active:
        raise ValidationError("Tokens are issued only to active users.")
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": "Name the token after the system that will use it."})
    if scope not in TokenScope.values:
        raise ValidationError({"scope": "Choose read or write."})
    days = DEFAULT_DAYS if days is None else days
    if not 1 <= days <= settings.API_TOKEN_MAX_DAYS:
        raise ValidationError({"days": f"A token lasts from 1 to {settings.API_TOKEN_MAX_DAYS} days."})
    if ApiToken.objects.filter(user=user, name=name, revoked_at__isnull=True).exists():
        raise ValidationError({"name": "You already have a token with this name; revoke it or pick another."})
    plaintext = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = audited_create(
        model=ApiToken,
        actor=actor,
        user=user,
        name=name,
        scope=scope,
        created_at=now,
        expires_at=now + timedelta(days=days),
        prefix=plaintext[:12],
        token_hash=token_hash(plaintext),
    )
    return token, plaintext


@transaction.atomic
def api_token_revoke(*, token: ApiToken, actor, now: datetime | None = None) -> ApiToken:
    """Revoke a token at once; revoking twice changes nothing."""
    now = now or timezone.now()
    if actor.pk != token.user_id and not policy.role_allows(actor, policy.Action.MANAGE_USERS):
        raise PermissionDenied("You may revoke only your own tokens.")
    if ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=now) == 1:
        token.revoked_at = now
        audit_record(
            actor=actor,
            action="api.apitoken.revoked",
            obj=token,
            changes={"revoked_at": [None, now.isoformat()]},
        )
    else:
        token.refresh_from_db(fields=["revoked_at"])
    return token


@transaction.atomic
def api_tokens_revoke_for_user(*, user_id: int, before: datetime) -> int:
    """Revoke every live token of a deactivated user issued up to ``before``; returns how many."""
    tokens = list(
        ApiToken.objects.select_for_update().filter(
            user_id=user_id, revoked_at__isnull=True, created_at__lte=before
        )
    )
    for token in tokens:
        token.revoked_at = before
        token.save(update_fields=["revoked_at"])
        audit_record(
            actor=None,
            action="api.apitoken.revoked",
            obj=token,
            changes={"revoked_at": [None, before.isoformat()]},
            note="the user was deactivated",
        )
    return len(tokens)


def api_token_authenticate(plaintext: str, *, now: datetime | None = None) -> ApiToken | None:
    """The usable token with this plaintext (its user active), or None; notes when it was last used."""
    now = now or timezone.now()
    if not plaintext.startswith(TOKEN_PREFIX) or len(plaintext) > 200:
        return None
    token = ApiToken.objects.select_related("user").filter(token_hash=token_hash(plaintext)).first()
    if token is None or not token.is_usable(now) or not token.user.is_active:
        return None
    deactivated_at = token.user.deactivated_at
    if deactivated_at is not None and token.created_at <= deactivated_at:
        # Issued before the user was last deactivated: a reactivation never revives it.
        return None
    if token.last_used_at is None or token.last_used_at < now - TOUCH_EVERY:
        ApiToken.objects.filter(pk=token.pk).filter(
            Q(last_used_at__isnull=True) | Q(last_used_at__lt=now - TOUCH_EVERY)
        ).update(last_used_at=now)
    return token
