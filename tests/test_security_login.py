"""Login lockout that cannot be turned against a user: failures count by account and by client
separately, with a cool-down and no CAPTCHA, and a browser that signed in to the account before is not
locked out of it — not even by an attacker behind the same shared proxy."""

import pytest
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.test import Client
from django.urls import reverse

from accounts.lockout import DEVICE_COOKIE
from tests.factories import TEST_PASSWORD

pytestmark = pytest.mark.django_db

PROXY = "192.0.2.10"  # every browser of one office reaches the portal from this address


def login(client, email, password=TEST_PASSWORD):
    return client.post(reverse("accounts:login"), {"username": email, "password": password})


def signed_in_browser(user) -> Client:
    """The user's own browser, which signed in once (and so holds the device cookie), then signed out."""
    browser = Client(REMOTE_ADDR=PROXY)
    assert login(browser, user.email).status_code == 302
    assert DEVICE_COOKIE in browser.cookies
    browser.post(reverse("accounts:logout"))
    return browser


def attack(email, times=None):
    attacker = Client(REMOTE_ADDR=PROXY)
    for _ in range(times or settings.AXES_FAILURE_LIMIT):
        login(attacker, email, "guess-123456")
    return attacker


def test_an_attacker_behind_the_same_proxy_cannot_lock_the_owner_out(manager):
    own_browser = signed_in_browser(manager)
    attacker = attack(manager.email)

    assert login(attacker, manager.email).status_code == 429  # the attacker cools down
    response = login(own_browser, manager.email)
    assert response.status_code == 302
    assert own_browser.session[SESSION_KEY] == str(manager.pk)


def test_a_browser_that_never_signed_in_waits_for_the_cool_down(manager):
    attack(manager.email)

    assert login(Client(REMOTE_ADDR=PROXY), manager.email).status_code == 429
    assert login(Client(REMOTE_ADDR="198.51.100.4"), manager.email).status_code == 429  # by account too


def test_a_device_cookie_opens_only_its_own_account(manager, viewer):
    browser = signed_in_browser(viewer)
    attack(manager.email)

    assert login(browser, manager.email).status_code == 429


def test_a_forged_device_cookie_is_not_trusted(manager):
    attack(manager.email)
    forged = Client(REMOTE_ADDR=PROXY)
    forged.cookies[DEVICE_COOKIE] = "eyJ1c2VyIjoxfQ:forged:signature"

    assert login(forged, manager.email).status_code == 429


def test_a_trusted_browser_that_keeps_failing_is_trusted_no_longer(manager):
    browser = signed_in_browser(manager)
    for _ in range(settings.AXES_FAILURE_LIMIT):
        assert login(browser, manager.email, "guess-123456").status_code == 200

    attack(manager.email)
    assert login(browser, manager.email).status_code == 429
