"""The vendor's home page: figures due with their deadlines, breaches waiting for a response, the
month's progress update, its scorecards and contracts — its own only, in a fixed number of queries."""

import datetime as dt
import re
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from contracts.models import ContractStatus
from governance.models import ProgressUpdate
from kpis.models import Breach, BreachNote, BreachNoteKind, BreachStatus, MeasurementPeriod, Metric, Scorecard
from portal.selectors.vendor_home import reports_due_for_user
from tests import factories
from tests.test_isolation import internal_leaks

pytestmark = pytest.mark.django_db

HOME = reverse("vendor_portal:home")
NOW = dt.datetime(2026, 6, 3, 12, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _early_june():
    with time_machine.travel(NOW, tick=False):
        yield


def breach(service_level, status=BreachStatus.OPEN, month=3, **fields):
    start = dt.date(2026, month, 1)
    return Breach.objects.create(
        service_level=service_level,
        period_start=start,
        period_end=start.replace(day=28),
        kind="missed_target",
        severity="medium",
        status=status,
        response_due_at=dt.datetime(2026, 6, 10, 15, 0, tzinfo=dt.UTC),
        closed_at=None if status in ("open", "acknowledged", "action_planned") else NOW,
        **fields,
    )


def scorecard(vendor, month):
    start = dt.date(2026, month, 1)
    return Scorecard.objects.create(
        vendor=vendor,
        period_start=start,
        period_end=start.replace(day=28),
        score=Decimal("91.5"),
        rag="green",
    )


def test_figures_due_list_each_open_period_with_its_deadline(client_for, portfolio, vendor_a_user):
    service_level = portfolio.a.service_level  # monthly, five days' grace
    factories.MeasurementFactory(service_level=service_level, measured_on=dt.date(2026, 5, 20))
    factories.MeasurementFactory(service_level=service_level, measured_on=dt.date(2026, 5, 21))
    factories.MeasurementFactory(service_level=service_level, measured_on=dt.date(2026, 6, 1))

    response = client_for(vendor_a_user).get(HOME)

    due = [
        (r.service_level, r.period_start, r.deadline, r.is_running, r.figures)
        for r in response.context["reports_due"]
    ]
    assert due == [
        (service_level, dt.date(2026, 5, 1), dt.date(2026, 6, 5), False, 2),
        (service_level, dt.date(2026, 6, 1), dt.date(2026, 7, 5), True, 1),
    ]
    page = response.content.decode()
    assert "Fri 5 Jun 2026" in page and "Sun 5 Jul 2026" in page
    assert [r.period_start for r in response.context["unreported"]] == []
    assert "Deadlines are in the portal's time zone (UTC)" in page


def test_an_unreported_period_is_flagged_until_it_closes(client_for, portfolio, vendor_a_user):
    service_level = portfolio.a.service_level

    page = client_for(vendor_a_user).get(HOME).content.decode()
    assert re.search(r'due-summary__count">1</span>\s*ended period without figures', page)

    [may, june] = reports_due_for_user(user=vendor_a_user, vendor=portfolio.a.vendor)
    assert may.period_start == dt.date(2026, 5, 1) and may.figures == 0 and may.closes_soon
    assert june.figures == 0 and not june.closes_soon

    closed = dt.datetime(2026, 6, 6, 0, 0, tzinfo=dt.UTC)  # local midnight after the last day of grace
    [only] = reports_due_for_user(user=vendor_a_user, vendor=portfolio.a.vendor, now=closed)
    assert only.period_start == dt.date(2026, 6, 1) and only.service_level == service_level


def test_weekly_service_levels_list_every_week_still_in_grace(portfolio, vendor_a_user):
    weekly = factories.ServiceLevelFactory(
        contract=portfolio.a.sow,
        period=MeasurementPeriod.WEEKLY,
        grace_days=10,
        effective_from=dt.date(2026, 1, 1),
    )
    due = [
        r
        for r in reports_due_for_user(user=vendor_a_user, vendor=portfolio.a.vendor)
        if r.service_level == weekly
    ]

    # 3 June is a Wednesday: the running week, and the two before it are still within ten days' grace.
    assert [(r.period_start, r.deadline) for r in due] == [
        (dt.date(2026, 5, 18), dt.date(2026, 6, 3)),
        (dt.date(2026, 5, 25), dt.date(2026, 6, 10)),
        (dt.date(2026, 6, 1), dt.date(2026, 6, 17)),
    ]


def test_only_active_service_levels_of_contracts_in_force_are_due(portfolio, vendor_a_user):
    draft = factories.SOWFactory(
        vendor=portfolio.a.vendor, parent=portfolio.a.msa, status=ContractStatus.DRAFT
    )
    factories.ServiceLevelFactory(contract=draft)
    factories.ServiceLevelFactory(contract=portfolio.a.sow, is_active=False)
    factories.ServiceLevelFactory(contract=portfolio.a.sow, effective_from=dt.date(2026, 7, 1))

    due = reports_due_for_user(user=vendor_a_user, vendor=portfolio.a.vendor)

    assert {r.service_level for r in due} == {portfolio.a.service_level}


def test_breaches_waiting_for_a_response(client_for, portfolio, vendor_a_user, manager):
    service_level = portfolio.a.service_level
    not_acknowledged = breach(service_level, month=1)
    more_info = breach(service_level, status=BreachStatus.ACKNOWLEDGED, month=2)
    BreachNote.objects.create(
        breach=more_info, author=vendor_a_user, kind=BreachNoteKind.ACKNOWLEDGEMENT, body="Ok"
    )
    BreachNote.objects.create(
        breach=more_info, author=manager, kind=BreachNoteKind.MORE_INFO_REQUESTED, body="Why?"
    )
    breach(service_level, status=BreachStatus.ACTION_PLANNED, month=3)
    breach(service_level, status=BreachStatus.RESOLVED, month=4)
    breach(portfolio.b.service_level, month=1)

    response = client_for(vendor_a_user).get(HOME)

    assert response.context["breaches_awaiting_response"] == [not_acknowledged, more_info]
    page = response.content.decode()
    assert "Not acknowledged yet" in page and "More information requested" in page
    assert "10 Jun 2026 15:00" in page
    assert f"/breaches/{not_acknowledged.pk}/" in page


def test_overdue_responses_are_marked(client_for, portfolio, vendor_a_user):
    late = breach(portfolio.a.service_level)
    Breach.objects.filter(pk=late.pk).update(response_due_at=dt.datetime(2026, 6, 1, 17, 0, tzinfo=dt.UTC))

    assert "Overdue" in client_for(vendor_a_user).get(HOME).content.decode()


def test_the_months_progress_update(client_for, portfolio, vendor_a_user):
    client = client_for(vendor_a_user)
    page = client.get(HOME).content.decode()
    assert "Progress update for June 2026" in page and reverse("vendor_portal:progress_create") in page

    update = ProgressUpdate.objects.create(
        vendor=portfolio.a.vendor,
        period_start=dt.date(2026, 6, 1),
        rag="amber",
        summary="x",
        submitted_by=vendor_a_user,
    )
    page = client.get(HOME).content.decode()
    assert reverse("vendor_portal:progress_edit", args=[update.pk]) in page and "Amber" in page


def test_scorecards_contracts_and_the_vendor_page_are_linked(client_for, portfolio, vendor_a_user):
    card = scorecard(portfolio.a.vendor, 5)
    scorecard(portfolio.b.vendor, 5)

    response = client_for(vendor_a_user).get(HOME)

    assert response.context["scorecards"] == [card]
    page = response.content.decode()
    assert f"/scorecards/{card.pk}/" in page and "May 2026" in page and "91.5" in page
    assert reverse("vendors:detail", args=[portfolio.a.vendor.pk]) in page
    assert portfolio.a.msa.reference in page and portfolio.a.sow.reference in page
    assert "Action items assigned to" in page and "Reviews waiting for you" in page


def test_the_page_shows_nothing_internal_and_nothing_of_another_vendor(client_for, portfolio, vendor_a_user):
    breach(portfolio.b.service_level)
    scorecard(portfolio.b.vendor, 5)
    ProgressUpdate.objects.create(
        vendor=portfolio.b.vendor, period_start=dt.date(2026, 6, 1), rag="red", summary="b"
    )

    response = client_for(vendor_a_user).get(HOME)

    assert internal_leaks(response) == []
    page = response.content.decode()
    assert portfolio.b.vendor.name not in page and portfolio.b.sow.reference not in page
    assert "Internal" not in page


def test_internal_users_go_to_the_portfolio_and_anonymous_to_sign_in(client, client_for, manager):
    response = client_for(manager).get(HOME)
    assert response.status_code == 302 and response.url == reverse("portal:home")

    response = client.get(HOME)
    assert response.status_code == 302 and response.url.startswith(reverse("accounts:login"))


def test_query_count_does_not_grow_with_the_vendors_data(client_for, portfolio, vendor_a_user):
    client = client_for(vendor_a_user)
    vendor = portfolio.a.vendor

    def queries():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(HOME).status_code == 200
        return len(ctx.captured_queries)

    breach(portfolio.a.service_level, month=1)
    scorecard(vendor, 1)
    few = queries()

    for n in range(4):
        sow = factories.SOWFactory(vendor=vendor, parent=portfolio.a.msa)
        metric = Metric.objects.create(
            code=f"m-{n}", name=f"Metric {n}", unit="%", direction="higher", category="quality"
        )
        service_level = factories.ServiceLevelFactory(
            contract=sow, metric=metric, period=MeasurementPeriod.WEEKLY
        )
        factories.MeasurementFactory(service_level=service_level, measured_on=dt.date(2026, 6, 1))
        breach(service_level, month=2)
        BreachNote.objects.create(breach=breach(service_level, month=3), kind="more_info", body="More")
        scorecard(vendor, n + 2)
    assert queries() == few
