"""Four-eyes on figures: neither side moves a result, a breach or a credit alone.

A figure counts once the other side has validated it, or once it has stood FIGURES_COUNT_AFTER_DAYS
without a dispute; a vendor's correction of a counting figure is a request a manager decides; a
disputed figure does not count and leaves its period provisional. Credits by hand: 100,000 a month,
12% at risk, allocation 50% → 6,000 for a failed month.
"""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from accounts.models import AuditEvent
from api.models import TokenScope
from kpis import services
from kpis.engine import run_evaluation
from kpis.models import (
    Breach,
    BreachKind,
    BreachStatus,
    FiguresBasis,
    Measurement,
    MeasurementStatus,
    Outcome,
    PendingEvaluation,
    Scorecard,
    ServiceCredit,
    ServiceLevelKind,
)
from tests.factories import SOWFactory
from tests.test_api import api
from tests.test_engine import JAN, D, at, make_sl, result

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _utc(settings):
    settings.TIME_ZONE = "UTC"


@pytest.fixture
def sl(vendor_a):
    contract = SOWFactory(vendor=vendor_a, monthly_charge=D("100000.00"), at_risk_percent=D("12.00"))
    return make_sl(target=99.5, minimum=98, kind=ServiceLevelKind.CSL, allocation=50, contract=contract)


def submit(sl, actor, value, *, now, day=date(2026, 1, 20)):
    return services.measurement_submit(service_level=sl, measured_on=day, value=value, actor=actor, now=now)


def ledger(sl):
    return ServiceCredit.objects.get(contract=sl.contract, period_start=JAN).amount


@pytest.fixture
def validated_breach(sl, vendor_a_user, manager):
    """The review's start: a vendor figure a manager validated misses the minimum; a breach opens."""
    figure = submit(sl, vendor_a_user, "97", now=at(2026, 1, 21))
    services.measurement_review(
        measurements=[figure], actor=manager, decision="validate", now=at(2026, 1, 22)
    )
    run_evaluation(now=at(2026, 2, 10))
    jan = result(sl, JAN)
    assert (jan.outcome, jan.credit_amount, jan.figures_basis) == (
        Outcome.BREACHED,
        D("6000.00"),
        FiguresBasis.VALIDATED,
    )
    breach = Breach.objects.get(service_level=sl)
    assert (breach.kind, breach.status) == (BreachKind.MISSED_TARGET, BreachStatus.OPEN)
    assert ledger(sl) == D("6000.00")
    figure.refresh_from_db()
    return figure, breach


def request_correction(figure, vendor_a_user):
    request = services.measurement_correct(
        measurement=figure,
        value="99.8",
        reason="Outage was planned maintenance",
        actor=vendor_a_user,
        now=at(2026, 2, 11),
    )
    run_evaluation(now=at(2026, 2, 12))
    return request


def test_vendor_correction_of_a_validated_figure_waits_and_a_rejection_keeps_the_breach(
    sl, validated_breach, vendor_a_user, manager
):
    figure, breach = validated_breach

    request = request_correction(figure, vendor_a_user)

    # The correction is a request: the validated figure stays current and keeps counting.
    figure.refresh_from_db()
    assert figure.is_current and figure.status == MeasurementStatus.VALIDATED
    assert (request.status, request.is_current, request.corrects, request.supersedes) == (
        MeasurementStatus.REQUESTED,
        False,
        figure,
        None,
    )
    jan = result(sl, JAN)
    assert (jan.attained, jan.outcome, jan.credit_amount) == (D("97"), Outcome.BREACHED, D("6000.00"))
    assert (jan.figures_basis, jan.provisional) == (FiguresBasis.PENDING, True)
    breach.refresh_from_db()
    assert breach.status == BreachStatus.OPEN
    assert ledger(sl) == D("6000.00")

    services.correction_request_decide(
        request=request, actor=manager, accept=False, reason="Maintenance was not agreed", now=at(2026, 2, 13)
    )
    assert PendingEvaluation.objects.filter(service_level=sl, period_start=JAN).exists()
    run_evaluation(now=at(2026, 2, 14))

    request.refresh_from_db()
    assert (request.status, request.is_current, request.review_reason) == (
        MeasurementStatus.REJECTED,
        False,
        "Maintenance was not agreed",
    )
    jan = result(sl, JAN)
    assert (jan.attained, jan.outcome, jan.credit_amount, jan.figures_basis) == (
        D("97"),
        Outcome.BREACHED,
        D("6000.00"),
        FiguresBasis.VALIDATED,
    )
    breach.refresh_from_db()
    assert breach.status == BreachStatus.OPEN
    assert ledger(sl) == D("6000.00")
    event = AuditEvent.objects.get(action="kpis.measurement.correction_rejected")
    assert (event.actor, event.object_id, event.note) == (
        manager,
        str(request.pk),
        "Maintenance was not agreed",
    )


def test_an_accepted_correction_clears_the_breach_by_corrected_data(
    sl, validated_breach, vendor_a_user, manager
):
    figure, breach = validated_breach
    request = request_correction(figure, vendor_a_user)

    services.correction_request_decide(request=request, actor=manager, accept=True, now=at(2026, 2, 13))
    run = run_evaluation(now=at(2026, 2, 14))

    figure.refresh_from_db()
    request.refresh_from_db()
    assert not figure.is_current
    assert (request.status, request.is_current, request.supersedes, request.reviewed_by) == (
        MeasurementStatus.VALIDATED,
        True,
        figure,
        manager,
    )
    jan = result(sl, JAN)
    assert (jan.attained, jan.outcome, jan.credit_amount, jan.figures_basis) == (
        D("99.8"),
        Outcome.MET,
        D("0.00"),
        FiguresBasis.VALIDATED,
    )
    assert run.breaches_cleared == 1
    breach.refresh_from_db()
    assert breach.status == BreachStatus.CLEARED
    assert breach.closure_reason.startswith("Cleared by corrected data")
    assert ledger(sl) == D("0.00")
    assert (
        AuditEvent.objects.filter(action="kpis.measurement.correction_accepted", actor=manager).count() == 1
    )


def test_vendor_dispute_of_a_manager_figure_makes_the_period_provisional(sl, manager, vendor_a_user):
    figure = submit(sl, manager, "97", now=at(2026, 1, 21))
    assert figure.entered_by_client
    run_evaluation(now=at(2026, 2, 10))
    breach = Breach.objects.get(service_level=sl)
    assert result(sl, JAN).credit_amount == D("6000.00")

    dispute = services.measurement_dispute(
        measurement=figure, actor=vendor_a_user, reason="Our monitoring shows 99.9", now=at(2026, 2, 11)
    )
    run_evaluation(now=at(2026, 2, 12))

    # The disputed figure does not count; nothing else counts either, yet the period is neither
    # "not reported" nor cleared, and the credit stands until the dispute is decided.
    jan = result(sl, JAN)
    assert (jan.sample_count, jan.outcome, jan.figures_basis, jan.provisional) == (
        0,
        Outcome.MISSING,
        FiguresBasis.DISPUTED,
        True,
    )
    assert jan.credit_amount == D("6000.00")
    breach.refresh_from_db()
    assert (breach.kind, breach.status) == (BreachKind.MISSED_TARGET, BreachStatus.OPEN)
    assert ledger(sl) == D("6000.00")

    services.dispute_resolve(
        dispute=dispute,
        actor=manager,
        upheld=False,
        resolution="Our probe is authoritative",
        now=at(2026, 2, 13),
    )
    run_evaluation(now=at(2026, 2, 14))

    jan = result(sl, JAN)
    assert (jan.sample_count, jan.outcome, jan.figures_basis, jan.credit_amount) == (
        1,
        Outcome.BREACHED,
        FiguresBasis.VALIDATED,
        D("6000.00"),
    )


def test_an_upheld_dispute_keeps_the_figure_out_until_it_is_corrected(sl, manager, vendor_a_user):
    figure = submit(sl, manager, "97", now=at(2026, 1, 21))
    dispute = services.measurement_dispute(measurement=figure, actor=vendor_a_user, reason="Wrong probe")
    services.dispute_resolve(dispute=dispute, actor=manager, upheld=True, resolution="Agreed, wrong probe")

    run_evaluation(now=at(2026, 2, 10))

    figure.refresh_from_db()
    assert figure.status == MeasurementStatus.DISPUTED
    jan = result(sl, JAN)
    assert (jan.sample_count, jan.outcome, jan.figures_basis, jan.credit_amount) == (
        0,
        Outcome.MISSING,
        FiguresBasis.DISPUTED,
        D("0.00"),
    )
    # Figures were reported: a provisional period opens no "not reported" breach.
    assert not Breach.objects.exists()


def test_a_figure_a_manager_disputes_does_not_count(sl, manager, vendor_a_user):
    good = submit(sl, vendor_a_user, "99.8", now=at(2026, 1, 21))
    bad = submit(sl, vendor_a_user, "90", now=at(2026, 1, 21), day=date(2026, 1, 21))
    services.measurement_review(measurements=[good], actor=manager, decision="validate")
    services.measurement_review(
        measurements=[bad], actor=manager, decision="dispute", reason="Impossible value"
    )

    run_evaluation(now=at(2026, 2, 10))

    jan = result(sl, JAN)
    # Only 99.8 counts; the period is met but provisional, so no breach is opened or cleared on it.
    assert (jan.attained, jan.sample_count, jan.outcome, jan.figures_basis) == (
        D("99.8"),
        1,
        Outcome.MET,
        FiguresBasis.DISPUTED,
    )


def test_figures_count_after_standing_the_configured_days(settings, sl, vendor_a_user, manager):
    settings.FIGURES_COUNT_AFTER_DAYS = 7
    submit(sl, vendor_a_user, "97", now=at(2026, 1, 31))

    # January closes on 6 February; the vendor's figure of 31 January counts from 7 February 12:00.
    run_evaluation(now=at(2026, 2, 6))
    jan = result(sl, JAN)
    assert (jan.sample_count, jan.outcome, jan.figures_basis, jan.credit_amount) == (
        0,
        Outcome.MISSING,
        FiguresBasis.PENDING,
        D("0.00"),
    )
    assert not Breach.objects.exists()

    # No queued re-evaluation is needed: a provisional period is looked at again on every run.
    assert not PendingEvaluation.objects.exists()
    run_evaluation(now=at(2026, 2, 7, 12))
    jan = result(sl, JAN)
    assert (jan.sample_count, jan.outcome, jan.figures_basis, jan.credit_amount) == (
        1,
        Outcome.BREACHED,
        FiguresBasis.VALIDATED,
        D("6000.00"),
    )
    assert Breach.objects.get(service_level=sl).kind == BreachKind.MISSED_TARGET


def test_with_a_wait_a_manager_validation_counts_at_once_but_a_manager_figure_waits(
    settings, sl, vendor_a_user, manager
):
    settings.FIGURES_COUNT_AFTER_DAYS = 7
    vendor_figure = submit(sl, vendor_a_user, "99.8", now=at(2026, 2, 3))
    services.measurement_review(
        measurements=[vendor_figure], actor=manager, decision="validate", now=at(2026, 2, 4)
    )
    submit(sl, manager, "90", now=at(2026, 2, 5), day=date(2026, 1, 21))

    run_evaluation(now=at(2026, 2, 10))
    jan = result(sl, JAN)
    # The manager's 90 waits for the vendor (until 12 February); only the validated 99.8 counts.
    assert (jan.attained, jan.sample_count, jan.outcome, jan.figures_basis) == (
        D("99.8"),
        1,
        Outcome.MET,
        FiguresBasis.PENDING,
    )

    run_evaluation(now=at(2026, 2, 12, 12))
    jan = result(sl, JAN)
    # (99.8 + 90) / 2 = 94.9 < 98
    assert (jan.attained, jan.sample_count, jan.outcome, jan.figures_basis) == (
        D("94.9"),
        2,
        Outcome.BREACHED,
        FiguresBasis.VALIDATED,
    )


def test_with_a_wait_a_manager_correction_leaves_the_vendors_figure_standing_until_it_counts(
    settings, sl, vendor_a_user, manager
):
    settings.FIGURES_COUNT_AFTER_DAYS = 7
    vendor_figure = submit(sl, vendor_a_user, "99.8", now=at(2026, 2, 3))
    services.measurement_review(
        measurements=[vendor_figure], actor=manager, decision="validate", now=at(2026, 2, 4)
    )
    run_evaluation(now=at(2026, 2, 10))
    assert (result(sl, JAN).attained, result(sl, JAN).outcome) == (D("99.8"), Outcome.MET)

    correction = services.measurement_correct(
        measurement=vendor_figure,
        value="90",
        reason="Our monitoring saw the outage",
        actor=manager,
        now=at(2026, 2, 11),
    )
    run_evaluation(now=at(2026, 2, 12))

    # The manager's 90 waits for the vendor's eyes; the vendor's validated 99.8 stands meanwhile.
    jan = result(sl, JAN)
    assert correction.is_current and correction.supersedes == vendor_figure
    assert (jan.attained, jan.sample_count, jan.outcome, jan.figures_basis) == (
        D("99.8"),
        1,
        Outcome.MET,
        FiguresBasis.PENDING,
    )
    assert not Breach.objects.filter(service_level=sl).exists()

    # Once the vendor has let it stand seven days, the correction counts in its place.
    run_evaluation(now=at(2026, 2, 18, 12))
    jan = result(sl, JAN)
    assert (jan.attained, jan.sample_count, jan.outcome, jan.figures_basis) == (
        D("90"),
        1,
        Outcome.BREACHED,
        FiguresBasis.VALIDATED,
    )


def test_with_a_wait_a_vendor_figure_that_stood_is_corrected_only_by_request(settings, sl, vendor_a_user):
    settings.FIGURES_COUNT_AFTER_DAYS = 7
    figure = submit(sl, vendor_a_user, "97", now=at(2026, 1, 21))
    fresh = submit(sl, vendor_a_user, "98", now=at(2026, 2, 1), day=date(2026, 1, 22))

    stood = services.measurement_correct(
        measurement=figure, value="99", reason="Recount", actor=vendor_a_user, now=at(2026, 2, 2)
    )
    direct = services.measurement_correct(
        measurement=fresh, value="99", reason="Recount", actor=vendor_a_user, now=at(2026, 2, 2)
    )

    assert (stood.status, stood.is_current) == (MeasurementStatus.REQUESTED, False)
    assert (direct.status, direct.is_current, direct.supersedes) == (MeasurementStatus.SUBMITTED, True, fresh)


def test_vendor_correction_of_its_own_unreviewed_figure_replaces_it(sl, vendor_a_user):
    figure = submit(sl, vendor_a_user, "97", now=at(2026, 1, 21))

    corrected = services.measurement_correct(
        measurement=figure, value="99", reason="Typo", actor=vendor_a_user, now=at(2026, 1, 22)
    )

    figure.refresh_from_db()
    assert not figure.is_current
    assert (corrected.status, corrected.is_current, corrected.supersedes) == (
        MeasurementStatus.SUBMITTED,
        True,
        figure,
    )


def test_one_open_request_per_figure_and_one_decision(sl, validated_breach, vendor_a_user, manager, viewer):
    figure, _ = validated_breach
    request = request_correction(figure, vendor_a_user)

    with pytest.raises(ValidationError, match="already waiting"):
        services.measurement_correct(measurement=figure, value="99.9", reason="Again", actor=vendor_a_user)
    for outsider in (vendor_a_user, viewer):
        with pytest.raises(PermissionDenied):
            services.correction_request_decide(request=request, actor=outsider, accept=True)
    with pytest.raises(ValidationError, match="Say why"):
        services.correction_request_decide(request=request, actor=manager, accept=False, reason=" ")

    services.correction_request_decide(request=request, actor=manager, accept=False, reason="No evidence")
    with pytest.raises(ValidationError, match="already been decided"):
        services.correction_request_decide(request=request, actor=manager, accept=True)
    figure.refresh_from_db()
    assert figure.is_current
    # Once decided, a new request may be made.
    again = services.measurement_correct(
        measurement=figure, value="99.9", reason="Evidence", actor=vendor_a_user
    )
    assert again.status == MeasurementStatus.REQUESTED
    assert Measurement.objects.filter(corrects=figure).count() == 2


def test_a_breach_cleared_earlier_reopens_when_its_figures_fail_again(sl, vendor_a_user, manager):
    figure = submit(sl, vendor_a_user, "97", now=at(2026, 1, 21))
    run_evaluation(now=at(2026, 2, 10))
    corrected = services.measurement_correct(
        measurement=figure, value="99.8", reason="Typo", actor=vendor_a_user, now=at(2026, 2, 11)
    )
    run_evaluation(now=at(2026, 2, 12))
    breach = Breach.objects.get(service_level=sl)
    assert breach.status == BreachStatus.CLEARED

    # The manager validates the correction, then corrects it back from the client's own records.
    services.measurement_review(measurements=[corrected], actor=manager, decision="validate")
    services.measurement_correct(
        measurement=corrected, value="97.5", reason="Probe data", actor=manager, now=at(2026, 2, 13)
    )
    run_evaluation(now=at(2026, 2, 14))

    breach.refresh_from_db()
    assert (breach.status, breach.closed_at, breach.closure_reason) == (BreachStatus.OPEN, None, "")
    assert Breach.objects.filter(service_level=sl).count() == 1
    assert AuditEvent.objects.filter(action="kpis.breach.reassessed", object_id=str(breach.pk)).exists()


# ---- What both sides see ------------------------------------------------------------------------------


@pytest.fixture
def disputed_period(sl, manager, vendor_a_user):
    """A manager's failing figure, breached, then disputed by the vendor: a provisional period."""
    figure = submit(sl, manager, "97", now=at(2026, 1, 21))
    run_evaluation(now=at(2026, 2, 10))
    services.measurement_dispute(measurement=figure, actor=vendor_a_user, reason="Wrong probe")
    run_evaluation(now=at(2026, 2, 12))
    return Breach.objects.get(service_level=sl), result(sl, JAN)


@pytest.mark.parametrize("actor", ["manager", "vendor_a_user"])
def test_both_sides_see_the_provisional_result_on_the_pages(client_for, disputed_period, actor, request):
    breach, jan = disputed_period
    client = client_for(request.getfixturevalue(actor))

    breach_page = client.get(reverse("breaches:detail", args=[breach.pk])).content.decode()
    result_page = client.get(reverse("scorecards:result", args=[jan.pk])).content.decode()

    assert "Provisional: disputed figures" in breach_page
    assert "The result is provisional for both sides" in breach_page
    breach_list = client.get(reverse("breaches:list")).content.decode()
    assert "Provisional: disputed figures" in breach_list
    assert "Provisional: disputed figures" in result_page
    scorecard = Scorecard.objects.get(vendor=breach.service_level.contract.vendor, period_start=JAN)
    scorecard_page = client.get(reverse("scorecards:detail", args=[scorecard.pk])).content.decode()
    assert "Provisional: 1 result rests on figures awaiting review or disputed" in scorecard_page
    assert "Provisional: disputed figures" in scorecard_page


@pytest.mark.parametrize("actor", ["manager", "vendor_a_user"])
def test_the_api_says_what_results_and_breaches_rest_on(client_for, disputed_period, actor, request):
    breach, jan = disputed_period
    client = api(request.getfixturevalue(actor), TokenScope.READ)

    body = client.get(f"/api/v1/results/{jan.pk}/").json()
    assert (body["figures_basis"], body["provisional"]) == ("disputed", True)
    body = client.get(f"/api/v1/breaches/{breach.pk}/").json()
    assert (body["figures_basis"], body["provisional"], body["reported_late"]) == ("disputed", True, False)


def test_a_settled_result_is_not_provisional_in_the_api(client_for, validated_breach, manager, sl):
    _, breach = validated_breach
    client = api(manager, TokenScope.READ)

    body = client.get("/api/v1/breaches/").json()["results"][0]
    assert (body["id"], body["figures_basis"], body["provisional"]) == (breach.pk, "validated", False)
    body = client.get(f"/api/v1/results/{result(sl, JAN).pk}/").json()
    assert (body["figures_basis"], body["provisional"]) == ("validated", False)


def test_the_breach_page_shows_a_late_reported_failure_and_the_contract_rule(client_for, sl, manager):
    run_evaluation(now=at(2026, 2, 10))
    submit(sl, manager, "99.8", now=at(2026, 2, 12))
    run_evaluation(now=at(2026, 2, 13))
    breach = Breach.objects.get(service_level=sl)

    page = client_for(manager).get(reverse("breaches:detail", args=[breach.pk])).content.decode()

    assert "Reported late" in page
    assert "late figures do not clear a reporting failure" in page


def test_disputing_a_correction_reverts_it_and_reopens_the_breach_it_cleared(sl, vendor_a_user, manager):
    # With no wait (0 days) a vendor's correction of its own unreviewed figure counts at once.
    figure = submit(sl, vendor_a_user, "97", now=at(2026, 1, 21))
    run_evaluation(now=at(2026, 2, 10))
    corrected = services.measurement_correct(
        measurement=figure, value="99.8", reason="Typo", actor=vendor_a_user, now=at(2026, 2, 11)
    )
    run_evaluation(now=at(2026, 2, 12))
    breach = Breach.objects.get(service_level=sl)
    assert (breach.status, result(sl, JAN).credit_amount) == (BreachStatus.CLEARED, D("0.00"))

    services.measurement_review(
        measurements=[corrected], actor=manager, decision="dispute", reason="Not a typo", now=at(2026, 2, 13)
    )
    run_evaluation(now=at(2026, 2, 14))

    figure.refresh_from_db()
    corrected.refresh_from_db()
    assert figure.is_current
    assert (corrected.status, corrected.is_current, corrected.supersedes, corrected.corrects) == (
        MeasurementStatus.DISPUTED,
        False,
        None,
        figure,
    )
    jan = result(sl, JAN)
    assert (jan.attained, jan.outcome, jan.figures_basis, jan.credit_amount) == (
        D("97"),
        Outcome.BREACHED,
        FiguresBasis.VALIDATED,
        D("6000.00"),
    )
    breach.refresh_from_db()
    assert (breach.status, breach.closed_at) == (BreachStatus.OPEN, None)
    assert Breach.objects.filter(service_level=sl).count() == 1
    assert (
        AuditEvent.objects.filter(action="kpis.measurement.reinstated", object_id=str(figure.pk)).count() == 1
    )
    assert AuditEvent.objects.filter(action="kpis.breach.reassessed", object_id=str(breach.pk)).exists()
    assert ledger(sl) == D("6000.00")
