"""Vendor administration: invitations by e-mail (expiring, single use), accepting them, deactivation
that ends sessions at once, and a vendor administrator confined to its own organisation."""

import hashlib
import re
from datetime import timedelta

import pytest
from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.models import Session
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts import services
from accounts.models import AuditEvent, Invitation, Role, User
from tests import factories
from tests.factories import TEST_PASSWORD

pytestmark = pytest.mark.django_db

BASE_URL = "https://portal.example.test/"
NEW_PASSWORD = "Correct-horse-battery-42"
TEAM = reverse("vendor_portal:team")


def invite(actor, email="new.person@acme.test", role=Role.VENDOR_USER, vendor=None, **kwargs):
    return services.invitation_create(
        vendor=vendor or actor.vendor, actor=actor, email=email, role=role, base_url=BASE_URL, **kwargs
    )


def accept_url(token):
    return reverse("accounts:invitation_accept", kwargs={"token": token})


def accept(client, token, *, name="Nora New", password=NEW_PASSWORD, again=None):
    return client.post(
        accept_url(token),
        {"full_name": name, "password": password, "password_confirm": again or password},
    )


def token_in(message) -> str:
    match = re.search(r"/accounts/invitation/([A-Za-z0-9_-]+)/", message.body)
    assert match, message.body
    return match.group(1)


def logged_in(user) -> Client:
    client = Client()
    client.post(reverse("accounts:login"), {"username": user.email, "password": TEST_PASSWORD})
    assert client.session[SESSION_KEY] == str(user.pk)
    return client


# --- Inviting --------------------------------------------------------------------------------------


def test_invitation_stores_only_a_hash_and_mails_the_link_once_committed(
    vendor_a_admin, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        invitation, token = invite(vendor_a_admin, email="New.Person@Acme.test")
        assert mailoutbox == []  # nothing leaves before the transaction commits

    assert len(callbacks) == 1
    assert invitation.email == "new.person@acme.test"
    assert invitation.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in str(Invitation.objects.filter(pk=invitation.pk).values().get())
    assert len(token) >= 40
    assert abs(invitation.expires_at - (timezone.now() + timedelta(days=7))) < timedelta(minutes=1)

    [message] = mailoutbox
    assert message.to == ["new.person@acme.test"]
    assert message.subject == "Arthur Acme invited you to Acme Test on Vendor Governance Portal"
    link = f"https://portal.example.test/accounts/invitation/{token}/"
    assert link in message.body and "Acme Test" in message.body and "vendor user" in message.body
    [(html, mimetype)] = message.alternatives
    assert mimetype == "text/html"
    assert f'href="{link}"' in html and "<strong>Acme Test</strong>" in html
    assert token_in(message) == token


def test_invitation_is_audited_without_its_token(vendor_a_admin, vendor_a):
    invitation, token = invite(vendor_a_admin)

    event = AuditEvent.objects.get(action="accounts.invitation.created")
    assert event.actor == vendor_a_admin and event.vendor_id == vendor_a.pk
    assert event.object_id == str(invitation.pk)
    assert event.changes["email"] == [None, "new.person@acme.test"]
    assert token not in str(event.changes) and invitation.token_hash not in str(event.changes)


def test_team_page_sends_an_invitation(
    client_for, vendor_a_admin, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(vendor_a_admin).post(
            TEAM, {"email": "colleague@acme.test", "role": Role.VENDOR_ADMIN}, follow=True
        )

    assert response.redirect_chain == [(TEAM, 302)]
    assert "Invitation sent to colleague@acme.test" in response.content.decode()
    invitation = Invitation.objects.get(email="colleague@acme.test")
    assert (invitation.vendor, invitation.role, invitation.invited_by) == (
        vendor_a_admin.vendor,
        Role.VENDOR_ADMIN,
        vendor_a_admin,
    )
    assert "colleague@acme.test" in response.content.decode()  # listed as waiting
    [message] = mailoutbox
    assert message.body.count("http://testserver/accounts/invitation/") == 1


def test_inviting_again_replaces_the_pending_invitation(vendor_a_admin):
    first, first_token = invite(vendor_a_admin)
    second, second_token = invite(vendor_a_admin)

    first.refresh_from_db()
    assert first.revoked_at is not None and second.revoked_at is None
    with pytest.raises(services.InvitationUnusable, match="withdrawn"):
        services.invitation_for_token(first_token)
    assert services.invitation_for_token(second_token) == second


@pytest.mark.parametrize("role", [Role.MANAGER, Role.ADMIN, Role.VIEWER, Role.AUDITOR, "superuser"])
def test_a_vendor_admin_cannot_invite_to_an_internal_role(client_for, vendor_a_admin, role):
    response = client_for(vendor_a_admin).post(TEAM, {"email": "x@acme.test", "role": role})

    assert response.status_code == 200
    assert "role" in response.context["form"].errors
    assert not Invitation.objects.exists()
    with pytest.raises(ValidationError):
        invite(vendor_a_admin, role=role)


def test_a_vendor_admin_cannot_invite_to_another_vendor(client_for, vendor_a_admin, vendor_b):
    with pytest.raises(PermissionDenied):
        invite(vendor_a_admin, vendor=vendor_b)

    # A vendor smuggled into the form is ignored: the invitation is for the admin's own vendor.
    client_for(vendor_a_admin).post(
        TEAM, {"email": "x@acme.test", "role": "vendor_user", "vendor": vendor_b.pk}
    )
    assert Invitation.objects.get().vendor == vendor_a_admin.vendor
    assert not Invitation.objects.filter(vendor=vendor_b).exists()


def test_an_address_with_an_account_is_answered_like_any_other(
    client_for, vendor_a_admin, vendor_b_user, mailoutbox, django_capture_on_commit_callbacks
):
    """The inviter cannot tell whether the address has an account; its holder is told by e-mail."""
    client = client_for(vendor_a_admin)
    with django_capture_on_commit_callbacks(execute=True):
        existing = client.post(
            TEAM, {"email": vendor_b_user.email.upper(), "role": "vendor_user"}, follow=True
        )
    with django_capture_on_commit_callbacks(execute=True):
        fresh = client.post(TEAM, {"email": "nobody.yet@acme.test", "role": "vendor_user"}, follow=True)

    assert existing.status_code == fresh.status_code == 200
    assert f"Invitation sent to {vendor_b_user.email}" in existing.content.decode()
    assert "already has an account" not in existing.content.decode()
    assert "Globex" not in existing.content.decode()
    assert Invitation.objects.filter(email=vendor_b_user.email).exists()
    notice, invitation = mailoutbox
    assert notice.to == [vendor_b_user.email]
    assert "already has an account" in notice.body
    assert "/accounts/invitation/" not in notice.body
    assert "/accounts/invitation/" in invitation.body


def test_a_vendor_user_is_refused_the_team_page(client_for, vendor_a_user, vendor_a_admin):
    client = client_for(vendor_a_user)

    assert client.get(TEAM).status_code == 403
    assert client.post(TEAM, {"email": "x@acme.test", "role": "vendor_user"}).status_code == 403
    deactivate = reverse("vendor_portal:user_deactivate", args=[vendor_a_admin.pk])
    assert client.post(deactivate).status_code == 403
    assert not Invitation.objects.exists()
    vendor_a_admin.refresh_from_db()
    assert vendor_a_admin.is_active
    with pytest.raises(PermissionDenied):
        invite(vendor_a_user)


def test_internal_staff_are_sent_to_the_portfolio(client_for, manager):
    response = client_for(manager).get(TEAM)
    assert response.status_code == 302 and response.url == reverse("portal:home")


def test_team_page_lists_only_the_own_vendors_people(
    client_for, vendor_a_admin, vendor_a_user, vendor_b_user
):
    invite(vendor_a_admin, email="pending@acme.test")
    services.invitation_create(
        vendor=vendor_b_user.vendor,
        actor=factories.InternalUserFactory(role=Role.ADMIN),
        email="pending@globex.test",
        role=Role.VENDOR_USER,
        base_url=BASE_URL,
    )

    page = client_for(vendor_a_admin).get(TEAM).content.decode()

    assert vendor_a_user.email in page and vendor_a_admin.email in page and "pending@acme.test" in page
    assert vendor_b_user.email not in page and "globex" not in page.lower()


def test_team_page_query_count_does_not_grow_with_the_team(client_for, vendor_a_admin, vendor_a):
    client = client_for(vendor_a_admin)

    def queries():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(TEAM).status_code == 200
        return len(ctx.captured_queries)

    factories.VendorUserFactory(vendor=vendor_a)
    invite(vendor_a_admin, email="one@acme.test")
    few = queries()
    factories.VendorUserFactory.create_batch(8, vendor=vendor_a)
    for n in range(8):
        invite(vendor_a_admin, email=f"more{n}@acme.test")
    assert queries() == few


# --- Accepting --------------------------------------------------------------------------------------


def test_accepting_creates_the_account_and_signs_in(client, vendor_a_admin, vendor_a):
    invitation, token = invite(vendor_a_admin, role=Role.VENDOR_ADMIN)

    page = client.get(accept_url(token))
    assert page.status_code == 200 and "Join Acme Test" in page.content.decode()

    response = accept(client, token)

    assert response.status_code == 302
    user = User.objects.get(email="new.person@acme.test")
    assert (user.full_name, user.vendor, user.role, user.is_active) == (
        "Nora New",
        vendor_a,
        Role.VENDOR_ADMIN,
        True,
    )
    assert user.check_password(NEW_PASSWORD)
    assert client.session[SESSION_KEY] == str(user.pk)
    invitation.refresh_from_db()
    assert invitation.accepted_at is not None and invitation.user == user
    actions = set(AuditEvent.objects.filter(object_type="accounts.user").values_list("action", flat=True))
    assert actions == {"accounts.user.created"}
    created = AuditEvent.objects.get(action="accounts.user.created")
    assert "password" not in created.changes and created.actor == user
    assert AuditEvent.objects.filter(
        action="accounts.invitation.accepted", object_id=str(invitation.pk)
    ).exists()


def test_a_used_invitation_cannot_be_used_again(client, vendor_a_admin):
    _invitation, token = invite(vendor_a_admin)
    accept(client, token)

    other = Client()
    for response in (
        other.get(accept_url(token)),
        accept(other, token, name="Mallory", password="An0ther-Passphrase!"),
    ):
        assert response.status_code == 410
        assert "has been used already" in response.content.decode()
    assert User.objects.filter(email="new.person@acme.test").count() == 1
    assert User.objects.get(email="new.person@acme.test").full_name == "Nora New"


def test_an_expired_invitation_says_so(client, vendor_a_admin):
    _invitation, token = invite(vendor_a_admin, now=timezone.now() - timedelta(days=7, seconds=1))

    response = accept(client, token)

    assert response.status_code == 410
    assert "This invitation has expired." in response.content.decode()
    assert not User.objects.filter(email="new.person@acme.test").exists()


def test_a_revoked_invitation_says_so(client, client_for, vendor_a_admin):
    invitation, token = invite(vendor_a_admin)

    response = client_for(vendor_a_admin).post(
        reverse("vendor_portal:invitation_revoke", args=[invitation.pk])
    )

    assert response.status_code == 302
    invitation.refresh_from_db()
    assert invitation.revoked_at is not None
    assert AuditEvent.objects.filter(action="accounts.invitation.revoked", actor=vendor_a_admin).exists()
    page = client.get(accept_url(token))
    assert page.status_code == 410 and "withdrawn" in page.content.decode()
    assert accept(client, token).status_code == 410
    assert not User.objects.filter(email=invitation.email).exists()


def test_an_unknown_token_is_a_clear_404(client):
    response = client.get(accept_url("not-a-real-token"))

    assert response.status_code == 404
    assert "This invitation link is not valid" in response.content.decode()


@pytest.mark.parametrize(
    ("password", "again", "error"),
    [
        ("short", "short", "too short"),
        ("password123", "password123", "too common"),
        ("8392017465123", "8392017465123", "entirely numeric"),
        ("new.person@acme", "new.person@acme", "too similar"),
        (NEW_PASSWORD, NEW_PASSWORD + "x", "The two passwords differ."),
    ],
)
def test_the_password_must_pass_the_validators(client, vendor_a_admin, password, again, error):
    invitation, token = invite(vendor_a_admin)

    response = accept(client, token, password=password, again=again)

    assert response.status_code == 200
    assert error in response.content.decode()
    assert not User.objects.filter(email=invitation.email).exists()
    invitation.refresh_from_db()
    assert invitation.accepted_at is None  # the link still works for a second try
    assert accept(client, token).status_code == 302


def test_the_claim_is_single_use_even_when_the_account_exists_meanwhile(vendor_a_admin, vendor_a):
    _invitation, token = invite(vendor_a_admin)
    factories.VendorUserFactory(email="new.person@acme.test", vendor=vendor_a)

    with pytest.raises(services.InvitationUnusable, match="exists already"):
        services.invitation_accept(token=token, full_name="Nora", password=NEW_PASSWORD)
    assert User.objects.filter(email="new.person@acme.test").count() == 1


# --- Deactivating -------------------------------------------------------------------------------------


def test_deactivation_ends_the_users_sessions_at_once(
    client_for, vendor_a_admin, vendor_a_user, vendor_b_user
):
    admin = client_for(vendor_a_admin)
    victim = logged_in(vendor_a_user)
    victim_elsewhere = logged_in(vendor_a_user)
    bystander = logged_in(vendor_b_user)
    assert victim.get(reverse("vendors:detail", args=[vendor_a_user.vendor_id])).status_code == 200
    sessions_before = Session.objects.count()

    response = admin.post(reverse("vendor_portal:user_deactivate", args=[vendor_a_user.pk]), follow=True)

    assert "has been deactivated" in response.content.decode()
    vendor_a_user.refresh_from_db()
    assert not vendor_a_user.is_active
    assert Session.objects.count() == sessions_before - 2
    for client in (victim, victim_elsewhere):
        assert not Session.objects.filter(session_key=client.session.session_key).exists()
        after = client.get(reverse("vendors:detail", args=[vendor_a_user.vendor_id]))
        assert after.status_code == 302 and after.url.startswith(reverse("accounts:login"))
    assert bystander.get(reverse("vendors:detail", args=[vendor_b_user.vendor_id])).status_code == 200
    event = AuditEvent.objects.get(action="accounts.user.updated", object_id=str(vendor_a_user.pk))
    assert event.changes["is_active"] == [True, False] and event.actor == vendor_a_admin
    assert event.changes["deactivated_by"] == [None, vendor_a_admin.pk]


def test_a_deactivated_user_cannot_sign_in_until_reactivated(
    client, client_for, vendor_a_admin, vendor_a_user
):
    admin_client = client_for(vendor_a_admin)
    admin_client.post(reverse("vendor_portal:user_deactivate", args=[vendor_a_user.pk]))
    credentials = {"username": vendor_a_user.email, "password": TEST_PASSWORD}

    assert client.post(reverse("accounts:login"), credentials).status_code == 200
    assert SESSION_KEY not in client.session

    admin_client.post(reverse("vendor_portal:user_reactivate", args=[vendor_a_user.pk]))
    assert client.post(reverse("accounts:login"), credentials).status_code == 302
    assert AuditEvent.objects.filter(
        action="accounts.user.updated", changes={"is_active": [False, True]}
    ).exists()


def test_session_sweep_decodes_in_batches_and_leaves_others_alone(monkeypatch, vendor_a_user, vendor_b_user):
    monkeypatch.setattr(services, "SESSION_BATCH_SIZE", 2)
    mine = [logged_in(vendor_a_user) for _ in range(3)]
    others = [logged_in(vendor_b_user) for _ in range(3)]
    Client().get(reverse("accounts:login"))  # an anonymous session, if the page stores one

    assert services.user_sessions_end(user=vendor_a_user) == 3

    assert not Session.objects.filter(session_key__in=[c.session.session_key for c in mine]).exists()
    assert Session.objects.filter(session_key__in=[c.session.session_key for c in others]).count() == 3


def test_a_vendor_admin_cannot_deactivate_themselves(client_for, vendor_a_admin):
    response = client_for(vendor_a_admin).post(
        reverse("vendor_portal:user_deactivate", args=[vendor_a_admin.pk]), follow=True
    )

    assert "You cannot deactivate your own account." in response.content.decode()
    vendor_a_admin.refresh_from_db()
    assert vendor_a_admin.is_active
    assert not AuditEvent.objects.filter(object_type="accounts.user").exists()


def test_another_vendors_people_and_invitations_are_404(client_for, vendor_a_admin, vendor_b_user, manager):
    globex_admin = factories.VendorUserFactory(vendor=vendor_b_user.vendor, role=Role.VENDOR_ADMIN)
    invitation, _token = invite(globex_admin, email="pending@globex.test")
    client = client_for(vendor_a_admin)

    for url in (
        reverse("vendor_portal:user_deactivate", args=[vendor_b_user.pk]),
        reverse("vendor_portal:user_reactivate", args=[vendor_b_user.pk]),
        reverse("vendor_portal:user_deactivate", args=[manager.pk]),
        reverse("vendor_portal:invitation_revoke", args=[invitation.pk]),
    ):
        assert client.post(url).status_code == 404, url

    vendor_b_user.refresh_from_db()
    manager.refresh_from_db()
    invitation.refresh_from_db()
    assert vendor_b_user.is_active and manager.is_active and invitation.revoked_at is None
    with pytest.raises(PermissionDenied):
        services.user_deactivate(user=vendor_b_user, actor=vendor_a_admin)
    with pytest.raises(PermissionDenied):
        services.invitation_revoke(invitation=invitation, actor=vendor_a_admin)


def test_state_changes_are_post_only(client_for, vendor_a_admin, vendor_a_user):
    client = client_for(vendor_a_admin)
    invitation, _token = invite(vendor_a_admin)

    for url in (
        reverse("vendor_portal:user_deactivate", args=[vendor_a_user.pk]),
        reverse("vendor_portal:user_reactivate", args=[vendor_a_user.pk]),
        reverse("vendor_portal:invitation_revoke", args=[invitation.pk]),
    ):
        assert client.get(url).status_code == 405
    vendor_a_user.refresh_from_db()
    assert vendor_a_user.is_active
