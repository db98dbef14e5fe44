"""Writes to the accounts of a vendor's organisation: invitations, accepting them, deactivation.

Vendor administrators manage only their own vendor's people; every change is audited.
"""

import hashlib
import secrets
from datetime import datetime, timedelta
from functools import partial

from django.conf import settings
from django.contrib.auth import SESSION_KEY, password_validation
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.module_loading import import_string

from . import policy
from .audit import audit_record, audited_update
from .models import VENDOR_ROLES, Invitation, Role, User
from .queue import enqueue_on_commit

INVITATION_VALID_FOR = timedelta(days=7)
SESSION_BATCH_SIZE = 500


def invitation_token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _require_manage_users(actor, obj) -> None:
    if not policy.can(actor, policy.Action.MANAGE_USERS, obj):
        raise PermissionDenied("You may not manage the users of this organisation.")


def _pending(queryset, now: datetime):
    return queryset.filter(accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=now)


@transaction.atomic
def invitation_create(
    *, vendor, actor, email: str, role: str, base_url: str, now: datetime | None = None
) -> tuple[Invitation, str]:
    """Invite ``email`` to join ``vendor`` with a vendor role; the e-mail goes out once committed.

    Returns the invitation and the token, which exists only in the e-mail's link (the row
    keeps its SHA-256). A pending invitation for the same address is replaced by the new one.
    An address that already has an account is answered exactly like any other (the inviter learns
    nothing about who has an account); its holder is told by e-mail instead, without a link.
    """
    now = now or timezone.now()
    # The client's managers onboard a vendor, so they may invite its administrators (who then invite
    # the rest of their organisation themselves).
    onboards = role == Role.VENDOR_ADMIN and getattr(actor, "is_internal", False)
    if not (onboards and policy.can(actor, policy.Action.CHANGE, vendor)):
        _require_manage_users(actor, Invitation(vendor=vendor))
    email = User.objects.normalize_email(email).strip().lower()
    if role not in VENDOR_ROLES:
        raise ValidationError({"role": "Invitations are for vendor roles only."})
    for previous in Invitation.objects.select_for_update().filter(
        vendor=vendor, email=email, accepted_at__isnull=True, revoked_at__isnull=True
    ):
        _revoke(previous, actor=actor, now=now, note="replaced by a new invitation")

    token = secrets.token_urlsafe(32)
    invitation = Invitation(
        vendor=vendor,
        email=email,
        role=role,
        token_hash=invitation_token_hash(token),
        invited_by=actor,
        created_at=now,
        expires_at=now + INVITATION_VALID_FOR,
    )
    invitation.full_clean()
    try:
        with transaction.atomic():
            invitation.save()
    except IntegrityError:
        raise ValidationError({"email": "This address has just been invited; try again."}) from None
    audit_record(
        actor=actor,
        action="accounts.invitation.created",
        obj=invitation,
        changes={
            "email": [None, email],
            "role": [None, role],
            "expires_at": [None, _iso(invitation.expires_at)],
        },
    )
    link = base_url.rstrip("/") + reverse("accounts:invitation_accept", kwargs={"token": token})
    transaction.on_commit(
        partial(_send_invitation, invitation_id=invitation.pk, link=link, base_url=base_url)
    )
    return invitation, token


def _iso(moment: datetime) -> str:
    return moment.isoformat()


def _send_invitation(*, invitation_id: int, link: str, base_url: str) -> None:
    invitation = Invitation.objects.select_related("vendor", "invited_by").get(pk=invitation_id)
    # An address with an account gets a notice instead of the link (which could never be used).
    has_account = User.objects.filter(email__iexact=invitation.email).exists()
    template = "accounts/emails/invitation-existing" if has_account else "accounts/emails/invitation"
    context = {
        "invitation": invitation,
        "vendor_name": invitation.vendor.name,
        "inviter": invitation.invited_by,
        "role": invitation.get_role_display(),
        "link": link,
        "expires_at": invitation.expires_at,
        "portal_name": settings.PORTAL_NAME,
        "sign_in_link": base_url.rstrip("/") + reverse("accounts:login"),
        "reset_link": base_url.rstrip("/") + reverse("accounts:password_reset"),
    }
    subject = render_to_string(f"{template}-subject.txt", context)
    message = EmailMultiAlternatives(
        subject=" ".join(subject.split()),
        body=render_to_string(f"{template}-body.txt", context),
        to=[invitation.email],
    )
    message.attach_alternative(render_to_string(f"{template}-body.html", context), "text/html")
    message.send()


def _revoke(invitation: Invitation, *, actor, now: datetime, note: str = "") -> None:
    invitation.revoked_at = now
    invitation.save(update_fields=["revoked_at"])
    audit_record(
        actor=actor,
        action="accounts.invitation.revoked",
        obj=invitation,
        changes={"revoked_at": [None, _iso(now)]},
        note=note,
    )


@transaction.atomic
def invitation_revoke(*, invitation: Invitation, actor, now: datetime | None = None) -> Invitation:
    """Withdraw an invitation that has not been accepted; its link stops working at once."""
    now = now or timezone.now()
    _require_manage_users(actor, invitation)
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.accepted_at is not None:
        raise ValidationError("This invitation has been accepted already.")
    if invitation.revoked_at is None:
        _revoke(invitation, actor=actor, now=now)
    return invitation


class InvitationUnusable(Exception):
    """The token matches no usable invitation; ``reason`` says why, in words for the invitee.

    ``known`` is False when no invitation has this token at all.
    """

    def __init__(self, reason: str, *, known: bool = True):
        super().__init__(reason)
        self.reason = reason
        self.known = known


def invitation_for_token(token: str, *, now: datetime | None = None) -> Invitation:
    """The pending invitation a link's token stands for, or ``InvitationUnusable`` saying why not."""
    now = now or timezone.now()
    invitation = (
        Invitation.objects.select_related("vendor").filter(token_hash=invitation_token_hash(token)).first()
    )
    if invitation is None:
        raise InvitationUnusable(
            "This invitation link is not valid. Check that you copied all of it.", known=False
        )
    if invitation.accepted_at is not None:
        raise InvitationUnusable("This invitation has been used already. Sign in with your account instead.")
    if invitation.revoked_at is not None:
        raise InvitationUnusable("This invitation has been withdrawn.")
    if invitation.expires_at <= now:
        raise InvitationUnusable("This invitation has expired.")
    return invitation


@transaction.atomic
def invitation_accept(*, token: str, full_name: str, password: str, now: datetime | None = None) -> User:
    """Create the invitee's account from a pending invitation; the invitation is used up.

    The claim is a conditional update that must change exactly one row, so the same link
    opened twice at once makes one account, not two.
    """
    now = now or timezone.now()
    invitation = invitation_for_token(token, now=now)
    full_name = " ".join(full_name.split())
    if not full_name:
        raise ValidationError({"full_name": "Tell us your name."})
    user = User(email=invitation.email, full_name=full_name, role=invitation.role, vendor=invitation.vendor)
    try:
        password_validation.validate_password(password, user)
    except ValidationError as exc:
        raise ValidationError({"password": exc.messages}) from None
    claimed = _pending(Invitation.objects.filter(pk=invitation.pk), now).update(accepted_at=now)
    if claimed != 1:
        raise InvitationUnusable("This invitation has been used already. Sign in with your account instead.")
    if User.objects.filter(email__iexact=invitation.email).exists():
        raise InvitationUnusable("An account with this address exists already. Sign in instead.")
    user.set_password(password)
    user.full_clean(exclude=["password"])
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError:
        raise InvitationUnusable("An account with this address exists already. Sign in instead.") from None
    Invitation.objects.filter(pk=invitation.pk).update(user=user)
    invitation.accepted_at, invitation.user = now, user
    audit_record(
        actor=user,
        action="accounts.user.created",
        obj=user,
        changes={
            "email": [None, user.email],
            "full_name": [None, user.full_name],
            "role": [None, user.role],
            "vendor": [None, user.vendor_id],
        },
        note=f"accepted invitation {invitation.pk}",
    )
    audit_record(
        actor=user,
        action="accounts.invitation.accepted",
        obj=invitation,
        changes={"accepted_at": [None, _iso(now)]},
    )
    return user


@transaction.atomic
def user_deactivate(*, user: User, actor, now: datetime | None = None) -> User:
    """Switch a user off: they cannot sign in, every session they hold ends now, and their API tokens
    are revoked (a later reactivation never revives them).

    Who deactivated is recorded: a deactivation by the client's staff is final for the vendor's
    administrators.
    """
    now = now or timezone.now()
    _require_manage_users(actor, user)
    if user.pk == actor.pk:
        raise ValidationError("You cannot deactivate your own account.")
    user = User.objects.select_for_update(of=("self",)).select_related("deactivated_by").get(pk=user.pk)
    if not user.is_active:
        if policy.sees_internal(actor) and not deactivated_by_client(user):
            # The client makes its vendor's own deactivation final.
            audited_update(instance=user, actor=actor, data={"deactivated_by": actor})
        return user
    audited_update(
        instance=user, actor=actor, data={"is_active": False, "deactivated_at": now, "deactivated_by": actor}
    )
    user_sessions_end(user=user, now=now)
    # The tokens live in the API app above this one: its authentication refuses every token created
    # before ``deactivated_at`` at once, and this task marks them revoked on the tokens page.
    enqueue_on_commit("api.tasks.api_tokens_revoke_for_user", user.pk, now.isoformat())
    return user


def deactivated_by_client(user: User) -> bool:
    """Was the user's last deactivation the client's (an internal user's, or unknown) decision?"""
    deciding = user.deactivated_by
    return deciding is None or deciding.vendor_id != user.vendor_id


@transaction.atomic
def user_reactivate(*, user: User, actor) -> User:
    """Let a deactivated user sign in again (with the password they had, but none of their old API
    tokens). A vendor administrator reactivates only people their own organisation deactivated."""
    _require_manage_users(actor, user)
    user = User.objects.select_for_update(of=("self",)).select_related("deactivated_by").get(pk=user.pk)
    if user.is_active:
        return user
    if not policy.sees_internal(actor) and deactivated_by_client(user):
        raise PermissionDenied(
            "This account was deactivated by the client; only the client can reactivate it."
        )
    audited_update(instance=user, actor=actor, data={"is_active": True})
    return user


def user_sessions_end(*, user: User, now: datetime | None = None) -> int:
    """Delete every unexpired session signed in as ``user``; returns how many.

    Database sessions cannot be filtered by user, so the unexpired ones are decoded in
    batches. Deactivation does not depend on this alone: the authentication backend
    refuses inactive users on their next request anyway.
    """
    now = now or timezone.now()
    store = import_string(f"{settings.SESSION_ENGINE}.SessionStore")
    session_model = store.get_model_class()
    decoder = store()
    user_id = str(user.pk)
    ended = []
    sessions = session_model.objects.filter(expire_date__gt=now).values_list("session_key", "session_data")
    for session_key, session_data in sessions.iterator(chunk_size=SESSION_BATCH_SIZE):
        if str(decoder.decode(session_data).get(SESSION_KEY)) == user_id:
            ended.append(session_key)
    for session_key in ended:
        # Through the store, so a cached_db backend forgets the session too.
        decoder.delete(session_key)
    return len(ended)
