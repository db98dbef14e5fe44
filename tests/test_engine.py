"""The KPI/SLA engine against hand-computed expectations: aggregation, outcomes, breaches, runs.

Every expected figure below was worked out by hand from the measurements the test writes.
The helpers at the top are shared with the other engine test modules.
"""

import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from accounts.models import AuditEvent
from kpis import services
from kpis.engine import run_evaluation
from kpis.models import (
    Aggregation,
    Breach,
    BreachKind,
    BreachSeverity,
    BreachStatus,
    Direction,
    EvaluationRun,
    Measurement,
    MeasurementPeriod,
    MetricCategory,
    Outcome,
    PendingEvaluation,
    Scorecard,
    ServiceCredit,
    ServiceLevelKind,
    ServiceLevelResult,
)
from kpis.models.results import RunStatus
from kpis.scoring import active_scheme
from tests.factories import MetricFactory, ServiceLevelFactory, SOWFactory, VendorFactory

JAN = date(2026, 1, 1)
FEB = date(2026, 2, 1)


def D(value) -> Decimal:
    return Decimal(str(value))


def at(year, month, day, hour=12, minute=0, second=0, microsecond=0) -> datetime:
    return datetime(year, month, day, hour, minute, second, microsecond, tzinfo=UTC)


def make_sl(
    *,
    target,
    minimum,
    aggregation=Aggregation.AVG,
    direction=Direction.HIGHER,
    period=MeasurementPeriod.MONTHLY,
    kind=ServiceLevelKind.KPI,
    grace_days=5,
    effective_from=JAN,
    effective_to=None,
    contract=None,
    category=MetricCategory.QUALITY,
    weight=10,
    allocation=0,
    unit="%",
):
    """A service level with its own metric (and its own vendor and contract unless given)."""
    metric = MetricFactory(aggregation=aggregation, direction=direction, category=category, unit=unit)
    return ServiceLevelFactory(
        contract=contract or SOWFactory(),
        metric=metric,
        kind=kind,
        target=D(target),
        minimum=D(minimum),
        period=period,
        grace_days=grace_days,
        effective_from=effective_from,
        effective_to=effective_to,
        weight=weight,
        credit_allocation_percent=D(allocation),
    )


def measure(sl, day, value, denominator=None) -> Measurement:
    return Measurement.objects.create(
        service_level=sl,
        measured_on=day,
        value=D(value),
        denominator=None if denominator is None else D(denominator),
    )


def result(sl, start) -> ServiceLevelResult:
    return ServiceLevelResult.objects.get(service_level=sl, period_start=start)


def snapshot() -> dict:
    """Every row the engine writes, with ids and timestamps, for before/after comparisons."""
    return {
        "results": list(ServiceLevelResult.objects.order_by("id").values()),
        "breaches": list(Breach.objects.order_by("id").values()),
        "credits": list(ServiceCredit.objects.order_by("id").values()),
        "scorecards": list(Scorecard.objects.order_by("id").values()),
        "audit": list(AuditEvent.objects.filter(action__startswith="kpis.breach.").order_by("id").values()),
    }


@pytest.fixture(autouse=True)
def _utc(settings):
    settings.TIME_ZONE = "UTC"


# Each case: aggregation, direction, figures (value or (value, denominator)) in January 2026,
# target, minimum, attained by hand, outcome.
AGGREGATION_CASES = [
    # (99.2 + 99.6 + 99.9) / 3 = 298.7 / 3 = 99.56666… → 99.5667 ≥ 99.5
    (Aggregation.AVG, Direction.HIGHER, [99.2, 99.6, 99.9], 99.5, 98, "99.5667", Outcome.MET),
    # (20 + 35 + 41) / 3 = 32: above the target 30, within the minimum 60
    (Aggregation.AVG, Direction.LOWER, [20, 35, 41], 30, 60, "32", Outcome.WARNING),
    # 3 + 4.5 + 2.25 = 9.75: below 10, above 9
    (Aggregation.SUM, Direction.HIGHER, [3, 4.5, 2.25], 10, 9, "9.75", Outcome.WARNING),
    # 1 + 2 + 3 = 6 > minimum 5
    (Aggregation.SUM, Direction.LOWER, [1, 2, 3], 2, 5, "6", Outcome.BREACHED),
    # min(97.5, 99.1, 98.8) = 97.5 < minimum 98
    (Aggregation.MIN, Direction.HIGHER, [97.5, 99.1, 98.8], 99, 98, "97.5", Outcome.BREACHED),
    # min(12, 7, 9) = 7 ≤ target 8
    (Aggregation.MIN, Direction.LOWER, [12, 7, 9], 8, 10, "7", Outcome.MET),
    # max(3, 4.25, 4) = 4.25: below 4.3, above 4.0
    (Aggregation.MAX, Direction.HIGHER, [3, 4.25, 4], 4.3, 4.0, "4.25", Outcome.WARNING),
    # max(12, 31, 18) = 31 > minimum 30
    (Aggregation.MAX, Direction.LOWER, [12, 31, 18], 15, 30, "31", Outcome.BREACHED),
    # four figures, whatever their values: 4 = target 4
    (Aggregation.COUNT, Direction.HIGHER, [0, 7, 1, 1], 4, 2, "4", Outcome.MET),
    # three figures: 3 is above the target 2, within the minimum 5
    (Aggregation.COUNT, Direction.LOWER, [5, 5, 5], 2, 5, "3", Outcome.WARNING),
    # sorted 90 95 96 97 98 99 99.5 100; rank 0.95 × 7 = 6.65 → 99.5 + 0.65 × (100 − 99.5) = 99.825
    (
        Aggregation.P95,
        Direction.HIGHER,
        [99, 90, 100, 95, 99.5, 96, 98, 97],
        99.9,
        99,
        "99.825",
        Outcome.WARNING,
    ),
    # sorted 5 7 9 10 12 14 15 20 40 60; rank 0.95 × 9 = 8.55 → 40 + 0.55 × (60 − 40) = 51
    (Aggregation.P95, Direction.LOWER, [60, 5, 12, 7, 40, 9, 15, 10, 14, 20], 15, 30, "51", Outcome.BREACHED),
    # 20 figures 1…20: rank 0.95 × 19 = 18.05 → 19 + 0.05 × (20 − 19) = 19.05
    (Aggregation.P95, Direction.LOWER, list(range(20, 0, -1)), 19.05, 25, "19.05", Outcome.MET),
    # one figure: the 95th percentile is the figure itself
    (Aggregation.P95, Direction.LOWER, [42], 30, 60, "42", Outcome.WARNING),
    # (470 + 188 + 95) × 100 / (500 + 200 + 100) = 75300 / 800 = 94.125
    (
        Aggregation.RATIO,
        Direction.HIGHER,
        [(470, 500), (188, 200), (95, 100)],
        95,
        90,
        "94.125",
        Outcome.WARNING,
    ),
    # (14 + 9) × 100 / (100 + 150) = 2300 / 250 = 9.2 > minimum 8
    (Aggregation.RATIO, Direction.LOWER, [(14, 100), (9, 150)], 5, 8, "9.2", Outcome.BREACHED),
    # 2 × 100 / 3 = 66.6666… → 66.6667
    (Aggregation.RATIO, Direction.HIGHER, [(1, 2), (1, 1)], 60, 50, "66.6667", Outcome.MET),
]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("aggregation", "direction", "figures", "target", "minimum", "attained", "outcome"),
    AGGREGATION_CASES,
    ids=[f"{c[0]}-{c[1]}-{c[6]}" for c in AGGREGATION_CASES],
)
def test_aggregation_and_outcome(aggregation, direction, figures, target, minimum, attained, outcome):
    sl = make_sl(aggregation=aggregation, direction=direction, target=target, minimum=minimum)
    for n, figure in enumerate(figures):
        value, denominator = figure if isinstance(figure, tuple) else (figure, None)
        measure(sl, JAN + timedelta(days=n), value, denominator)
    # Figures of the neighbouring periods never leak in.
    outside = 1 if aggregation == Aggregation.RATIO else None
    measure(sl, date(2025, 12, 31), 1, outside)
    measure(sl, FEB, 0, outside)

    run = run_evaluation(now=at(2026, 2, 10))

    assert run.status == RunStatus.SUCCEEDED
    assert run.periods_evaluated == 1
    jan = result(sl, JAN)
    assert jan.period_end == date(2026, 1, 31)
    assert jan.attained == D(attained)
    assert jan.sample_count == len(figures)
    assert (jan.target, jan.minimum) == (D(target), D(minimum))
    assert jan.outcome == outcome
    assert Breach.objects.filter(service_level=sl).count() == (outcome == Outcome.BREACHED)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("direction", "value", "outcome"),
    [
        (Direction.HIGHER, "99.5", Outcome.MET),
        (Direction.HIGHER, "99.4999", Outcome.WARNING),
        (Direction.HIGHER, "98", Outcome.WARNING),
        (Direction.HIGHER, "97.9999", Outcome.BREACHED),
        (Direction.LOWER, "30", Outcome.MET),
        (Direction.LOWER, "30.0001", Outcome.WARNING),
        (Direction.LOWER, "60", Outcome.WARNING),
        (Direction.LOWER, "60.0001", Outcome.BREACHED),
    ],
)
def test_exactly_on_target_is_met_and_exactly_on_minimum_is_warning(direction, value, outcome):
    target, minimum = ("99.5", "98") if direction == Direction.HIGHER else ("30", "60")
    sl = make_sl(direction=direction, target=target, minimum=minimum)
    measure(sl, date(2026, 1, 15), value)

    run_evaluation(now=at(2026, 2, 10))

    jan = result(sl, JAN)
    assert jan.attained == D(value)
    assert jan.outcome == outcome


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("kind", "severity"),
    [(ServiceLevelKind.KPI, BreachSeverity.LOW), (ServiceLevelKind.CSL, BreachSeverity.HIGH)],
)
def test_missing_period_opens_a_not_reported_breach(kind, severity):
    sl = make_sl(target=99.5, minimum=98, kind=kind, allocation=10 if kind == ServiceLevelKind.CSL else 0)

    run = run_evaluation(now=at(2026, 2, 10))

    jan = result(sl, JAN)
    assert (jan.outcome, jan.attained, jan.sample_count) == (Outcome.MISSING, None, 0)
    breach = Breach.objects.get(service_level=sl)
    assert (breach.period_start, breach.period_end) == (JAN, date(2026, 1, 31))
    assert (breach.kind, breach.severity, breach.status) == (
        BreachKind.NOT_REPORTED,
        severity,
        BreachStatus.OPEN,
    )
    assert breach.opened_at == at(2026, 2, 10)
    # Local date of the run + 5 days, at 17:00.
    assert breach.response_due_at == datetime(2026, 2, 15, 17, 0, tzinfo=UTC)
    assert breach.last_evaluation_run_id == run.pk
    assert run.breaches_opened == 1
    event = AuditEvent.objects.get(action="kpis.breach.opened")
    assert (event.object_type, event.object_id) == ("kpis.breach", str(breach.pk))
    assert event.vendor_id == sl.contract.vendor_id


@pytest.mark.django_db
def test_breached_kpi_opens_a_medium_missed_target_breach():
    sl = make_sl(target=99.5, minimum=98)
    measure(sl, date(2026, 1, 20), 97)

    run_evaluation(now=at(2026, 2, 10))

    breach = Breach.objects.get(service_level=sl)
    assert (breach.kind, breach.severity) == (BreachKind.MISSED_TARGET, BreachSeverity.MEDIUM)
    assert AuditEvent.objects.filter(action="kpis.breach.opened", object_id=str(breach.pk)).count() == 1


@pytest.mark.django_db
def test_period_within_its_grace_has_no_result_yet():
    sl = make_sl(target=99.5, minimum=98, grace_days=5)
    measure(sl, date(2026, 1, 20), 99.7)

    # January closes at local midnight after 31 January + 5 days: 2026-02-06 00:00.
    early = run_evaluation(now=at(2026, 2, 5, 23, 59, 59, 999999))
    assert early.periods_evaluated == 0
    assert not ServiceLevelResult.objects.exists()

    due = run_evaluation(now=at(2026, 2, 6, 0, 0))
    assert due.periods_evaluated == 1
    assert result(sl, JAN).outcome == Outcome.MET
    assert not ServiceLevelResult.objects.filter(period_start=FEB).exists()


@pytest.mark.django_db
def test_late_data_turns_missing_into_missed_target_where_the_contract_allows(manager):
    contract = SOWFactory(late_figures_clear_unreported=True)
    sl = make_sl(target=99.5, minimum=98, kind=ServiceLevelKind.CSL, allocation=50, contract=contract)
    run_evaluation(now=at(2026, 2, 10))
    breach = Breach.objects.get(service_level=sl)
    assert breach.kind == BreachKind.NOT_REPORTED

    late = services.measurement_submit(
        service_level=sl, measured_on=date(2026, 1, 20), value="97.25", actor=manager, now=at(2026, 2, 12)
    )

    assert late.is_late
    assert PendingEvaluation.objects.filter(service_level=sl, period_start=JAN).exists()
    run = run_evaluation(now=at(2026, 2, 13))
    assert run.periods_evaluated == 1
    assert not PendingEvaluation.objects.exists()
    jan = result(sl, JAN)
    assert (jan.outcome, jan.attained, jan.sample_count) == (Outcome.BREACHED, D("97.25"), 1)
    breach.refresh_from_db()
    assert (breach.kind, breach.status) == (BreachKind.MISSED_TARGET, BreachStatus.OPEN)
    assert breach.opened_at == at(2026, 2, 10)
    assert Breach.objects.filter(service_level=sl).count() == 1
    assert AuditEvent.objects.filter(action="kpis.breach.opened").count() == 1


@pytest.mark.django_db
def test_late_data_on_a_kpi_raises_the_severity_to_medium(manager):
    sl = make_sl(target=99.5, minimum=98)
    run_evaluation(now=at(2026, 2, 10))
    services.measurement_submit(
        service_level=sl, measured_on=date(2026, 1, 20), value="97", actor=manager, now=at(2026, 2, 12)
    )

    run_evaluation(now=at(2026, 2, 13))

    # By default the breach stays a reporting failure, marked reported late, and the late figure
    # that misses the minimum raises it to a missed KPI's severity.
    breach = Breach.objects.get(service_level=sl)
    assert (breach.kind, breach.severity, breach.reported_late) == (
        BreachKind.NOT_REPORTED,
        BreachSeverity.MEDIUM,
        True,
    )
    assert result(sl, JAN).outcome == Outcome.BREACHED


@pytest.mark.django_db
def test_late_data_that_meets_the_target_clears_the_breach_where_the_contract_allows(manager):
    sl = make_sl(target=99.5, minimum=98, contract=SOWFactory(late_figures_clear_unreported=True))
    run_evaluation(now=at(2026, 2, 10))

    services.measurement_submit(
        service_level=sl, measured_on=date(2026, 1, 31), value="99.8", actor=manager, now=at(2026, 2, 12)
    )
    run = run_evaluation(now=at(2026, 2, 13))

    assert run.breaches_cleared == 1
    assert result(sl, JAN).outcome == Outcome.MET
    breach = Breach.objects.get(service_level=sl)
    assert breach.status == BreachStatus.CLEARED
    assert breach.closure_reason.startswith("Cleared by corrected data")
    assert breach.closed_at == at(2026, 2, 13)
    assert AuditEvent.objects.filter(action="kpis.breach.cleared", object_id=str(breach.pk)).count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize(("late_value", "outcome"), [("99.8", Outcome.MET), ("97.25", Outcome.BREACHED)])
def test_by_default_a_late_figure_leaves_a_reporting_failure_with_its_credit(manager, late_value, outcome):
    contract = SOWFactory(monthly_charge=D("100000.00"), at_risk_percent=D("12.00"))
    sl = make_sl(target=99.5, minimum=98, kind=ServiceLevelKind.CSL, allocation=50, contract=contract)
    run_evaluation(now=at(2026, 2, 10))
    # Not reported: 100,000 × 12% × 50% × 100% = 6,000.
    assert result(sl, JAN).credit_amount == D("6000.00")
    breach = Breach.objects.get(service_level=sl)

    services.measurement_submit(
        service_level=sl, measured_on=date(2026, 1, 20), value=late_value, actor=manager, now=at(2026, 2, 12)
    )
    run_evaluation(now=at(2026, 2, 13))

    # The target test runs on the late figure, the breach stays a reporting failure and the
    # unreported period's credit stands.
    jan = result(sl, JAN)
    assert (jan.outcome, jan.attained, jan.factor_percent, jan.credit_amount) == (
        outcome,
        D(late_value),
        D("100"),
        D("6000.00"),
    )
    breach.refresh_from_db()
    assert (breach.kind, breach.status, breach.reported_late) == (
        BreachKind.NOT_REPORTED,
        BreachStatus.OPEN,
        True,
    )
    assert ServiceCredit.objects.get(contract=contract).amount == D("6000.00")
    event = AuditEvent.objects.get(action="kpis.breach.reassessed", object_id=str(breach.pk))
    # The attained value is written as the database writes decimals (99.8 or 99.8000).
    assert re.match(rf"Reported late: attained {re.escape(late_value)}0* \({outcome}\)", event.note)
    # Nothing more changes on later runs.
    again = run_evaluation(now=at(2026, 2, 14), full=True)
    assert (again.results_written, again.breaches_cleared) == (0, 0)
    assert AuditEvent.objects.filter(action="kpis.breach.reassessed").count() == 1


@pytest.mark.django_db
def test_correction_clears_the_breach_but_keeps_its_row(manager):
    sl = make_sl(target=99.5, minimum=98)
    wrong = measure(sl, date(2026, 1, 15), 95)
    measure(sl, date(2026, 1, 16), 99.8)
    run_evaluation(now=at(2026, 2, 10))
    # (95 + 99.8) / 2 = 97.4 < 98
    assert result(sl, JAN).attained == D("97.4")
    breach = Breach.objects.get(service_level=sl)

    corrected = services.measurement_correct(
        measurement=wrong,
        value="99.4",
        reason="Monitoring outage excluded",
        actor=manager,
        now=at(2026, 2, 11),
    )
    run = run_evaluation(now=at(2026, 2, 12))

    wrong.refresh_from_db()
    assert not wrong.is_current and corrected.is_current and corrected.supersedes == wrong
    jan = result(sl, JAN)
    # (99.4 + 99.8) / 2 = 99.6: the superseded 95 no longer counts.
    assert (jan.attained, jan.sample_count, jan.outcome) == (D("99.6"), 2, Outcome.MET)
    assert run.breaches_cleared == 1
    breach.refresh_from_db()
    assert breach.status == BreachStatus.CLEARED
    assert breach.closure_reason.startswith("Cleared by corrected data")
    assert breach.closed_at == at(2026, 2, 12)
    assert Breach.objects.filter(service_level=sl).count() == 1
    cleared = AuditEvent.objects.get(action="kpis.breach.cleared")
    assert cleared.object_id == str(breach.pk)
    assert cleared.note.startswith("Cleared by corrected data")

    # Clearing is not repeated by later runs.
    again = run_evaluation(now=at(2026, 2, 13), full=True)
    assert again.breaches_cleared == 0
    assert AuditEvent.objects.filter(action="kpis.breach.cleared").count() == 1


@pytest.mark.django_db
def test_a_correction_that_fails_again_reopens_the_cleared_breach(manager):
    sl = make_sl(target=99.5, minimum=98)
    first = measure(sl, date(2026, 1, 15), 95)
    run_evaluation(now=at(2026, 2, 10))
    second = services.measurement_correct(
        measurement=first, value="99.9", reason="Wrong export", actor=manager, now=at(2026, 2, 11)
    )
    run_evaluation(now=at(2026, 2, 12))
    assert Breach.objects.get().status == BreachStatus.CLEARED

    services.measurement_correct(
        measurement=second,
        value="96",
        reason="The export was right after all",
        actor=manager,
        now=at(2026, 2, 13),
    )
    run_evaluation(now=at(2026, 2, 14))

    breach = Breach.objects.get()
    assert (breach.status, breach.closed_at, breach.closure_reason) == (BreachStatus.OPEN, None, "")
    assert result(sl, JAN).outcome == Outcome.BREACHED


@pytest.mark.django_db
def test_target_change_mid_year_only_reaches_periods_starting_after_it(manager):
    sl = make_sl(target=99.5, minimum=98)
    for month in range(1, 7):
        measure(sl, date(2026, month, 10), 99)
    run_evaluation(now=at(2026, 7, 10))
    before = {r.period_start: r for r in ServiceLevelResult.objects.filter(service_level=sl)}
    assert len(before) == 6
    assert {r.outcome for r in before.values()} == {Outcome.WARNING}

    services.service_level_change_target(
        service_level=sl,
        target="98.5",
        minimum="97",
        effective_from=date(2026, 4, 15),
        actor=manager,
        now=at(2026, 4, 10),
    )
    run = run_evaluation(now=at(2026, 7, 11))

    # April started before the change took effect, so it keeps the old levels; May and June take the new.
    assert run.periods_evaluated == 2
    after = {r.period_start: r for r in ServiceLevelResult.objects.filter(service_level=sl)}
    for month in (1, 2, 3, 4):
        r = after[date(2026, month, 1)]
        assert (r.target, r.minimum, r.outcome) == (D("99.5"), D("98"), Outcome.WARNING)
        assert r.evaluated_at == at(2026, 7, 10)
    for month in (5, 6):
        r = after[date(2026, month, 1)]
        assert (r.target, r.minimum, r.outcome) == (D("98.5"), D("97"), Outcome.MET)
        assert r.evaluated_at == at(2026, 7, 11)
    # A full re-run judges every period the same way.
    run_evaluation(now=at(2026, 7, 12), full=True)
    assert {
        r.period_start: (r.target, r.outcome) for r in ServiceLevelResult.objects.filter(service_level=sl)
    } == {s: (r.target, r.outcome) for s, r in after.items()}


@pytest.mark.django_db
def test_weekly_service_level_evaluates_monday_to_sunday_weeks():
    sl = make_sl(target=99.5, minimum=98, period=MeasurementPeriod.WEEKLY, grace_days=2)
    # Week 29 Dec – 4 Jan (the service level starts on Thursday 1 January): (99 + 99.8) / 2 = 99.4
    measure(sl, date(2026, 1, 1), 99)
    measure(sl, date(2026, 1, 4), 99.8)
    # Week 5 – 11 Jan: (100 + 99.6) / 2 = 99.8
    measure(sl, date(2026, 1, 5), 100)
    measure(sl, date(2026, 1, 11), 99.6)
    # Week 12 – 18 Jan: nothing. Week 19 – 25 Jan is still open on the 21st.
    measure(sl, date(2026, 1, 19), 50)

    run_evaluation(now=at(2026, 1, 21))

    rows = list(
        ServiceLevelResult.objects.filter(service_level=sl)
        .order_by("period_start")
        .values_list("period_start", "period_end", "attained", "outcome")
    )
    assert rows == [
        (date(2025, 12, 29), date(2026, 1, 4), D("99.4"), Outcome.WARNING),
        (date(2026, 1, 5), date(2026, 1, 11), D("99.8"), Outcome.MET),
        (date(2026, 1, 12), date(2026, 1, 18), None, Outcome.MISSING),
    ]


@pytest.mark.django_db
def test_quarterly_service_level():
    sl = make_sl(
        aggregation=Aggregation.RATIO,
        target=95,
        minimum=90,
        period=MeasurementPeriod.QUARTERLY,
        grace_days=10,
    )
    measure(sl, date(2026, 1, 31), 180, 200)
    measure(sl, date(2026, 2, 28), 190, 200)
    measure(sl, date(2026, 3, 31), 185, 200)
    measure(sl, date(2026, 4, 1), 0, 200)

    # Q1 closes at midnight after 31 March + 10 days: 2026-04-11 00:00.
    assert run_evaluation(now=at(2026, 4, 10, 23, 59, 59, 999999)).periods_evaluated == 0
    run_evaluation(now=at(2026, 4, 11, 0, 0))

    q1 = result(sl, JAN)
    # (180 + 190 + 185) × 100 / 600 = 92.5
    assert (q1.period_end, q1.attained, q1.sample_count, q1.outcome) == (
        date(2026, 3, 31),
        D("92.5"),
        3,
        Outcome.WARNING,
    )


@pytest.mark.django_db
def test_leap_day_month():
    sl = make_sl(
        aggregation=Aggregation.SUM,
        direction=Direction.LOWER,
        target=5,
        minimum=10,
        grace_days=0,
        effective_from=date(2028, 1, 1),
        unit="count",
    )
    measure(sl, date(2028, 2, 1), 1)
    measure(sl, date(2028, 2, 28), 2)
    measure(sl, date(2028, 2, 29), 4)
    measure(sl, date(2028, 3, 1), 100)

    # One microsecond before March: only January (no figures) is closed.
    run_evaluation(now=at(2028, 2, 29, 23, 59, 59, 999999))
    assert list(ServiceLevelResult.objects.values_list("period_start", "outcome")) == [
        (date(2028, 1, 1), Outcome.MISSING)
    ]
    run_evaluation(now=at(2028, 3, 1, 0, 0))

    feb = result(sl, date(2028, 2, 1))
    # 1 + 2 + 4 = 7: above the target 5, within the minimum 10
    assert (feb.period_end, feb.attained, feb.sample_count, feb.outcome) == (
        date(2028, 2, 29),
        D("7"),
        3,
        Outcome.WARNING,
    )


@pytest.mark.django_db
def test_dst_month_in_london(settings):
    settings.TIME_ZONE = "Europe/London"
    sl = make_sl(
        target=99.5,
        minimum=98,
        grace_days=0,
        kind=ServiceLevelKind.CSL,
        allocation=50,
        effective_from=date(2026, 3, 1),
    )
    measure(sl, date(2026, 3, 29), 97)  # the day the clocks went forward
    measure(sl, date(2026, 3, 31), 98)

    # March closes at 2026-04-01 00:00 BST = 2026-03-31 23:00 UTC.
    early = run_evaluation(now=datetime(2026, 3, 31, 22, 59, 59, 999999, tzinfo=UTC))
    assert early.periods_evaluated == 0
    # Given in local time, as the management command's --as-of would be.
    run_evaluation(now=datetime(2026, 4, 1, 0, 0, tzinfo=ZoneInfo("Europe/London")))

    march = result(sl, date(2026, 3, 1))
    # (97 + 98) / 2 = 97.5 < 98
    assert (march.period_end, march.attained, march.outcome) == (
        date(2026, 3, 31),
        D("97.5"),
        Outcome.BREACHED,
    )
    breach = Breach.objects.get(service_level=sl)
    assert breach.severity == BreachSeverity.HIGH
    assert breach.opened_at == datetime(2026, 3, 31, 23, 0, tzinfo=UTC)
    assert Breach.objects.filter(opened_at__gte=datetime(2026, 3, 31, 23, 0, tzinfo=UTC)).exists()
    # The run's local date is 1 April: due 6 April 17:00 BST = 16:00 UTC.
    assert breach.response_due_at == datetime(2026, 4, 6, 16, 0, tzinfo=UTC)


@pytest.mark.django_db
def test_effective_to_and_inactive_service_levels_are_respected():
    ended = make_sl(target=99.5, minimum=98, effective_to=date(2026, 2, 15))
    inactive = make_sl(target=99.5, minimum=98)
    inactive.is_active = False
    inactive.save()

    run_evaluation(now=at(2026, 5, 10))

    # February overlaps the service level's life; March does not.
    assert list(
        ServiceLevelResult.objects.filter(service_level=ended)
        .order_by("period_start")
        .values_list("period_start")
    ) == [(JAN,), (FEB,)]
    assert not ServiceLevelResult.objects.filter(service_level=inactive).exists()


@pytest.mark.django_db
def test_service_level_starting_mid_month_is_judged_for_that_month():
    sl = make_sl(target=99.5, minimum=98, effective_from=date(2026, 1, 15))
    measure(sl, date(2026, 1, 20), 99.9)

    run_evaluation(now=at(2026, 2, 10))

    assert result(sl, JAN).outcome == Outcome.MET


def mixed_portfolio():
    """Two vendors, met/warning/breached/missing results, a CSL with credit and a weekly KPI."""
    contract = SOWFactory(at_risk_percent=D(12))
    availability = make_sl(
        contract=contract, target=99.5, minimum=98, kind=ServiceLevelKind.CSL, allocation=60
    )
    answer = make_sl(
        contract=contract,
        direction=Direction.LOWER,
        target=30,
        minimum=60,
        category=MetricCategory.RESPONSIVENESS,
    )
    weekly = make_sl(contract=contract, target=95, minimum=90, period=MeasurementPeriod.WEEKLY, weight=5)
    other = make_sl(aggregation=Aggregation.RATIO, target=95, minimum=90, category=MetricCategory.DELIVERY)
    for month, value in ((1, 97), (2, 99), (3, 100)):  # breached, warning, met
        measure(availability, date(2026, month, 5), value)
    for month, value in ((1, 20), (2, 40), (3, 61)):  # met, warning, breached
        measure(answer, date(2026, month, 6), value)
    for month in (1, 3):  # February is not reported
        measure(other, date(2026, month, 7), 90 + month, 100)
    for day in range(1, 90, 3):
        measure(weekly, JAN + timedelta(days=day), 90 + day % 10)
    return SimpleNamespace(availability=availability, answer=answer, weekly=weekly, other=other)


@pytest.mark.django_db
def test_full_rerun_changes_nothing():
    mixed_portfolio()
    first = run_evaluation(now=at(2026, 4, 10), full=True)
    assert first.results_written > 0 and first.breaches_opened > 0 and first.scorecards_written > 0
    before = snapshot()
    assert before["credits"] and before["scorecards"]

    runs = [run_evaluation(now=at(2026, 4, 10, hour), full=True) for hour in (18, 23)]

    assert snapshot() == before
    for run in runs:
        assert run.periods_evaluated == first.periods_evaluated
        assert (run.results_written, run.breaches_opened, run.breaches_cleared, run.scorecards_written) == (
            0,
            0,
            0,
            0,
        )


@pytest.mark.django_db
def test_incremental_run_with_nothing_new_evaluates_nothing():
    mixed_portfolio()
    run_evaluation(now=at(2026, 4, 10))
    before = snapshot()

    run = run_evaluation(now=at(2026, 4, 10, 18))

    assert run.status == RunStatus.SUCCEEDED
    assert (run.periods_evaluated, run.results_written, run.breaches_opened) == (0, 0, 0)
    assert snapshot() == before


@pytest.mark.django_db
def test_incremental_and_full_runs_agree():
    mixed_portfolio()
    run_evaluation(now=at(2026, 2, 10))
    run_evaluation(now=at(2026, 3, 10))
    run_evaluation(now=at(2026, 4, 10))
    incremental = {k: [_without_times(r) for r in v] for k, v in snapshot().items() if k != "audit"}

    ServiceLevelResult.objects.all().delete()
    Breach.objects.all().delete()
    ServiceCredit.objects.all().delete()
    Scorecard.objects.all().delete()
    run_evaluation(now=at(2026, 4, 10), full=True)
    full = {k: [_without_times(r) for r in v] for k, v in snapshot().items() if k != "audit"}

    def key(rows):
        return sorted(rows, key=repr)

    assert {k: key(v) for k, v in incremental.items()} == {k: key(v) for k, v in full.items()}


def _without_times(row: dict) -> dict:
    volatile = {"id", "evaluated_at", "opened_at", "response_due_at", "last_evaluation_run_id"}
    return {k: v for k, v in row.items() if k not in volatile}


@pytest.mark.django_db
def test_vendor_scope_and_since_limit_what_a_run_evaluates():
    one = make_sl(target=99.5, minimum=98)
    two = make_sl(target=99.5, minimum=98)

    run = run_evaluation(now=at(2026, 4, 10), full=True, vendor_ids=[one.contract.vendor_id], since=FEB)

    assert run.periods_evaluated == 2  # February and March of the first vendor
    assert set(ServiceLevelResult.objects.values_list("service_level_id", "period_start")) == {
        (one.pk, FEB),
        (one.pk, date(2026, 3, 1)),
    }
    assert not ServiceLevelResult.objects.filter(service_level=two).exists()


@pytest.mark.django_db
def test_failed_run_writes_nothing_and_the_next_run_completes(monkeypatch):
    sl = make_sl(target=99.5, minimum=98)
    measure(sl, date(2026, 1, 15), 97)
    monkeypatch.setattr(
        "kpis.engine.statements.upsert_scorecards", lambda: "SELECT no_such_column FROM no_such_table"
    )

    with pytest.raises(Exception, match="no_such"):
        run_evaluation(now=at(2026, 2, 10))

    failed = EvaluationRun.objects.get()
    assert failed.status == RunStatus.FAILED
    assert "no_such" in failed.error and failed.finished_at is not None
    assert not ServiceLevelResult.objects.exists()
    assert not Breach.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="kpis.breach.").exists()

    monkeypatch.undo()
    run = run_evaluation(now=at(2026, 2, 11))

    assert run.status == RunStatus.SUCCEEDED
    assert run.periods_evaluated == 1
    assert result(sl, JAN).outcome == Outcome.BREACHED
    assert Breach.objects.count() == 1
    assert Scorecard.objects.filter(vendor_id=sl.contract.vendor_id, period_start=JAN).exists()


def _portfolio(vendors: int, service_levels: int):
    categories = list(MetricCategory)
    metrics = [
        MetricFactory(
            aggregation=[
                Aggregation.AVG,
                Aggregation.RATIO,
                Aggregation.P95,
                Aggregation.SUM,
                Aggregation.MAX,
            ][i % 5],
            direction=Direction.HIGHER if i % 2 == 0 else Direction.LOWER,
            category=categories[i % 4],
        )
        for i in range(service_levels)
    ]
    for v in range(vendors):
        contract = SOWFactory(vendor=VendorFactory(), at_risk_percent=D(12))
        for i, metric in enumerate(metrics):
            is_csl = i % 2 == 0
            higher = metric.direction == Direction.HIGHER
            sl = ServiceLevelFactory(
                contract=contract,
                metric=metric,
                kind=ServiceLevelKind.CSL if is_csl else ServiceLevelKind.KPI,
                credit_allocation_percent=D(40) if is_csl else D(0),
                target=D(95) if higher else D(10),
                minimum=D(90) if higher else D(20),
                period=[MeasurementPeriod.MONTHLY, MeasurementPeriod.WEEKLY, MeasurementPeriod.QUARTERLY][
                    i % 3
                ],
            )
            for day in range(0, 90, 4 + v % 3):
                ratio = metric.aggregation == Aggregation.RATIO
                measure(
                    sl,
                    JAN + timedelta(days=day),
                    (80 + (day + v) % 20) if ratio else (day + v) % 100,
                    100 if ratio else None,
                )


@pytest.mark.django_db
def test_query_count_does_not_grow_with_the_portfolio():
    active_scheme()

    def queries_of_one_run(vendors, service_levels):
        with transaction.atomic():
            _portfolio(vendors, service_levels)
            with CaptureQueriesContext(connection) as ctx:
                run = run_evaluation(now=at(2026, 4, 10), full=True)
            assert run.status == RunStatus.SUCCEEDED
            assert ServiceLevelResult.objects.count() == run.periods_evaluated > 0
            transaction.set_rollback(True)
        return len(ctx.captured_queries)

    small = queries_of_one_run(2, 2)
    large = queries_of_one_run(6, 5)

    assert small == large
    assert large < 26


@pytest.mark.django_db
def test_periods_closing_after_the_first_run_are_evaluated_by_the_next():
    monthly = make_sl(target=99.5, minimum=98)
    weekly = make_sl(target=99.5, minimum=98, period=MeasurementPeriod.WEEKLY, grace_days=0)
    run_evaluation(now=at(2026, 1, 21))
    assert ServiceLevelResult.objects.filter(service_level=weekly).count() == 3  # weeks to 18 January

    # Five weeks later, still inside the first quarter: January and four more weeks have closed.
    run = run_evaluation(now=at(2026, 2, 16))

    assert run.periods_evaluated == 5
    assert result(monthly, JAN).outcome == Outcome.MISSING
    assert ServiceLevelResult.objects.filter(service_level=weekly).count() == 7
    assert result(weekly, date(2026, 2, 9)).period_end == date(2026, 2, 15)


@pytest.mark.django_db
def test_engine_timestamps_can_be_filtered_like_any_other():
    sl = make_sl(target=99.5, minimum=98)
    now = at(2026, 2, 10)

    run_evaluation(now=now)

    # The engine writes its timestamps with raw SQL; the ORM must find them by value.
    assert ServiceLevelResult.objects.filter(service_level=sl, evaluated_at=now).exists()
    assert Breach.objects.filter(
        opened_at=now, response_due_at=datetime(2026, 2, 15, 17, tzinfo=UTC)
    ).exists()
    assert Breach.objects.filter(opened_at__lte=now, opened_at__gte=now).exists()
    assert AuditEvent.objects.filter(action="kpis.breach.opened", occurred_at=now).exists()
    assert Scorecard.objects.filter(evaluated_at__lte=now).exists()


@pytest.mark.django_db
def test_week_ending_when_the_clocks_go_back_in_london(settings):
    settings.TIME_ZONE = "Europe/London"
    sl = make_sl(
        target=99.5,
        minimum=98,
        period=MeasurementPeriod.WEEKLY,
        grace_days=0,
        effective_from=date(2026, 10, 19),
    )
    measure(sl, date(2026, 10, 25), 99.6)  # Sunday 25 October: 25 hours long

    # The week closes at midnight GMT on Monday 26 October, which is 00:00 UTC.
    assert run_evaluation(now=datetime(2026, 10, 25, 23, 59, 59, 999999, tzinfo=UTC)).periods_evaluated == 0
    run_evaluation(now=datetime(2026, 10, 26, 0, 0, tzinfo=UTC))

    week = result(sl, date(2026, 10, 19))
    assert (week.period_end, week.attained, week.outcome) == (date(2026, 10, 25), D("99.6"), Outcome.MET)
