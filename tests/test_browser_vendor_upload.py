"""In a real browser: a vendor user uploads a file of figures with a bad row, fixes it, and confirms;
then acknowledges one of its open breaches and answers it with a root cause and a corrective action.

Screenshots of each step are kept in var/screenshots/ (ignored by git) for a person to look at.
"""

from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings

from kpis import periods
from kpis.models import (
    Breach,
    BreachStatus,
    Measurement,
    MeasurementSource,
    MeasurementUpload,
    UploadStatus,
)
from tests import factories
from tests.test_browser import (  # noqa: F401  (fixtures)
    _log_in,
    _release_live_server_connections,
    browser,
    portal_url,
)

pytestmark = pytest.mark.django_db(transaction=True)

SCREENSHOTS = Path(settings.BASE_DIR) / "var" / "screenshots"


def _shot(page, name):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"vendor-upload-{name}.png"), full_page=True)


def _csv(path: Path, service_level, rows) -> Path:
    lines = ["service_level,measured_on,value,note"]
    lines += [f"{service_level.pk},{day.isoformat()},{value},{note}" for day, value, note in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_vendor_user_fixes_a_bad_row_and_confirms_the_upload(
    browser,  # noqa: F811
    portal_url,  # noqa: F811
    portfolio,
    vendor_a_user,
    tmp_path,  # noqa: F811
):
    service_level = portfolio.a.service_level
    yesterday = periods.local_today() - timedelta(days=1)
    before = Measurement.objects.count()
    page = _log_in(browser, portal_url, vendor_a_user.email)
    page.set_viewport_size({"width": 1280, "height": 900})

    page.goto(f"{portal_url}/measurements/")
    assert page.locator("h1").inner_text().strip() == "My figures"
    page.click("text=Upload a file")
    page.wait_for_load_state()
    _shot(page, "1-choose-file")

    bad = _csv(
        tmp_path / "figures.csv",
        service_level,
        [(yesterday - timedelta(days=1), "99.91", "from monitoring"), (yesterday, "250", "typo")],
    )
    page.set_input_files("input[name=file]", str(bad))
    page.click("button:has-text('Check the file')")
    page.wait_for_load_state()
    _shot(page, "2-rejected")

    assert "Nothing was saved." in page.inner_text(".alert--error")
    errors = page.inner_text("#upload-errors")
    assert "3" in errors and "The value cannot be above 100 %." in errors
    assert Measurement.objects.count() == before
    page.goto(f"{portal_url}/measurements/")
    assert page.inner_text(".page-header__meta").strip() == "1 figure"

    page.click("text=Upload a file")
    page.wait_for_load_state()
    good = _csv(
        tmp_path / "figures-fixed.csv",
        service_level,
        [(yesterday - timedelta(days=1), "99.91", "from monitoring"), (yesterday, "99.25", "fixed")],
    )
    page.set_input_files("input[name=file]", str(good))
    page.click("button:has-text('Check the file')")
    page.wait_for_load_state()
    _shot(page, "3-preview")

    assert "2 figures checked and ready" in page.inner_text("body")
    preview = page.inner_text("#upload-rows")
    assert "99.91%" in preview and "99.25%" in preview
    assert Measurement.objects.count() == before

    page.click("button:has-text('Confirm and save 2 figures')")
    page.wait_for_load_state()
    _shot(page, "4-confirmed")

    assert "2 figures saved." in page.inner_text(".messages")
    upload = MeasurementUpload.objects.get(status=UploadStatus.CONFIRMED)
    saved = Measurement.objects.filter(upload=upload, source=MeasurementSource.UPLOAD)
    assert sorted(str(v.normalize()) for v in saved.values_list("value", flat=True)) == ["99.25", "99.91"]
    assert MeasurementUpload.objects.filter(status=UploadStatus.REJECTED).count() == 1

    page.goto(f"{portal_url}/measurements/")
    _shot(page, "5-my-figures")
    assert page.inner_text(".page-header__meta").strip() == "3 figures"
    assert "99.25%" in page.inner_text("table.figures")

    # The same vendor user answers one of its open breaches.
    breach = factories.BreachFactory(service_level=service_level)
    page.goto(f"{portal_url}/breaches/{breach.pk}/")
    page.wait_for_load_state()
    _shot(page, "6-open-breach")
    assert page.inner_text("#breach-summary-title + span .badge").strip() == "Open"

    page.click("button:has-text('Acknowledge')")
    page.wait_for_selector(".breach-case__notice:has-text('Breach acknowledged.')")
    _shot(page, "7-acknowledged")
    assert page.inner_text("#breach-summary-title + span .badge").strip() == "Acknowledged"

    due_on = periods.local_today() + timedelta(days=14)
    page.fill("#id_respond_root_cause", "A failed disk on the primary database node.")
    page.fill("#id_respond_corrective_action", "Replace the disk and add monitoring of disk health.")
    page.fill("#id_respond_action_due_on", due_on.isoformat())
    page.click("button:has-text('Send response')")
    page.wait_for_selector(".breach-case__notice:has-text('Response sent')")
    _shot(page, "8-action-planned")

    assert page.inner_text("#breach-summary-title + span .badge").strip() == "Action planned"
    assert "A failed disk on the primary database node." in page.inner_text("#breach-case")
    breach = Breach.objects.get(pk=breach.pk)
    assert (breach.status, breach.action_due_on, breach.responded_by_id) == (
        BreachStatus.ACTION_PLANNED,
        due_on,
        vendor_a_user.pk,
    )
