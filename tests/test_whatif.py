"""The what-if replay against a hand calculation: outcomes, breaches, credits and scores under a
proposal, for one service level and for a whole contract; and that nothing is written.

Contract: charges 100,000 a month, 12 % at risk (cap 12,000). Availability (CSL, higher is better,
average, expected 99.5 / minimum 99.0, pool allocation 60 %: a failure costs
100,000 × 12 % × 60 % = 7,200) has one figure a month for the twelve months of 2026:

    month  figure  today (99.5 / 99.0)  proposal (99.0 / 98.6)
    Jan    99.6    met                  met
    Feb    99.4    warning              met
    Mar    98.8    breached             warning
    Apr    99.7    met                  met
    May    99.0    warning              met       (exactly on the expected level is met)
    Jun    98.9    breached             warning
    Jul    99.5    met                  met
    Aug    99.2    warning              met
    Sep    97.0    breached             breached
    Oct    99.9    met                  met
    Nov    99.1    warning              met
    Dec    98.5    breached             breached

Today: 4 breaches, 4 × 7,200 = 28,800 in credits. Proposal: 2 breaches, 14,400.
The vendor's only service level is in the quality category, so the quality score (and the
overall score) of each month is 100 for met, 50 for warning and 0 for a failure.
"""

from datetime import date

import pytest
from django.core.exceptions import ValidationError

from accounts.models import AuditEvent
from kpis.engine import run_evaluation
from kpis.engine.replay import Override
from kpis.models import (
    Breach,
    Direction,
    MeasurementPeriod,
    MetricCategory,
    PendingEvaluation,
    Scorecard,
    ServiceCredit,
    ServiceLevel,
    ServiceLevelKind,
    ServiceLevelResult,
    ServiceLevelTarget,
)
from kpis.services.whatif import whatif_override, whatif_replay
from tests.factories import SOWFactory
from tests.test_engine import D, at, make_sl, measure

pytestmark = pytest.mark.django_db

NOW = at(2027, 1, 10)  # every month of 2026 has closed (grace: 5 days)
FIGURES = ["99.6", "99.4", "98.8", "99.7", "99.0", "98.9", "99.5", "99.2", "97.0", "99.9", "99.1", "98.5"]
TODAY = [
    "met",
    "warning",
    "breached",
    "met",
    "warning",
    "breached",
    "met",
    "warning",
    "breached",
    "met",
    "warning",
    "breached",
]
PROPOSAL = [
    "met",
    "met",
    "warning",
    "met",
    "met",
    "warning",
    "met",
    "met",
    "breached",
    "met",
    "met",
    "breached",
]
POINTS = {"met": D(100), "warning": D(50), "breached": D(0)}
MONTHS = [date(2026, m, 1) for m in range(1, 13)]


@pytest.fixture
def contract():
    return SOWFactory(monthly_charge=D("100000"), at_risk_percent=D("12"))


@pytest.fixture
def availability(contract):
    sl = make_sl(target="99.5", minimum="99.0", kind=ServiceLevelKind.CSL, allocation="60", contract=contract)
    for month, value in zip(MONTHS, FIGURES, strict=True):
        measure(sl, month.replace(day=15), value)
    return sl


def _replay(contract, overrides, **kwargs):
    return whatif_replay(contract=contract, overrides=overrides, now=NOW, **kwargs)


def test_a_proposed_target_replays_twelve_months_as_calculated_by_hand(contract, availability):
    run_evaluation(now=NOW)
    proposal = whatif_override(service_level=availability, target="99.0", minimum="98.6")

    replay = _replay(contract, {availability.pk: proposal}, service_level=availability)

    [sl] = replay.service_levels
    assert [(r.period_start, r.period_end.day) for r in sl.rows][:2] == [(MONTHS[0], 31), (MONTHS[1], 28)]
    assert [r.today.outcome for r in sl.rows] == TODAY
    assert [r.proposal.outcome for r in sl.rows] == PROPOSAL
    assert [r.today.breach for r in sl.rows] == [o == "breached" for o in TODAY]
    assert [r.proposal.breach for r in sl.rows] == [o == "breached" for o in PROPOSAL]
    assert [r.today.credit for r in sl.rows] == [D("7200.00") if o == "breached" else 0 for o in TODAY]
    assert [r.proposal.credit for r in sl.rows] == [D("7200.00") if o == "breached" else 0 for o in PROPOSAL]
    assert [(r.proposal.target, r.proposal.minimum) for r in sl.rows] == [(D("99.0"), D("98.6"))] * 12
    assert [r.proposal.attained for r in sl.rows] == [D(v) for v in FIGURES]
    assert (sl.today.breaches, sl.today.credits) == (4, D("28800.00"))
    assert (sl.proposal.breaches, sl.proposal.credits) == (2, D("14400.00"))
    assert sl.proposal.outcomes == {"met": 8, "warning": 2, "breached": 2}
    assert [r.category_today for r in sl.rows] == [POINTS[o] for o in TODAY]
    assert [r.category_proposal for r in sl.rows] == [POINTS[o] for o in PROPOSAL]
    assert [(s.month, s.today["score"], s.proposal["score"]) for s in replay.scores] == [
        (m, POINTS[t], POINTS[p]) for m, t, p in zip(MONTHS, TODAY, PROPOSAL, strict=True)
    ]
    assert [(row.period_start, row.today, row.proposal) for row in replay.ledger] == [
        (m, D("7200.00") if t == "breached" else 0, D("7200.00") if p == "breached" else 0)
        for m, t, p in zip(MONTHS, TODAY, PROPOSAL, strict=True)
        if t == "breached" or p == "breached"
    ]


def test_a_proposed_allocation_changes_only_the_credits(contract, availability):
    run_evaluation(now=NOW)
    proposal = whatif_override(service_level=availability, credit_allocation_percent="50")

    [sl] = _replay(contract, {availability.pk: proposal}).service_levels

    # 100,000 × 12 % × 50 % = 6,000 per failure, for the same four failures.
    assert [r.proposal.outcome for r in sl.rows] == TODAY
    assert (sl.proposal.breaches, sl.proposal.credits) == (4, D("24000.00"))


def test_a_proposed_quarterly_period_judges_quarters(contract, availability):
    run_evaluation(now=NOW)
    proposal = whatif_override(service_level=availability, period=MeasurementPeriod.QUARTERLY)

    replay = _replay(contract, {availability.pk: proposal})
    [sl] = replay.service_levels

    quarters = [r for r in sl.rows if r.proposal]
    # Q1 (99.6 + 99.4 + 98.8) / 3 = 99.2667 warning; Q2 (99.7 + 99.0 + 98.9) / 3 = 99.2 warning;
    # Q3 (99.5 + 99.2 + 97.0) / 3 = 98.5667 breached; Q4 (99.9 + 99.1 + 98.5) / 3 = 99.1667 warning.
    assert [(r.period_start, r.proposal.attained, r.proposal.outcome) for r in quarters] == [
        (date(2026, 1, 1), D("99.2667"), "warning"),
        (date(2026, 4, 1), D("99.2000"), "warning"),
        (date(2026, 7, 1), D("98.5667"), "breached"),
        (date(2026, 10, 1), D("99.1667"), "warning"),
    ]
    # A quarter's charge is three months': 300,000 × 12 % × 60 % = 21,600.
    assert (sl.proposal.breaches, sl.proposal.credits) == (1, D("21600.00"))
    assert (sl.today.breaches, len([r for r in sl.rows if r.today])) == (4, 12)
    # The contract's ledger is per calendar month: the four failed months today; under the proposal the
    # third quarter's 21,600 lands in September, capped at the month's 100,000 × 12 % = 12,000.
    assert [(row.period_kind, row.period_start, row.today, row.proposal) for row in replay.ledger] == [
        ("monthly", date(2026, 3, 1), D("7200.00"), 0),
        ("monthly", date(2026, 6, 1), D("7200.00"), 0),
        ("monthly", date(2026, 9, 1), D("7200.00"), D("12000.00")),
        ("monthly", date(2026, 12, 1), D("7200.00"), 0),
    ]
    assert (replay.credits_today, replay.credits_proposal) == (D("28800.00"), D("12000.00"))


def test_the_contract_replay_covers_every_service_level_and_caps_the_ledger(contract, availability):
    # Response time (CSL, lower is better, 15 / 30 minutes, 50 %) fails in December only:
    # 7,200 + 6,000 = 13,200, capped at 12,000 today. Under the proposal (40 / 45) it is a warning.
    response = make_sl(
        target="15",
        minimum="30",
        direction=Direction.LOWER,
        kind=ServiceLevelKind.CSL,
        allocation="50",
        contract=contract,
        category=MetricCategory.RESPONSIVENESS,
        unit="minutes",
    )
    for month in MONTHS:
        measure(response, month.replace(day=20), "42" if month.month == 12 else "10")
    run_evaluation(now=NOW)
    overrides = {
        availability.pk: whatif_override(service_level=availability, target="99.0", minimum="98.6"),
        response.pk: whatif_override(service_level=response, target="40", minimum="45"),
    }

    replay = _replay(contract, overrides)

    assert {r.service_level.pk: (r.today.breaches, r.proposal.breaches) for r in replay.service_levels} == {
        availability.pk: (4, 2),
        response.pk: (1, 0),
    }
    december = next(row for row in replay.ledger if row.period_start == date(2026, 12, 1))
    assert (december.today, december.proposal) == (D("12000.00"), D("7200.00"))
    assert (replay.credits_today, replay.credits_proposal) == (D("33600.00"), D("14400.00"))
    assert (replay.breaches_today, replay.breaches_proposal) == (5, 2)
    # December's scorecard: quality 0 → 0; responsiveness 0 → 50 (42 lies between 40 and 45: warning).
    dec = next(s for s in replay.scores if s.month == date(2026, 12, 1))
    assert (dec.today["responsiveness"], dec.proposal["responsiveness"]) == (D(0), D(50))


def _counts():
    return {
        model.__name__: model.objects.count()
        for model in (
            ServiceLevelResult,
            Breach,
            ServiceCredit,
            Scorecard,
            AuditEvent,
            PendingEvaluation,
            ServiceLevelTarget,
        )
    }


def test_nothing_is_written(contract, availability):
    run_evaluation(now=NOW)
    before = _counts()
    levels = list(ServiceLevel.objects.values())
    results = list(
        ServiceLevelResult.objects.order_by("pk").values("pk", "outcome", "target", "credit_amount")
    )
    breaches = list(Breach.objects.order_by("pk").values("pk", "status"))
    overrides = {
        availability.pk: Override(
            target=D("99.0"), minimum=D("98.6"), period="quarterly", credit_allocation_percent=D("50")
        )
    }

    _replay(contract, overrides)

    assert _counts() == before
    assert list(ServiceLevel.objects.values()) == levels
    assert (
        list(ServiceLevelResult.objects.order_by("pk").values("pk", "outcome", "target", "credit_amount"))
        == results
    )
    assert list(Breach.objects.order_by("pk").values("pk", "status")) == breaches


def test_periods_the_engine_has_not_judged_yet_show_no_outcome_today(contract, availability):
    replay = _replay(contract, {availability.pk: whatif_override(service_level=availability, target="99")})

    [sl] = replay.service_levels
    assert [r.today for r in sl.rows] == [None] * 12
    # The minimum stays 99.0: March, June, September and December miss it.
    assert [r.proposal.outcome for r in sl.rows] == [
        "met",
        "met",
        "breached",
        "met",
        "met",
        "breached",
        "met",
        "met",
        "breached",
        "met",
        "met",
        "breached",
    ]
    assert sl.proposal.breaches == 4


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"target": "98", "minimum": "99"}, "minimum"),
        ({"target": "high"}, "target"),
        ({"period": "daily"}, "period"),
        ({"credit_allocation_percent": "501"}, "credit_allocation_percent"),
        ({"credit_allocation_percent": "-1"}, "credit_allocation_percent"),
    ],
)
def test_proposal_validation(availability, kwargs, field):
    with pytest.raises(ValidationError) as error:
        whatif_override(service_level=availability, **kwargs)
    assert field in error.value.message_dict


def test_a_kpi_carries_no_allocation():
    kpi = make_sl(target="99.5", minimum="99")
    with pytest.raises(ValidationError) as error:
        whatif_override(service_level=kpi, credit_allocation_percent="20")
    assert "credit_allocation_percent" in error.value.message_dict


def test_the_window_is_six_twelve_or_twenty_four_months(contract, availability):
    with pytest.raises(ValidationError) as error:
        _replay(contract, {}, months=7)
    assert "months" in error.value.message_dict
    six = _replay(contract, {}, months=6)
    assert [r.period_start for r in six.service_levels[0].rows] == [date(2026, m, 1) for m in range(7, 13)]


def test_unchanged_values_are_no_proposal(availability):
    assert not whatif_override(
        service_level=availability,
        target="99.5",
        minimum="99.0",
        period="monthly",
        credit_allocation_percent="60",
    )


def test_an_inactive_service_level_has_nothing_to_replay(contract, availability):
    ServiceLevel.objects.filter(pk=availability.pk).update(is_active=False)

    replay = _replay(contract, {availability.pk: Override(target=D("99"))}, service_level=availability)

    assert (replay.service_levels, replay.ledger, replay.scores) == ([], [], [])
