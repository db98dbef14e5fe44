"""The portfolio dashboard: summary tiles and the links behind them, the vendor table's filters, sorting,
htmx partial and empty states, and a query count that does not grow with the portfolio."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from contracts.models import ContractStatus, RenewalType
from governance.models import Side
from kpis.models import (
    Breach,
    BreachKind,
    BreachSeverity,
    BreachStatus,
    Measurement,
    MeasurementSource,
    MeasurementStatus,
    Outcome,
    Scorecard,
    ServiceLevelResult,
)
from kpis.selectors.breaches import breach_list_for_user
from kpis.selectors.measurements import validation_queue_for_user
from portal.selectors.dashboard import dashboard_summary_for_user, open_breach_summary
from tests import factories
from tests.factories_governance_portal import ActionItemFactory, ReviewFactory
from vendors.models import VendorStatus, VendorTier

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 6, 15)
HOME = "/"


@pytest.fixture(autouse=True)
def _noon_on_15_june():
    now = timezone.make_aware(dt.datetime(2026, 6, 15, 12, 0))
    with time_machine.travel(now, tick=False):
        yield now


def days_ago(days: int) -> dt.datetime:
    return timezone.now() - dt.timedelta(days=days)


def month(n: int) -> tuple[dt.date, dt.date]:
    """The n-th month of 2026 as (first day, last day)."""
    start = dt.date(2026, n, 1)
    end = (dt.date(2026, n + 1, 1) if n < 12 else dt.date(2027, 1, 1)) - dt.timedelta(days=1)
    return start, end


def breach(
    service_level,
    *,
    month_no=3,
    severity=BreachSeverity.MEDIUM,
    kind=BreachKind.MISSED_TARGET,
    status=BreachStatus.OPEN,
    opened_days_ago=1,
    outcome=None,
):
    """A breach of one month, opened ``opened_days_ago`` days ago, with the result behind it."""
    start, end = month(month_no)
    outcome = outcome or (Outcome.MISSING if kind == BreachKind.NOT_REPORTED else Outcome.BREACHED)
    ServiceLevelResult.objects.create(
        service_level=service_level,
        period_start=start,
        period_end=end,
        target=Decimal("99.5"),
        minimum=Decimal("98"),
        outcome=outcome,
        attained=None if outcome == Outcome.MISSING else Decimal("97"),
    )
    closed = status not in (BreachStatus.OPEN, BreachStatus.ACKNOWLEDGED, BreachStatus.ACTION_PLANNED)
    return Breach.objects.create(
        service_level=service_level,
        period_start=start,
        period_end=end,
        kind=kind,
        severity=severity,
        status=status,
        opened_at=days_ago(opened_days_ago),
        response_due_at=days_ago(opened_days_ago - 5),
        closed_at=timezone.now() if closed else None,
    )


def scorecard(vendor, score, rag, *, month_no=5, trend="flat"):
    start, end = month(month_no)
    return Scorecard.objects.create(
        vendor=vendor,
        period_start=start,
        period_end=end,
        score=Decimal(score),
        rag=rag,
        band=rag.title(),
        trend=trend,
    )


def relationship(vendor, *, owner=None, category=None):
    """An MSA with a SOW carrying one service level."""
    if owner is not None:
        vendor.internal_owner = owner
        vendor.save()
    if category is not None:
        vendor.service_categories.add(category)
    sow = factories.SOWFactory(vendor=vendor)
    return factories.ServiceLevelFactory(contract=sow)


def page_rows(response):
    return [vendor.name for vendor in response.context["page_obj"]]


# --- Tiles -------------------------------------------------------------------------------------


def test_open_breaches_by_severity_and_age(client_for, manager, vendor_a):
    sl = relationship(vendor_a)
    breach(sl, month_no=1, severity=BreachSeverity.HIGH, opened_days_ago=0)
    breach(sl, month_no=2, severity=BreachSeverity.HIGH, opened_days_ago=7, status=BreachStatus.ACKNOWLEDGED)
    breach(
        sl, month_no=3, severity=BreachSeverity.MEDIUM, opened_days_ago=8, status=BreachStatus.ACTION_PLANNED
    )
    breach(sl, month_no=4, severity=BreachSeverity.LOW, opened_days_ago=30, kind=BreachKind.NOT_REPORTED)
    breach(sl, month_no=5, severity=BreachSeverity.LOW, opened_days_ago=31)
    breach(sl, month_no=6, severity=BreachSeverity.HIGH, status=BreachStatus.WAIVED)
    breach(sl, month_no=7, severity=BreachSeverity.HIGH, status=BreachStatus.CLEARED, outcome=Outcome.MET)

    summary = client_for(manager).get(HOME).context["summary"].breaches

    assert summary.total == 5
    assert summary.by_severity == {"high": 2, "medium": 1, "low": 2}
    assert summary.by_age == {"0-7": 2, "8-30": 2, "31+": 1}


def test_missing_reports_are_unreported_periods_whose_breach_is_open(client_for, manager, vendor_a):
    sl = relationship(vendor_a)
    breach(sl, month_no=1, kind=BreachKind.NOT_REPORTED, severity=BreachSeverity.LOW)
    breach(sl, month_no=2, kind=BreachKind.NOT_REPORTED, status=BreachStatus.ACKNOWLEDGED)
    breach(sl, month_no=3, kind=BreachKind.NOT_REPORTED, status=BreachStatus.WAIVED)
    breach(sl, month_no=4)  # reported, missed the target
    start, end = month(5)  # missing, but no breach (yet)
    ServiceLevelResult.objects.create(
        service_level=sl, period_start=start, period_end=end, target=1, minimum=1, outcome=Outcome.MISSING
    )

    summary = client_for(manager).get(HOME).context["summary"]

    assert summary.breaches.missing_reports == 2


def test_awaiting_validation_counts_the_validation_queue(client_for, manager, vendor_a, vendor_a_user):
    sl = relationship(vendor_a)
    for source in (MeasurementSource.FORM, MeasurementSource.UPLOAD, MeasurementSource.API):
        factories.MeasurementFactory(service_level=sl, source=source, submitted_by=vendor_a_user)
    factories.MeasurementFactory(service_level=sl, submitted_by=manager)  # the client's own figure
    factories.MeasurementFactory(
        service_level=sl, submitted_by=vendor_a_user, status=MeasurementStatus.VALIDATED
    )
    factories.MeasurementFactory(
        service_level=sl, submitted_by=vendor_a_user, status=MeasurementStatus.DISPUTED
    )
    factories.MeasurementFactory(service_level=sl, submitted_by=vendor_a_user, is_current=False)

    summary = client_for(manager).get(HOME).context["summary"]

    assert (summary.awaiting_validation, summary.awaiting_validation_capped) == (3, False)


def test_awaiting_validation_stops_counting_at_the_cap(
    client_for, manager, vendor_a, vendor_a_user, monkeypatch
):
    monkeypatch.setattr("portal.selectors.dashboard.COUNT_CAP", 2)
    sl = relationship(vendor_a)
    factories.MeasurementFactory.create_batch(4, service_level=sl, submitted_by=vendor_a_user)

    response = client_for(manager).get(HOME)

    summary = response.context["summary"]
    assert (summary.awaiting_validation, summary.awaiting_validation_capped) == (2, True)
    assert "2+<span" in response.content.decode()


def test_every_tile_number_links_to_the_list_behind_it(client_for, manager, vendor_a):
    sl = relationship(vendor_a)
    breach(sl, severity=BreachSeverity.HIGH)

    html = client_for(manager).get(HOME).content.decode()

    for href in (
        "/breaches/?status=open",
        "/breaches/?status=open&amp;severity=high",
        "/breaches/?status=open&amp;severity=medium",
        "/breaches/?status=open&amp;severity=low",
        "/breaches/?status=open&amp;age=0-7",
        "/breaches/?status=open&amp;age=8-30",
        "/breaches/?status=open&amp;age=31%2B",
        "/breaches/?status=open&amp;kind=not_reported",
        "/measurements/validation/",
        "#contract-dates",
        # the vendor row's open breaches
        f"/breaches/?status=open&amp;vendor={vendor_a.pk}",
    ):
        assert f'href="{href}"' in html, href


def test_contracts_with_dates_due_are_listed_with_the_dates(client_for, manager, vendor_a, vendor_b):
    # Tacit yearly renewal, 90 days' notice: the term ending on 30 Sep 2026 (outside the window) has its
    # notice deadline on Thu 2 Jul 2026 (inside it).
    factories.ContractFactory(
        vendor=vendor_a,
        reference="ACME-MSA",
        start_date=dt.date(2023, 10, 1),
        initial_term_end=dt.date(2025, 9, 30),
        renewal_type=RenewalType.TACIT,
        notice_period_days=90,
    )
    factories.ContractFactory(
        vendor=vendor_b,
        reference="GLOBEX-END",
        initial_term_end=dt.date(2026, 7, 31),
        renewal_type=RenewalType.NONE,
    )
    factories.ContractFactory(
        vendor=vendor_b, reference="GLOBEX-LATER", initial_term_end=dt.date(2027, 12, 31)
    )
    factories.ContractFactory(
        vendor=vendor_b,
        reference="GLOBEX-OLD",
        initial_term_end=dt.date(2026, 7, 31),
        status=ContractStatus.EXPIRED,
    )

    response = client_for(manager).get(HOME)
    html = response.content.decode()

    assert [u.contract.reference for u in response.context["summary"].upcoming_contracts] == [
        "ACME-MSA",
        "GLOBEX-END",
    ]
    assert "Thu 2 Jul 2026" in html and "in 17 days" in html  # the notice deadline
    assert "Fri 31 Jul 2026" in html and "in 46 days" in html  # the end of the term
    assert "Renews by itself on 1 Oct 2026 unless notice is given" in html
    assert "GLOBEX-LATER" not in html and "GLOBEX-OLD" not in html


def test_no_contract_dates_due_shows_an_empty_state(client_for, manager):
    html = client_for(manager).get(HOME).content.decode()

    assert "Nothing falls due in the next 90 days." in html


def test_breach_summary_is_scoped_by_the_access_policy(portfolio, vendor_a_user):
    breach(portfolio.a.service_level, severity=BreachSeverity.HIGH)
    breach(portfolio.b.service_level, severity=BreachSeverity.HIGH)
    breach(portfolio.b.service_level, month_no=4, severity=BreachSeverity.LOW)

    summary = open_breach_summary(user=vendor_a_user, now=timezone.now())

    assert (summary.total, summary.by_severity["high"], summary.by_severity["low"]) == (1, 1, 0)


def test_vendor_users_are_sent_to_their_own_vendor(client_for, vendor_a_user, vendor_a):
    response = client_for(vendor_a_user).get(HOME)

    assert response.status_code == 302 and response.url == reverse("vendor_portal:home")


def test_viewers_see_the_dashboard(client_for, viewer, vendor_a):
    response = client_for(viewer).get(HOME)

    assert response.status_code == 200 and page_rows(response) == [vendor_a.name]


# --- The vendor table: filters, sorting, htmx, empty states -----------------------------------


@pytest.fixture
def three_vendors(manager):
    """Red Ltd (critical, owned by the manager, service desk, 2 open breaches), Amber plc (low, owned by
    someone else, hosting, 1 open breach), Quiet GmbH (medium, exiting, no owner, no scorecard)."""
    other = factories.InternalUserFactory(full_name="Olga Owner")
    desk = factories.ServiceCategoryFactory(name="Service desk")
    hosting = factories.ServiceCategoryFactory(name="Hosting")
    red = factories.VendorFactory(name="Red Ltd", tier=VendorTier.CRITICAL)
    amber = factories.VendorFactory(name="Amber plc", tier=VendorTier.LOW)
    quiet = factories.VendorFactory(name="Quiet GmbH", tier=VendorTier.MEDIUM, status=VendorStatus.EXITING)
    red_sl = relationship(red, owner=manager, category=desk)
    amber_sl = relationship(amber, owner=other, category=hosting)
    relationship(quiet)
    breach(red_sl, month_no=3)
    breach(red_sl, month_no=4)
    breach(amber_sl, month_no=3)
    scorecard(red, "42.5", "red", month_no=4, trend="up")
    scorecard(red, "55.0", "red", month_no=5, trend="up")  # the latest month counts
    scorecard(amber, "78.0", "amber")
    return {"red": red, "amber": amber, "quiet": quiet, "other": other, "desk": desk, "hosting": hosting}


def test_table_shows_standing_trend_and_open_breaches(client_for, manager, three_vendors):
    response = client_for(manager).get(HOME)

    rows = {
        v.name: (v.standing_rag, v.standing_score, v.standing_trend, v.open_breach_count)
        for v in response.context["page_obj"]
    }
    assert rows == {
        "Amber plc": ("amber", Decimal("78.00"), "flat", 1),
        "Quiet GmbH": (None, None, None, 0),
        "Red Ltd": ("red", Decimal("55.00"), "up", 2),
    }
    html = response.content.decode()
    assert "May 2026" in html and "No scorecard yet" in html


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, ["Amber plc", "Quiet GmbH", "Red Ltd"]),
        ({"tier": "critical"}, ["Red Ltd"]),
        ({"status": "exiting"}, ["Quiet GmbH"]),
        ({"mine": "on"}, ["Red Ltd"]),
        ({"category": "hosting"}, ["Amber plc"]),
        ({"owner": "other"}, ["Amber plc"]),
        ({"standing": "red"}, ["Red Ltd"]),
        ({"standing": "amber"}, ["Amber plc"]),
        ({"standing": "green"}, []),
        ({"standing": "none"}, ["Quiet GmbH"]),
        ({"tier": "low", "standing": "amber", "category": "hosting"}, ["Amber plc"]),
        ({"tier": "critical", "standing": "amber"}, []),
    ],
)
def test_table_filters(client_for, manager, three_vendors, params, expected):
    # Owners and categories are named in the table by their fixture name.
    params = {key: three_vendors[v].pk if key in ("owner", "category") else v for key, v in params.items()}

    response = client_for(manager).get(HOME, params)

    assert page_rows(response) == expected


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("name", ["Amber plc", "Quiet GmbH", "Red Ltd"]),
        ("-name", ["Red Ltd", "Quiet GmbH", "Amber plc"]),
        ("score", ["Red Ltd", "Amber plc", "Quiet GmbH"]),  # no scorecard sorts last either way
        ("-score", ["Amber plc", "Red Ltd", "Quiet GmbH"]),
        ("-breaches", ["Red Ltd", "Amber plc", "Quiet GmbH"]),
        ("breaches", ["Quiet GmbH", "Amber plc", "Red Ltd"]),
        ("tier", ["Red Ltd", "Quiet GmbH", "Amber plc"]),
        ("-tier", ["Amber plc", "Quiet GmbH", "Red Ltd"]),
    ],
)
def test_table_sorting(client_for, manager, three_vendors, sort, expected):
    response = client_for(manager).get(HOME, {"sort": sort})

    assert page_rows(response) == expected


@pytest.mark.parametrize(
    "params",
    [
        {"sort": "internal_notes"},
        {"sort": "-password"},
        {"tier": "nonsense"},
        {"owner": "abc"},
        {"owner": "999999"},
        {"category": "-1"},
        {"standing": "purple"},
        {"page": "nope"},
    ],
)
def test_bad_query_values_are_ignored_not_errors(client_for, manager, three_vendors, params):
    response = client_for(manager).get(HOME, params)

    assert response.status_code == 200
    assert page_rows(response) == ["Amber plc", "Quiet GmbH", "Red Ltd"]


def test_an_invalid_filter_keeps_the_valid_ones(client_for, manager, three_vendors):
    response = client_for(manager).get(HOME, {"tier": "critical", "standing": "purple"})

    assert page_rows(response) == ["Red Ltd"]


def test_htmx_request_gets_only_the_table_with_the_same_rows(client_for, manager, three_vendors):
    client = client_for(manager)
    params = {"standing": "red", "sort": "-score"}

    full = client.get(HOME, params)
    partial = client.get(HOME, params, headers={"HX-Request": "true", "HX-Target": "portfolio-table"})

    assert partial.status_code == 200
    html = partial.content.decode()
    assert html.lstrip().startswith('<div id="portfolio-table"') and "<html" not in html
    assert "Open breaches" in html and "Red Ltd" in html and "Amber plc" not in html
    assert "summary" not in partial.context
    assert page_rows(partial) == page_rows(full) == ["Red Ltd"]
    assert "HX-Request" in partial["Vary"] and "HX-Request" in full["Vary"]


def test_htmx_requests_for_other_targets_get_the_whole_page(client_for, manager, three_vendors):
    response = client_for(manager).get(
        HOME,
        headers={"HX-Request": "true", "HX-Target": "portfolio-table", "HX-History-Restore-Request": "true"},
    )

    assert "<html" in response.content.decode()


def test_the_filter_form_works_with_and_without_javascript(client_for, manager, three_vendors):
    html = client_for(manager).get(HOME).content.decode()

    assert '<form method="get" action="/"' in html
    assert 'hx-get="/" hx-target="#portfolio-table" hx-swap="outerHTML" hx-push-url="true"' in html
    for name in ("tier", "status", "owner", "category", "standing", "mine", "sort"):
        assert f'name="{name}"' in html


def test_column_headers_sort_and_reverse(client_for, manager, three_vendors):
    client = client_for(manager)

    first = client.get(HOME, {"tier": "critical"}).context["sort_headers"]
    reversed_ = client.get(HOME, {"tier": "critical", "sort": "-breaches", "page": "1"}).context[
        "sort_headers"
    ]

    assert first["breaches"] == {"url": "?tier=critical&sort=-breaches", "aria_sort": None}
    assert first["vendor"] == {"url": "?tier=critical&sort=-name", "aria_sort": "ascending"}
    assert reversed_["breaches"] == {"url": "?tier=critical&sort=breaches", "aria_sort": "descending"}
    assert reversed_["standing"]["url"] == "?tier=critical&sort=score"


def test_export_links_carry_the_current_filters(client_for, manager, three_vendors):
    html = client_for(manager).get(HOME, {"tier": "critical", "page": "1"}).content.decode()

    assert 'href="/portfolio.csv?tier=critical"' in html
    assert 'href="/portfolio.xlsx?tier=critical"' in html


def test_empty_portfolio_and_no_match_have_their_own_messages(client_for, manager, three_vendors):
    client = client_for(manager)

    no_match = client.get(HOME, {"standing": "green"}).content.decode()

    assert "No vendors match these filters." in no_match and "Clear the filters" in no_match


def test_empty_portfolio(client_for, manager):
    html = client_for(manager).get(HOME).content.decode()

    assert "The portfolio is empty." in html
    assert "No vendors match" not in html


def test_table_pages_by_25_keeping_the_filters(client_for, manager):
    category = factories.ServiceCategoryFactory(name="Service desk")
    for vendor in factories.VendorFactory.create_batch(27, tier=VendorTier.HIGH):
        vendor.service_categories.add(category)
    factories.VendorFactory.create_batch(3, tier=VendorTier.LOW)
    client = client_for(manager)

    first = client.get(HOME, {"tier": "high"})
    second = client.get(HOME, {"tier": "high", "page": 2})

    assert len(first.context["page_obj"]) == 25 and len(second.context["page_obj"]) == 2
    assert 'href="?tier=high&amp;page=2"' in first.content.decode()


# --- Query budget --------------------------------------------------------------------------------


def rich_portfolio(count, *, owner):
    """``count`` vendors each with a category, an MSA with a SOW whose notice deadline falls within
    90 days, two service levels, an open breach, an unreported period, two scorecards, a figure
    waiting for validation, an overdue action item on each side and a review due."""
    category = factories.ServiceCategoryFactory(name="Application support")
    for n in range(count):
        vendor = factories.VendorFactory(internal_owner=owner)
        vendor.service_categories.add(category)
        vendor_user = factories.VendorUserFactory(vendor=vendor)
        msa = factories.ContractFactory(vendor=vendor, initial_term_end=dt.date(2026, 8, 31))
        sow = factories.SOWFactory(
            vendor=vendor,
            parent=msa,
            start_date=dt.date(2024, 1, 1),
            initial_term_end=dt.date(2025, 12, 31),
            renewal_type=RenewalType.TACIT,
            notice_period_days=120 + n,
        )
        first, second = factories.ServiceLevelFactory.create_batch(2, contract=sow)
        breach(first, severity=BreachSeverity.HIGH, opened_days_ago=n)
        breach(second, kind=BreachKind.NOT_REPORTED, severity=BreachSeverity.LOW, opened_days_ago=40)
        scorecard(vendor, "60", "red", month_no=4)
        scorecard(vendor, "88", "green", month_no=5)
        Measurement.objects.create(
            service_level=first, measured_on=TODAY, value=Decimal("99.9"), submitted_by=vendor_user
        )
        for side in Side.values:
            ActionItemFactory(vendor=vendor, owner_side=side, due_on=TODAY - dt.timedelta(days=n + 1))
        ReviewFactory(vendor=vendor, due_on=TODAY + dt.timedelta(days=n))


@pytest.mark.parametrize("vendor_count", [3, 12])
def test_dashboard_query_count_does_not_grow_with_the_portfolio(
    client_for, manager, vendor_count, django_assert_num_queries
):
    rich_portfolio(vendor_count, owner=manager)
    client = client_for(manager)

    # 1 session, 2 user, 3 overdue action items by side, 4 reviews due, 5 open breaches by severity, age
    # and missing report, 6 figures awaiting validation, 7 contracts in force with their vendors and
    # owners, 8 the vendor count for the paginator, 9 vendors with owners, standing and counts, 10 their
    # categories, 11 owners and 12 categories offered by the filter form
    with django_assert_num_queries(12):
        response = client.get(HOME)

    summary = response.context["summary"]
    assert len(response.context["page_obj"]) == vendor_count
    assert summary.breaches.total == 2 * vendor_count and summary.breaches.missing_reports == vendor_count
    assert summary.awaiting_validation == vendor_count
    assert len(summary.upcoming_contracts) == 2 * vendor_count
    governance = response.context["governance_tiles"]
    assert governance["actions"]["count"] == 2 * vendor_count
    assert governance["reviews"]["count"] == vendor_count


@pytest.mark.parametrize("vendor_count", [3, 12])
def test_filtered_table_query_count_does_not_grow(
    client_for, manager, vendor_count, django_assert_num_queries
):
    rich_portfolio(vendor_count, owner=manager)
    category = factories.ServiceCategoryFactory(name="Application support")
    client = client_for(manager)
    params = {"owner": manager.pk, "category": category.pk, "standing": "green", "sort": "-score"}
    headers = {"HX-Request": "true", "HX-Target": "portfolio-table"}

    # 1 session, 2 user, 3 the owner and 4 the category the filters name, 5 overdue action items and
    # 6 reviews due of the filtered vendors (the governance tiles follow the filters), 7 the paginator's
    # count, 8 vendors, 9 their categories, 10 owners and 11 categories offered by the form
    with django_assert_num_queries(11):
        response = client.get(HOME, params, headers=headers)

    assert len(response.context["page_obj"]) == vendor_count
    assert response.context["governance_tiles"]["actions"]["count"] == 2 * vendor_count


def test_each_tile_number_is_the_length_of_the_list_it_links_to(manager):
    """The tiles count with the breach list's and the validation queue's own filters."""
    rich_portfolio(4, owner=manager)
    sl = factories.ServiceLevelFactory()
    for month_no, days in enumerate((0, 7, 8, 30, 31, 90), start=1):
        breach(sl, month_no=month_no, opened_days_ago=days, severity=BreachSeverity.MEDIUM)
    now = timezone.now()

    summary = dashboard_summary_for_user(user=manager, now=now)

    def listed(**filters):
        return breach_list_for_user(user=manager, status="open", now=now, **filters).count()

    assert summary.breaches.total == listed()
    for severity, count in summary.breaches.by_severity.items():
        assert count == listed(severity=severity), severity
    for age, count in summary.breaches.by_age.items():
        assert count == listed(age=age), age
    assert summary.breaches.missing_reports == listed(kind=BreachKind.NOT_REPORTED)
    assert summary.awaiting_validation == validation_queue_for_user(user=manager).count() == 4
