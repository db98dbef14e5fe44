"""The scorecard explanation on an engine-evaluated portfolio: contributions that add up to the stored
score, the drill-down to the figures (corrections and late figures included), and who sees what."""

import io
from datetime import date
from decimal import Decimal

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kpis import services
from kpis.engine import run_evaluation
from kpis.models import MetricCategory, Outcome, Scorecard, ServiceLevelKind, ServiceLevelResult
from kpis.selectors.scorecards import scorecard_explanation
from tests import factories
from tests.test_engine import at, make_sl, measure

pytestmark = pytest.mark.django_db

FIGURES = {Outcome.MET: "99.9", Outcome.WARNING: "99", Outcome.BREACHED: "90"}
JAN = date(2026, 1, 1)


@pytest.fixture(autouse=True)
def _utc(settings):
    settings.TIME_ZONE = "UTC"


def add_results(contract, plan):
    """Service levels on ``contract``: ``plan`` is [(category, weight, outcome)] for January 2026."""
    made = []
    for category, weight, outcome in plan:
        sl = make_sl(contract=contract, target="99.5", minimum="98", category=category, weight=weight)
        if outcome != Outcome.MISSING:
            measure(sl, date(2026, 1, 10), FIGURES[outcome])
        made.append(sl)
    return made


Q, D, R = MetricCategory.QUALITY, MetricCategory.DELIVERY, MetricCategory.RESPONSIVENESS
PLANS = {
    # Thirds everywhere: 100/3, 50/3 and 0 within quality; three categories sharing 85 weight points.
    "thirds": [
        (Q, 1, Outcome.MET),
        (Q, 1, Outcome.WARNING),
        (Q, 1, Outcome.BREACHED),
        (D, 7, Outcome.MET),
        (R, 3, Outcome.WARNING),
        (R, 4, Outcome.MISSING),
    ],
    "sevenths": [
        (Q, 3, Outcome.MET),
        (Q, 4, Outcome.WARNING),
        (D, 1, Outcome.BREACHED),
        (D, 6, Outcome.WARNING),
        (R, 11, Outcome.MET),
    ],
    "one category": [(R, 5, Outcome.MET), (R, 5, Outcome.WARNING), (R, 1, Outcome.BREACHED)],
    "all failed": [(Q, 2, Outcome.BREACHED), (D, 3, Outcome.MISSING)],
}


@pytest.fixture
def evaluated():
    """One vendor per plan, evaluated by the engine for January 2026."""
    vendors = {}
    for name, plan in PLANS.items():
        contract = factories.SOWFactory(vendor=factories.VendorFactory(name=f"Vendor {name}"))
        add_results(contract, plan)
        vendors[name] = contract.vendor
    run_evaluation(now=at(2026, 2, 10))
    return {name: Scorecard.objects.get(vendor=vendor, period_start=JAN) for name, vendor in vendors.items()}


@pytest.mark.parametrize("plan", list(PLANS))
def test_the_shown_contributions_add_up_to_the_stored_score(evaluated, plan):
    scorecard = evaluated[plan]
    explanation = scorecard_explanation(scorecard=scorecard)

    rows = [row for category in explanation.categories for row in category.results]
    assert len(rows) == len(PLANS[plan])
    assert explanation.total == scorecard.score
    assert sum(row.shown_contribution for row in rows) == scorecard.score
    assert sum(c.shown_contribution for c in explanation.categories) == scorecard.score
    for category in explanation.categories:
        assert category.shown_contribution == sum(row.shown_contribution for row in category.results)
        # Each shown figure is its exact contribution rounded up or down to the cent.
        for row in category.results:
            assert abs(row.shown_contribution - row.contribution) < Decimal("0.01")


def test_the_page_shows_every_result_and_the_sum_line(client_for, evaluated, manager):
    scorecard = evaluated["thirds"]
    response = client_for(manager).get(reverse("scorecards:detail", kwargs={"pk": scorecard.pk}))
    assert response.status_code == 200
    html = response.content.decode()
    explanation = scorecard_explanation(scorecard=scorecard)
    for category in explanation.categories:
        assert category.label in html
        for row in category.results:
            assert row.result.service_level.metric.name in html
            assert reverse("scorecards:result", kwargs={"pk": row.result.pk}) in html
    parts = " + ".join(f"{c.shown_contribution:.2f}" for c in explanation.categories)
    assert f"Sum:\n            {parts}" in html or parts in html
    assert f"= {scorecard.score:.2f}" in html
    assert "Not reported" in html and "Warning" in html
    assert "scheme has changed" not in html


def test_vendor_users_see_their_own_scorecard_with_the_same_numbers(client_for, evaluated):
    mine, theirs = evaluated["thirds"], evaluated["sevenths"]
    vendor_user = factories.VendorUserFactory(vendor=mine.vendor)
    client = client_for(vendor_user)

    page = client.get(reverse("scorecards:detail", kwargs={"pk": mine.pk}))
    assert page.status_code == 200
    assert f"= {mine.score:.2f}" in page.content.decode()

    assert client.get(reverse("scorecards:detail", kwargs={"pk": theirs.pk})).status_code == 404
    other_result = ServiceLevelResult.objects.filter(service_level__contract__vendor=theirs.vendor).first()
    assert client.get(reverse("scorecards:result", kwargs={"pk": other_result.pk})).status_code == 404

    listing = client.get(reverse("scorecards:list")).content.decode()
    assert reverse("scorecards:detail", kwargs={"pk": mine.pk}) in listing
    assert reverse("scorecards:detail", kwargs={"pk": theirs.pk}) not in listing
    assert "Vendor sevenths" not in listing


def test_the_drill_down_lists_the_figures_with_corrections_struck_through(client_for, manager, vendor_a):
    contract = factories.SOWFactory(vendor=vendor_a)
    sl = make_sl(contract=contract, target="99.5", minimum="98", kind=ServiceLevelKind.CSL, allocation="20")
    reporter = factories.VendorUserFactory(vendor=vendor_a, full_name="Rita Reporter")
    first = services.measurement_submit(
        service_level=sl, measured_on=date(2026, 1, 5), value="91", actor=reporter, now=at(2026, 1, 6)
    )
    services.measurement_correct(
        measurement=first,
        value="99.8",
        reason="Monitoring double-counted the outage.",
        actor=reporter,
        now=at(2026, 1, 7),
    )
    services.measurement_submit(
        service_level=sl, measured_on=date(2026, 1, 20), value="99.9", actor=reporter, now=at(2026, 2, 8)
    )
    run_evaluation(now=at(2026, 2, 10))
    result = ServiceLevelResult.objects.get(service_level=sl, period_start=JAN)
    url = reverse("scorecards:result", kwargs={"pk": result.pk})

    html = client_for(manager).get(url).content.decode()
    assert "<del>91%</del>" in html
    assert "Monitoring double-counted the outage." in html
    assert "Rita Reporter" in html
    assert html.count(">Late</span>") == 1  # the figure sent after the reporting deadline
    assert "Superseded" in html
    assert "Service credit" in html

    vendor_html = client_for(reporter).get(url).content.decode()
    assert "<del>91%</del>" in vendor_html and "Service credit" not in vendor_html


def test_the_explanation_page_runs_the_same_queries_whatever_the_number_of_results(client_for, manager):
    contract = factories.SOWFactory()
    add_results(contract, [(Q, 1, Outcome.MET), (D, 1, Outcome.WARNING)])
    run_evaluation(now=at(2026, 2, 10))
    scorecard = Scorecard.objects.get(vendor=contract.vendor, period_start=JAN)
    client = client_for(manager)
    url = reverse("scorecards:detail", kwargs={"pk": scorecard.pk})

    def count_queries():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    small = count_queries()
    add_results(
        contract, [(c, 2, o) for c in (Q, D, R) for o in (Outcome.MET, Outcome.BREACHED, Outcome.WARNING)]
    )
    run_evaluation(now=at(2026, 2, 10), full=True)
    assert sum(len(c.results) for c in scorecard_explanation(scorecard=scorecard).categories) == 11
    assert count_queries() == small


def test_the_scorecard_list_runs_the_same_queries_whatever_the_number_of_scorecards(client_for, manager):
    client = client_for(manager)

    def count_queries():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("scorecards:list")).status_code == 200
        return len(queries)

    factories.ScorecardFactory()
    small = count_queries()
    for _ in range(12):
        factories.ScorecardFactory()
    assert count_queries() == small


def test_the_scorecard_export_keeps_scores_as_numbers(client_for, manager):
    factories.ScorecardFactory(
        vendor=factories.VendorFactory(name="=cmd|' /C calc'!A0"), score=Decimal("72.50")
    )
    response = client_for(manager).get(reverse("scorecards:export"), {"format": "xlsx"})
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert [c.value for c in sheet[1]][:3] == ["Vendor", "Month", "Score"]
    vendor, _month, score = (c.value for c in sheet[2][:3])
    assert vendor == "'=cmd|' /C calc'!A0"
    assert score == 72.5 and isinstance(score, float | int | Decimal)
