"""In a real browser (Debian's Chromium driven by Playwright): people log in and see what they should.

Skipped, with the reason, where Chromium or Playwright is not installed; CI installs both.
"""

import os
import shutil

import pytest
from django.db import connection

from tests.factories import TEST_PASSWORD

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
playwright = pytest.importorskip("playwright.sync_api", reason="Playwright is not installed")
if not os.path.exists(CHROMIUM):
    pytest.skip(f"Chromium is not installed at {CHROMIUM}", allow_module_level=True)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def browser(monkeypatch):
    # Playwright's sync API runs an event loop in this thread; the live server runs in its own.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"],
        )
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def _release_live_server_connections(django_db_setup, django_db_blocker):
    """The live server's request threads can leave a PostgreSQL session behind, which would stop
    the test database from being dropped at the end of the run; end those sessions once every
    test has run (the live server itself lives for the whole session)."""
    yield
    with django_db_blocker.unblock():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )


@pytest.fixture
def portal_url(_release_live_server_connections, live_server):
    return live_server.url


def _log_in(browser, portal_url, email):
    page = browser.new_page()
    page.goto(f"{portal_url}/accounts/login/")
    page.fill("input[name=username]", email)
    page.fill("input[name=password]", TEST_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()
    return page


def test_vendor_user_lands_on_own_vendor_and_cannot_reach_the_other(
    browser, portal_url, portfolio, vendor_a_user
):
    page = _log_in(browser, portal_url, vendor_a_user.email)
    body = page.inner_text("body")
    assert portfolio.a.vendor.name in body
    assert portfolio.b.vendor.name not in body
    response = page.goto(f"{portal_url}/vendors/{portfolio.b.vendor.pk}/")
    assert response.status == 404


def test_manager_sees_the_portfolio_and_opens_a_vendor(browser, portal_url, portfolio, manager):
    page = _log_in(browser, portal_url, manager.email)
    assert page.title().startswith("Portfolio")
    body = page.inner_text("body")
    assert portfolio.a.vendor.name in body and portfolio.b.vendor.name in body
    page.click(f"text={portfolio.b.vendor.name}")
    page.wait_for_load_state()
    assert page.url.endswith(f"/vendors/{portfolio.b.vendor.pk}/")
    assert page.locator("h1").inner_text().strip() == portfolio.b.vendor.name


def test_wrong_password_shows_an_error_and_stays_on_login(browser, portal_url, manager):
    page = browser.new_page()
    page.goto(f"{portal_url}/accounts/login/")
    page.fill("input[name=username]", manager.email)
    page.fill("input[name=password]", "not-the-password")
    page.click("button[type=submit]")
    page.wait_for_load_state()
    assert "/accounts/login/" in page.url
    assert "correct" in page.inner_text("body").lower()
