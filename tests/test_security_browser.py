"""The Content-Security-Policy in a real browser: the pages, htmx and the API docs work under it, and
the browser reports no violation (an inline script or style the policy refused).

Skipped, with the reason, where Chromium or Playwright is not installed (see tests/test_browser.py).
"""

import pytest

from tests.test_browser import _log_in, _release_live_server_connections, browser, portal_url  # noqa: F401

pytestmark = pytest.mark.django_db(transaction=True)


def _violations(page) -> list[str]:
    found = []
    page.on("console", lambda message: found.append(message.text))
    return found


def test_pages_run_under_the_policy_without_violations(browser, portal_url, portfolio, manager):  # noqa: F811
    page = _log_in(browser, portal_url, manager.email)
    messages = _violations(page)

    for path in ("/", f"/vendors/{portfolio.a.vendor.pk}/", "/measurements/validation/", "/api/docs/"):
        page.goto(f"{portal_url}{path}")
        page.wait_for_load_state("networkidle")

    # Swagger UI started from its script file and drew the operations.
    assert page.locator(".swagger-ui .opblock").count() > 0
    assert [text for text in messages if "Content Security Policy" in text] == []
