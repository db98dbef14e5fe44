"""Service credits: per-failure credit, tiers, period charge factors and the capped ledger, by hand."""

from datetime import date

import pytest

from kpis import services
from kpis.engine import run_evaluation
from kpis.models import (
    Aggregation,
    Breach,
    BreachStatus,
    CreditTier,
    Direction,
    MeasurementPeriod,
    Outcome,
    ServiceCredit,
    ServiceLevelKind,
)
from tests.factories import SOWFactory
from tests.test_engine import JAN, D, at, make_sl, measure, result

pytestmark = pytest.mark.django_db

FEB = date(2026, 2, 1)
CSL = ServiceLevelKind.CSL


@pytest.fixture(autouse=True)
def _utc(settings):
    settings.TIME_ZONE = "UTC"


@pytest.fixture
def contract():
    """The SERVICE-LEVELS.md example: 100,000 a month, 12% at risk."""
    return SOWFactory(monthly_charge=D("100000.00"), at_risk_percent=D("12.00"), currency="EUR")


def availability(contract, **kwargs):
    return make_sl(contract=contract, kind=CSL, target="99.9", minimum="99.5", allocation=60, **kwargs)


def resolution(contract, **kwargs):
    return make_sl(
        contract=contract,
        kind=CSL,
        aggregation=Aggregation.P95,
        direction=Direction.LOWER,
        target=4,
        minimum=8,
        allocation=50,
        unit="hours",
        **kwargs,
    )


def answer_time(contract):
    return make_sl(
        contract=contract, kind=CSL, direction=Direction.LOWER, target=30, minimum=60, allocation=40, unit="s"
    )


def test_service_levels_example_is_capped_at_the_at_risk_amount(contract):
    avail, resol, answer = availability(contract), resolution(contract), answer_time(contract)
    # January: availability 99.2 < 99.5; resolution p95 of 3 5 9 12 = 9 + 0.85 × 3 = 11.55 > 8;
    # answer time (25 + 31) / 2 = 28 ≤ 30.
    measure(avail, date(2026, 1, 31), "99.2")
    for n, hours in enumerate((3, 5, 9, 12)):
        measure(resol, date(2026, 1, 10 + n), hours)
    measure(answer, date(2026, 1, 5), 25)
    measure(answer, date(2026, 1, 6), 31)
    # February: availability 99.0 fails; resolution p95 of 2 3 = 2.95 met; answer 45 is a warning (no credit).
    measure(avail, date(2026, 2, 28), "99.0")
    measure(resol, date(2026, 2, 2), 2)
    measure(resol, date(2026, 2, 3), 3)
    measure(answer, date(2026, 2, 4), 45)

    run_evaluation(now=at(2026, 3, 10))

    jan_avail, jan_resol, jan_answer = result(avail, JAN), result(resol, JAN), result(answer, JAN)
    assert (jan_avail.outcome, jan_resol.outcome, jan_answer.outcome) == (
        Outcome.BREACHED,
        Outcome.BREACHED,
        Outcome.MET,
    )
    assert jan_resol.attained == D("11.55")
    # 100,000 × 12% × 60% × 100% = 7,200 and 100,000 × 12% × 50% × 100% = 6,000
    assert (jan_avail.period_charge, jan_avail.at_risk_percent, jan_avail.allocation_percent) == (
        D("100000"),
        D("12"),
        D("60"),
    )
    assert (jan_avail.factor_percent, jan_avail.credit_amount) == (D("100"), D("7200.00"))
    assert (jan_resol.factor_percent, jan_resol.credit_amount) == (D("100"), D("6000.00"))
    assert (jan_answer.factor_percent, jan_answer.credit_amount) == (D("0"), D("0"))

    january = ServiceCredit.objects.get(
        contract=contract, period_kind=MeasurementPeriod.MONTHLY, period_start=JAN
    )
    assert january.period_end == date(2026, 1, 31)
    assert january.failures == 2
    assert january.gross_amount == D("13200.00")
    assert january.cap_amount == D("12000.00")
    assert january.amount == D("12000.00")
    assert january.currency == "EUR"

    assert result(answer, FEB).outcome == Outcome.WARNING
    assert result(resol, FEB).attained == D("2.95")
    february = ServiceCredit.objects.get(contract=contract, period_start=FEB)
    assert (february.failures, february.gross_amount, february.cap_amount, february.amount) == (
        1,
        D("7200.00"),
        D("12000.00"),
        D("7200.00"),
    )


@pytest.mark.parametrize(
    ("attained", "outcome", "factor", "credit"),
    [
        ("99.2", Outcome.BREACHED, "25", "1800.00"),  # shortfall 0.3: tier 0
        ("99.0", Outcome.BREACHED, "50", "3600.00"),  # shortfall exactly 0.5: tier 0.5
        ("98.6", Outcome.BREACHED, "50", "3600.00"),  # shortfall 0.9: still tier 0.5
        ("98.5", Outcome.BREACHED, "100", "7200.00"),  # shortfall exactly 1: tier 1
        ("90", Outcome.BREACHED, "100", "7200.00"),
        ("99.5", Outcome.WARNING, "0", "0"),  # on the minimum: a warning carries no credit
        (None, Outcome.MISSING, "100", "7200.00"),  # not reported: the full allocation
    ],
)
def test_credit_tiers_higher_is_better(contract, attained, outcome, factor, credit):
    sl = availability(contract)
    for shortfall, percent in (("0", "25"), ("0.5", "50"), ("1", "100")):
        CreditTier.objects.create(service_level=sl, shortfall=D(shortfall), factor_percent=D(percent))
    if attained is not None:
        measure(sl, date(2026, 1, 20), attained)

    run_evaluation(now=at(2026, 2, 10))

    jan = result(sl, JAN)
    assert (jan.outcome, jan.factor_percent, jan.credit_amount) == (outcome, D(factor), D(credit))


@pytest.mark.parametrize(
    ("attained", "factor", "credit"),
    [
        (9, "20", "1200.00"),  # 9 − 8 = 1: tier 0 → 100,000 × 12% × 50% × 20%
        (10, "60", "3600.00"),  # 10 − 8 = 2: tier 2
        (12, "60", "3600.00"),
    ],
)
def test_credit_tiers_lower_is_better(contract, attained, factor, credit):
    sl = resolution(contract)
    CreditTier.objects.create(service_level=sl, shortfall=D(0), factor_percent=D(20))
    CreditTier.objects.create(service_level=sl, shortfall=D(2), factor_percent=D(60))
    measure(sl, date(2026, 1, 20), attained)

    run_evaluation(now=at(2026, 2, 10))

    jan = result(sl, JAN)
    assert (jan.outcome, jan.attained, jan.factor_percent, jan.credit_amount) == (
        Outcome.BREACHED,
        D(attained),
        D(factor),
        D(credit),
    )


def test_weekly_charge_is_twelve_fifty_seconds_of_the_monthly_charge(contract):
    avail = availability(contract, period=MeasurementPeriod.WEEKLY, grace_days=0)
    resol = resolution(contract, period=MeasurementPeriod.WEEKLY, grace_days=0)
    monday = date(2026, 1, 5)
    measure(avail, monday, "99")
    measure(resol, monday, 20)
    measure(avail, date(2026, 1, 12), "99.95")
    measure(resol, date(2026, 1, 12), 3)

    run_evaluation(now=at(2026, 1, 20))

    # 100,000 × 12 / 52 = 23,076.923… → 23,076.92
    week_avail, week_resol = result(avail, monday), result(resol, monday)
    assert week_avail.period_charge == D("23076.92")
    # 23,076.92 × 12% × 60% = 1,661.53824 → 1,661.54; × 50% = 1,384.6152 → 1,384.62
    assert week_avail.credit_amount == D("1661.54")
    assert week_resol.credit_amount == D("1384.62")
    # Every week so far ends in January, so one ledger row holds them all under January's cap: the
    # first (partial) week was not reported by either (1,661.54 + 1,384.62 = 3,046.16), the week of
    # 5 January failed both (3,046.16), the week of 12 January met both.
    ledger = ServiceCredit.objects.get(contract=contract)
    assert (ledger.period_kind, ledger.period_start, ledger.period_end) == (
        MeasurementPeriod.MONTHLY,
        JAN,
        date(2026, 1, 31),
    )
    # gross 3,046.16 × 2 = 6,092.32, within the cap 100,000 × 12% = 12,000
    assert (ledger.failures, ledger.gross_amount, ledger.cap_amount, ledger.amount) == (
        4,
        D("6092.32"),
        D("12000.00"),
        D("6092.32"),
    )


def test_quarterly_charge_is_three_monthly_charges(contract):
    sl = availability(contract, period=MeasurementPeriod.QUARTERLY)
    measure(sl, date(2026, 2, 15), "99.3")

    run_evaluation(now=at(2026, 4, 10))

    q1 = result(sl, JAN)
    # 300,000 × 12% × 60% = 21,600; cap 300,000 × 12% = 36,000
    assert (q1.period_end, q1.period_charge, q1.credit_amount) == (
        date(2026, 3, 31),
        D("300000"),
        D("21600.00"),
    )
    # The quarter ends in March: its credit sits in March's ledger, under the monthly cap 12,000.
    ledger = ServiceCredit.objects.get(contract=contract)
    assert (ledger.period_kind, ledger.period_start, ledger.period_end) == (
        MeasurementPeriod.MONTHLY,
        date(2026, 3, 1),
        date(2026, 3, 31),
    )
    assert (ledger.gross_amount, ledger.cap_amount, ledger.amount) == (
        D("21600.00"),
        D("12000.00"),
        D("12000.00"),
    )


def test_kpis_carry_no_credit(contract):
    breached = make_sl(contract=contract, target="99.5", minimum="98")
    missing = make_sl(contract=contract, target="99.5", minimum="98")
    measure(breached, date(2026, 1, 20), 90)

    run_evaluation(now=at(2026, 2, 10))

    assert result(breached, JAN).outcome == Outcome.BREACHED
    assert result(missing, JAN).outcome == Outcome.MISSING
    for sl in (breached, missing):
        jan = result(sl, JAN)
        assert (jan.allocation_percent, jan.factor_percent, jan.credit_amount) == (D(0), D(0), D(0))
    assert Breach.objects.count() == 2
    assert not ServiceCredit.objects.exists()


def test_cleared_breach_brings_the_ledger_back_to_zero(contract, manager):
    sl = availability(contract)
    figure = measure(sl, date(2026, 1, 20), "99.1")
    run_evaluation(now=at(2026, 2, 10))
    ledger = ServiceCredit.objects.get(contract=contract, period_start=JAN)
    assert (ledger.failures, ledger.amount) == (1, D("7200.00"))

    services.measurement_correct(
        measurement=figure,
        value="99.95",
        reason="Planned maintenance excluded",
        actor=manager,
        now=at(2026, 2, 11),
    )
    run_evaluation(now=at(2026, 2, 12))

    assert result(sl, JAN).credit_amount == D(0)
    assert Breach.objects.get(service_level=sl).status == BreachStatus.CLEARED
    updated = ServiceCredit.objects.get(contract=contract, period_start=JAN)
    assert updated.pk == ledger.pk
    assert (updated.failures, updated.gross_amount, updated.amount) == (0, D(0), D(0))
    assert updated.cap_amount == D("12000.00")
    assert updated.evaluated_at == at(2026, 2, 12)


def test_the_cap_applies_per_contract_and_calendar_month_across_period_kinds(contract):
    """A weekly and a monthly critical service level on one contract share one monthly cap."""
    weekly = availability(contract, period=MeasurementPeriod.WEEKLY, grace_days=0)
    monthly = resolution(contract)
    for day in (date(2026, 1, 2), date(2026, 1, 5), date(2026, 1, 12), date(2026, 1, 19)):
        measure(weekly, day, "99")
    for day in (date(2026, 1, 26), date(2026, 2, 2)):
        measure(weekly, day, "99")
    measure(monthly, date(2026, 1, 20), 20)

    run_evaluation(now=at(2026, 2, 10))

    # Weekly: 100,000 × 12 / 52 = 23,076.92; × 12% × 60% = 1,661.54 per failed week.
    # Monthly: 100,000 × 12% × 50% = 6,000.
    assert result(monthly, JAN).credit_amount == D("6000.00")
    # Weeks ending in January (from 29 Dec, 5, 12 and 19 Jan): 4 × 1,661.54 = 6,646.16;
    # + 6,000 = 12,646.16, capped at 100,000 × 12% = 12,000 (separate caps per period kind would
    # have paid all of it).
    jan = ServiceCredit.objects.get(contract=contract, period_start=JAN)
    assert (jan.period_kind, jan.period_end) == (MeasurementPeriod.MONTHLY, date(2026, 1, 31))
    assert (jan.failures, jan.gross_amount, jan.cap_amount, jan.amount) == (
        5,
        D("12646.16"),
        D("12000.00"),
        D("12000.00"),
    )
    # Weeks ending in February (26 Jan – 1 Feb, 2 – 8 Feb): 2 × 1,661.54 = 3,323.08; February's
    # monthly period has not closed yet.
    feb = ServiceCredit.objects.get(contract=contract, period_start=FEB)
    assert (feb.failures, feb.gross_amount, feb.amount) == (2, D("3323.08"), D("3323.08"))
    assert ServiceCredit.objects.count() == 2

    # A full re-run writes the same ledger.
    before = list(ServiceCredit.objects.order_by("id").values())
    run_evaluation(now=at(2026, 2, 10), full=True)
    assert list(ServiceCredit.objects.order_by("id").values()) == before
