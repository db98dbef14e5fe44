"""Sign-in with e-mail, session rotation and invalidation, login throttling and password reset."""

import re

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse

from tests.factories import TEST_PASSWORD

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a-brand-new-Passphrase-42"


def login(client, email, password=TEST_PASSWORD):
    return client.post(reverse("accounts:login"), {"username": email, "password": password})


def assert_redirects_to_login(response):
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))


def assert_signed_in(response):
    # Home may send a vendor user on to its vendor's page; anything but the login page counts.
    assert response.status_code in (200, 302), response.status_code
    if response.status_code == 302:
        assert not response.url.startswith(reverse("accounts:login"))


def test_login_with_email_redirects_home(client, manager):
    response = login(client, manager.email)

    assert response.status_code == 302
    assert response.url == reverse("portal:home")
    assert client.session[SESSION_KEY] == str(manager.pk)
    assert client.get(reverse("portal:home")).status_code == 200


def test_login_ignores_the_case_of_the_address(client, vendor_a_user):
    response = login(client, vendor_a_user.email.upper())
    assert response.status_code == 302
    assert client.session[SESSION_KEY] == str(vendor_a_user.pk)


def test_wrong_password_shows_the_form_again(client, manager):
    response = login(client, manager.email, "not-the-password")

    assert response.status_code == 200
    assert response.context["form"].errors
    assert SESSION_KEY not in client.session
    assert_redirects_to_login(client.get(reverse("portal:home")))


def test_inactive_user_cannot_log_in(client, manager):
    manager.is_active = False
    manager.save()
    response = login(client, manager.email)
    assert response.status_code == 200
    assert SESSION_KEY not in client.session


def test_session_key_rotates_on_login(client, manager):
    session = client.session
    session["probe"] = "before login"
    session.save()
    client.cookies[settings.SESSION_COOKIE_NAME] = session.session_key
    anonymous_key = session.session_key

    login(client, manager.email)

    assert client.session.session_key != anonymous_key
    assert not Session.objects.filter(session_key=anonymous_key).exists()


def test_logout_by_post_ends_the_session(client, manager):
    login(client, manager.email)
    session_key = client.session.session_key

    response = client.post(reverse("accounts:logout"))

    assert response.status_code == 302
    assert not Session.objects.filter(session_key=session_key).exists()
    assert_redirects_to_login(client.get(reverse("portal:home")))


def test_logout_by_get_is_refused(client, manager):
    login(client, manager.email)
    assert client.get(reverse("accounts:logout")).status_code == 405
    assert client.get(reverse("portal:home")).status_code == 200


def test_deactivated_users_session_stops_working(client, vendor_a_user):
    login(client, vendor_a_user.email)
    assert_signed_in(client.get(reverse("portal:home")))

    vendor_a_user.is_active = False
    vendor_a_user.save()

    assert_redirects_to_login(client.get(reverse("portal:home")))


def test_password_change_elsewhere_ends_other_sessions(client, manager):
    login(client, manager.email)
    manager.set_password(NEW_PASSWORD)
    manager.save()
    assert_redirects_to_login(client.get(reverse("portal:home")))


def test_repeated_failures_lock_the_account_out(client, manager):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert login(client, manager.email, "wrong-password").status_code == 200

    assert login(client, manager.email, "wrong-password").status_code == 429
    response = login(client, manager.email)

    # django-axes 8 renders AXES_LOCKOUT_TEMPLATE with HTTP 429 (AXES_HTTP_RESPONSE_CODE).
    assert response.status_code == 429
    assert "accounts/locked_out.html" in [t.name for t in response.templates]
    assert "Too many failed sign-in attempts" in response.content.decode()
    assert SESSION_KEY not in client.session
    attempt = AccessAttempt.objects.get(username=manager.email)
    assert attempt.failures_since_start >= settings.AXES_FAILURE_LIMIT
    assert_redirects_to_login(client.get(reverse("portal:home")))


def test_lockout_counts_by_account_and_by_client_separately(client, manager, viewer):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        login(client, manager.email, "wrong-password")
    # The account cools down wherever it is tried from, and this client for every account …
    assert login(Client(REMOTE_ADDR="10.0.0.7"), manager.email).status_code == 429
    assert login(client, viewer.email).status_code == 429
    # … while other accounts from other clients are untouched (trusted browsers: test_security_login.py).
    assert login(Client(REMOTE_ADDR="10.0.0.8"), viewer.email).status_code == 302


def test_successful_login_resets_the_failure_count(client, manager):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        login(client, manager.email, "wrong-password")
    assert login(client, manager.email).status_code == 302
    client.post(reverse("accounts:logout"))
    assert login(client, manager.email, "wrong-password").status_code == 200


def test_password_reset_mails_a_link_that_works(client, mailoutbox, vendor_a_user):
    response = client.post(reverse("accounts:password_reset"), {"email": vendor_a_user.email})

    assert response.status_code == 302
    assert response.url == reverse("accounts:password_reset_done")
    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.to == [vendor_a_user.email]
    link = re.search(r"https?://[^/\s]+(/\S+)", message.body).group(1)

    form_page = client.get(link, follow=True)
    assert form_page.status_code == 200
    assert form_page.context["validlink"]
    set_password_url = form_page.redirect_chain[-1][0] if form_page.redirect_chain else link

    done = client.post(set_password_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert done.status_code == 302
    assert done.url == reverse("accounts:password_reset_complete")
    vendor_a_user.refresh_from_db()
    assert vendor_a_user.check_password(NEW_PASSWORD)

    # The link works once.
    again = client.get(link, follow=True)
    assert not again.context["validlink"]
    assert login(Client(), vendor_a_user.email, NEW_PASSWORD).status_code == 302


def test_password_reset_for_an_unknown_address_sends_nothing(client, mailoutbox, db):
    response = client.post(reverse("accounts:password_reset"), {"email": "nobody@nowhere.test"})
    assert response.status_code == 302
    assert response.url == reverse("accounts:password_reset_done")
    assert mailoutbox == []


def test_admin_login_is_throttled_too(client, admin_user):
    admin_login = reverse("admin:login")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(admin_login, {"username": admin_user.email, "password": "wrong-password"})

    response = client.post(admin_login, {"username": admin_user.email, "password": TEST_PASSWORD})

    assert response.status_code == 429
    assert SESSION_KEY not in client.session
