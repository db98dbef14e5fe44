"""Account lifecycle: a client's deactivation is final for the vendor's administrators, reactivation
never revives API tokens, and invitations do not reveal which addresses have accounts."""

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse

from accounts import services
from accounts.models import Invitation, Role, User
from api import tasks
from api.models import ApiToken
from api.services.tokens import api_token_create
from tests import factories

pytestmark = pytest.mark.django_db

TEAM = reverse("vendor_portal:team")


@pytest.fixture
def client_admin(db):
    return factories.InternalUserFactory(email="root@portal.test", role=Role.ADMIN)


def api_get(token: str):
    return Client(HTTP_AUTHORIZATION=f"Bearer {token}").get("/api/v1/me/")


def test_a_vendor_admin_cannot_reactivate_someone_the_client_deactivated(
    client_for, client_admin, vendor_a_admin, vendor_a_user
):
    services.user_deactivate(user=vendor_a_user, actor=client_admin)
    vendor_a_user.refresh_from_db()
    assert (vendor_a_user.is_active, vendor_a_user.deactivated_by) == (False, client_admin)

    team = client_for(vendor_a_admin)
    page = team.get(TEAM).content.decode()
    assert "Deactivated by the client" in page
    assert reverse("vendor_portal:user_reactivate", args=[vendor_a_user.pk]) not in page
    response = team.post(reverse("vendor_portal:user_reactivate", args=[vendor_a_user.pk]))
    assert response.status_code == 403
    with pytest.raises(PermissionDenied):
        services.user_reactivate(user=vendor_a_user, actor=vendor_a_admin)
    assert not User.objects.get(pk=vendor_a_user.pk).is_active

    # The client may.
    services.user_reactivate(user=vendor_a_user, actor=client_admin)
    assert User.objects.get(pk=vendor_a_user.pk).is_active


def test_a_vendor_admin_reactivates_whom_its_own_side_deactivated(client_for, vendor_a_admin, vendor_a_user):
    team = client_for(vendor_a_admin)
    team.post(reverse("vendor_portal:user_deactivate", args=[vendor_a_user.pk]))
    assert (
        reverse("vendor_portal:user_reactivate", args=[vendor_a_user.pk]) in team.get(TEAM).content.decode()
    )

    response = team.post(reverse("vendor_portal:user_reactivate", args=[vendor_a_user.pk]))

    assert response.status_code == 302
    assert User.objects.get(pk=vendor_a_user.pk).is_active


def test_reactivation_never_revives_old_api_tokens(vendor_a_admin, vendor_a_user):
    old, old_plaintext = api_token_create(user=vendor_a_user, name="monitoring", scope="read")
    assert api_get(old_plaintext).status_code == 200

    services.user_deactivate(user=vendor_a_user, actor=vendor_a_admin)
    assert api_get(old_plaintext).status_code == 401
    services.user_reactivate(user=vendor_a_user, actor=vendor_a_admin)

    # Refused at once, whether or not the worker has marked the token revoked yet …
    assert api_get(old_plaintext).status_code == 401
    # … and the worker's task marks it revoked on the tokens page.
    user = User.objects.get(pk=vendor_a_user.pk)
    assert tasks.api_tokens_revoke_for_user(user.pk, user.deactivated_at.isoformat()) == 1
    assert ApiToken.objects.get(pk=old.pk).revoked_at is not None
    assert api_get(old_plaintext).status_code == 401
    # A token issued after the reactivation works.
    _, fresh = api_token_create(user=user, name="monitoring", scope="read")
    assert api_get(fresh).status_code == 200


def test_an_invitation_to_an_existing_address_looks_like_any_other(
    vendor_a_admin, vendor_b_user, manager, mailoutbox, django_capture_on_commit_callbacks
):
    answers = []
    for email in (vendor_b_user.email, manager.email.upper(), "nobody@acme.test"):
        with django_capture_on_commit_callbacks(execute=True):
            invitation, token = services.invitation_create(
                vendor=vendor_a_admin.vendor,
                actor=vendor_a_admin,
                email=email,
                role=Role.VENDOR_USER,
                base_url="https://portal.example.test/",
            )
        answers.append((type(invitation), type(token), invitation.vendor_id, invitation.role))

    assert len(set(answers)) == 1
    assert Invitation.objects.count() == 3
    to_globex, to_manager, to_nobody = mailoutbox
    for notice in (to_globex, to_manager):
        assert "already has an account" in notice.body
        assert "/accounts/invitation/" not in notice.body
    assert "/accounts/invitation/" in to_nobody.body


def test_the_client_can_make_its_vendors_deactivation_final(client_admin, vendor_a_admin, vendor_a_user):
    services.user_deactivate(user=vendor_a_user, actor=vendor_a_admin)
    services.user_deactivate(user=vendor_a_user, actor=client_admin)

    assert User.objects.get(pk=vendor_a_user.pk).deactivated_by == client_admin
    with pytest.raises(PermissionDenied):
        services.user_reactivate(user=vendor_a_user, actor=vendor_a_admin)
