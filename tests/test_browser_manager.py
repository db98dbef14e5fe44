"""In a real browser: a manager opens the dashboard, drills into a red vendor, reads how its score is
made up, and waives one of its breaches with a reason.

The portfolio is evaluated by the engine, so the vendor is red for real. Screenshots of each step
are kept in var/screenshots/ (ignored by git) for a person to look at.
"""

from datetime import date
from pathlib import Path

import pytest
from django.conf import settings

from kpis.engine import run_evaluation
from kpis.models import Breach, BreachNote, BreachNoteKind, BreachStatus, Metric, MetricCategory, Scorecard
from tests import factories
from tests.test_browser import (  # noqa: F401  (fixtures)
    _log_in,
    _release_live_server_connections,
    browser,
    portal_url,
)
from tests.test_engine import at, make_sl, measure

pytestmark = pytest.mark.django_db(transaction=True)

SCREENSHOTS = Path(settings.BASE_DIR) / "var" / "screenshots"
WAIVER = "The outage came from the client's own firewall change CHG-4711."


def _shot(page, name):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"manager-{name}.png"), full_page=True)


def _vendor_with(name, figures, manager):
    """A vendor whose January 2026 service levels report ``figures`` (metric name, category, value)."""
    vendor = factories.VendorFactory(name=name, internal_owner=manager)
    contract = factories.SOWFactory(vendor=vendor, owner=manager)
    for metric_name, category, value in figures:
        sl = make_sl(contract=contract, target="99.5", minimum="98", category=category)
        Metric.objects.filter(pk=sl.metric_id).update(name=f"{metric_name} ({name})")
        measure(sl, date(2026, 1, 12), value)
    return vendor


@pytest.fixture
def red_portfolio(manager):
    """A red vendor (two of three service levels breached) beside a green one, evaluated by the engine."""
    red = _vendor_with(
        "Redline Hosting",
        [
            ("Service availability", MetricCategory.QUALITY, "91"),
            ("Release on time", MetricCategory.DELIVERY, "99.9"),
            ("P1 response within SLA", MetricCategory.RESPONSIVENESS, "95"),
        ],
        manager,
    )
    green = _vendor_with(
        "Greenfield Networks", [("Service availability", MetricCategory.QUALITY, "99.9")], manager
    )
    run_evaluation(now=at(2026, 2, 10))
    return red, green


def test_manager_drills_into_a_red_vendor_explains_its_score_and_waives_a_breach(
    browser,  # noqa: F811
    portal_url,  # noqa: F811
    manager,
    red_portfolio,
):
    red, _green = red_portfolio
    scorecard = Scorecard.objects.get(vendor=red)
    assert scorecard.rag == "red"
    page = _log_in(browser, portal_url, manager.email)
    page.set_viewport_size({"width": 1360, "height": 900})

    assert page.title().startswith("Portfolio")
    assert red.name in page.inner_text("body")
    _shot(page, "1-dashboard")

    page.click(f"a:has-text('{red.name}')")
    page.wait_for_load_state()
    assert page.url.endswith(f"/vendors/{red.pk}/")
    _shot(page, "2-red-vendor")

    performance = page.locator("#performance")
    performance.locator("a", has_text="January 2026").first.click()
    page.wait_for_load_state()
    assert page.url.endswith(f"/scorecards/{scorecard.pk}/")
    explanation = page.inner_text("main")
    assert "How the score is made up" in explanation
    assert f"= {scorecard.score:.2f}" in explanation
    assert explanation.count("Breached") >= 2
    _shot(page, "3-score-explained")

    page.go_back()
    page.wait_for_load_state()
    breach = Breach.objects.filter(service_level__contract__vendor=red).order_by("pk").first()
    page.locator(f"#performance a[href='/breaches/{breach.pk}/']").click()
    page.wait_for_load_state()
    assert page.url.endswith(f"/breaches/{breach.pk}/")
    _shot(page, "4-breach")

    page.click(f"form[action='/breaches/{breach.pk}/waive/'] button[type=submit]")
    page.locator(".field__error").first.wait_for()
    assert "This field is required." in page.inner_text("#breach-case")
    page.fill("#id_waive_reason", WAIVER)
    page.click(f"form[action='/breaches/{breach.pk}/waive/'] button[type=submit]")
    page.locator(".breach-case__notice").wait_for()
    case = page.inner_text("#breach-case")
    assert "Breach waived." in case and WAIVER in case
    assert page.url.endswith(f"/breaches/{breach.pk}/")  # redrawn in place
    _shot(page, "5-waived")

    breach.refresh_from_db()
    assert (breach.status, breach.closure_reason, breach.closed_by) == (BreachStatus.WAIVED, WAIVER, manager)
    assert BreachNote.objects.filter(breach=breach, kind=BreachNoteKind.WAIVED, body=WAIVER).exists()

    # Without JavaScript's help the same page still tells the story after a reload.
    page.reload()
    assert "Waived" in page.inner_text("#breach-case")
    assert page.locator(f"form[action='/breaches/{breach.pk}/waive/']").count() == 0
