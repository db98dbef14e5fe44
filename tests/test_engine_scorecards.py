"""Monthly vendor scorecards: weighted scores, bands, rank, trend and the explanation, by hand."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from kpis import services
from kpis.engine import run_evaluation
from kpis.models import Measurement, MeasurementPeriod, MetricCategory, Outcome, Scorecard, ScoringScheme
from kpis.scoring import DEFAULT_BANDS, active_scheme, scoring_scheme_create
from kpis.selectors.scorecards import scorecard_explanation
from tests.factories import SOWFactory
from tests.test_engine import JAN, D, at, make_sl, measure

pytestmark = pytest.mark.django_db

FIGURES = {Outcome.MET: "99.9", Outcome.WARNING: "99", Outcome.BREACHED: "90"}


@pytest.fixture(autouse=True)
def _utc(settings):
    settings.TIME_ZONE = "UTC"


def sl_in(contract, category=MetricCategory.QUALITY, weight=10, **kwargs):
    """A higher-is-better service level at 99.5 expected / 98 minimum."""
    return make_sl(contract=contract, target="99.5", minimum="98", category=category, weight=weight, **kwargs)


def report(sl, month: int, outcome: str) -> Measurement | None:
    """One figure in the 2026 month that produces ``outcome`` (nothing for a missing period)."""
    if outcome == Outcome.MISSING:
        return None
    return measure(sl, date(2026, month, 10), FIGURES[outcome])


def vendor_month(outcomes_by_weight, month=1):
    """A vendor whose quality service levels of the given weights reach the given outcomes."""
    contract = SOWFactory()
    for weight, outcome in outcomes_by_weight:
        report(sl_in(contract, weight=weight, effective_from=date(2026, month, 1)), month, outcome)
    return contract.vendor


def card(vendor, month=1) -> Scorecard:
    return Scorecard.objects.get(vendor=vendor, period_start=date(2026, month, 1))


def test_score_weights_results_within_and_categories_across():
    contract = SOWFactory()
    report(sl_in(contract, MetricCategory.QUALITY, 20), 1, Outcome.MET)
    report(sl_in(contract, MetricCategory.QUALITY, 10), 1, Outcome.WARNING)
    report(sl_in(contract, MetricCategory.RESPONSIVENESS, 10), 1, Outcome.BREACHED)
    report(sl_in(contract, MetricCategory.RESPONSIVENESS, 30), 1, Outcome.MET)

    run = run_evaluation(now=at(2026, 2, 10))

    assert run.scorecards_written == 1
    scorecard = card(contract.vendor)
    # quality (100 × 20 + 50 × 10) / 30 = 83.333…; responsiveness (0 × 10 + 100 × 30) / 40 = 75
    assert scorecard.quality_score == D("83.33")
    assert scorecard.responsiveness_score == D("75.00")
    assert scorecard.delivery_score is None and scorecard.relationship_score is None
    # (83.333… × 30 + 75 × 25) / (30 + 25) = 4375 / 55 = 79.5454… → 79.55
    assert scorecard.score == D("79.55")
    assert (scorecard.band, scorecard.rag) == ("Amber", "amber")
    assert (scorecard.period_end, scorecard.result_count) == (date(2026, 1, 31), 4)
    assert (scorecard.rank, scorecard.trend, scorecard.previous_score) == (1, "new", None)

    explanation = scorecard_explanation(scorecard=scorecard)
    assert explanation.total == scorecard.score
    by_category = {c.category: c for c in explanation.categories}
    assert set(by_category) == {MetricCategory.QUALITY, MetricCategory.RESPONSIVENESS}
    assert by_category[MetricCategory.QUALITY].share == Decimal(30) / 55
    assert by_category[MetricCategory.RESPONSIVENESS].score == 75
    contributions = [r.contribution for c in explanation.categories for r in c.results]
    assert len(contributions) == 4
    assert sum(contributions).quantize(Decimal("0.01")) == scorecard.score
    assert sum(c.contribution for c in explanation.categories).quantize(Decimal("0.01")) == scorecard.score


@pytest.mark.parametrize(
    ("outcomes", "score", "band"),
    [
        ([(1, Outcome.MET), (2, Outcome.WARNING)], "66.67", "Red"),  # (100 + 100) / 3
        ([(2, Outcome.MET), (3, Outcome.WARNING)], "70.00", "Amber"),  # (200 + 150) / 5
        ([(69, Outcome.MET), (31, Outcome.WARNING)], "84.50", "Amber"),  # (6900 + 1550) / 100
        ([(7, Outcome.MET), (3, Outcome.WARNING)], "85.00", "Green"),  # (700 + 150) / 10
        ([(10, Outcome.MET)], "100.00", "Green"),
        ([(10, Outcome.BREACHED), (10, Outcome.MISSING)], "0.00", "Red"),
    ],
)
def test_band_edges(outcomes, score, band):
    vendor = vendor_month(outcomes)

    run_evaluation(now=at(2026, 2, 10))

    scorecard = card(vendor)
    assert (scorecard.score, scorecard.band) == (D(score), band)
    assert scorecard.rag == band.lower()
    assert scorecard_explanation(scorecard=scorecard).total == scorecard.score


def test_rank_across_vendors_within_each_month():
    # January: a 85, b 70, c 100. February: a 100, b 100, c 0.
    contracts = {name: SOWFactory() for name in "abc"}
    plan = {
        "a": {1: [(7, Outcome.MET), (3, Outcome.WARNING)], 2: [(7, Outcome.MET), (3, Outcome.MET)]},
        "b": {1: [(2, Outcome.MET), (3, Outcome.WARNING)], 2: [(2, Outcome.MET), (3, Outcome.MET)]},
        "c": {1: [(5, Outcome.MET), (5, Outcome.MET)], 2: [(5, Outcome.BREACHED), (5, Outcome.MISSING)]},
    }
    for name, months in plan.items():
        sls = [sl_in(contracts[name], weight=weight) for weight, _ in months[1]]
        for month, outcomes in months.items():
            for sl, (_weight, outcome) in zip(sls, outcomes, strict=True):
                report(sl, month, outcome)

    run_evaluation(now=at(2026, 3, 10))

    def standings(month):
        return {
            name: (str(card(c.vendor, month).score), card(c.vendor, month).rank)
            for name, c in contracts.items()
        }

    assert standings(1) == {"a": ("85.00", 2), "b": ("70.00", 3), "c": ("100.00", 1)}
    # Ties share a rank and the next rank is skipped.
    assert standings(2) == {"a": ("100.00", 1), "b": ("100.00", 1), "c": ("0.00", 3)}


# Service level weights 98 and 2: both met 100, met + warning 99, met + breached 98, breached + met 2.
TREND_PLAN = [
    (1, Outcome.MET, Outcome.MET, "100.00", "new"),
    (2, Outcome.MET, Outcome.WARNING, "99.00", "flat"),  # −1 is flat
    (3, Outcome.MET, Outcome.MET, "100.00", "flat"),  # +1 is flat
    (4, Outcome.MET, Outcome.BREACHED, "98.00", "down"),
    (5, Outcome.MET, Outcome.MET, "100.00", "up"),
    (6, Outcome.BREACHED, Outcome.MET, "2.00", "down"),
]


def _trend_vendor():
    contract = SOWFactory()
    heavy, light = sl_in(contract, weight=98), sl_in(contract, weight=2)
    figures = {}
    for month, heavy_outcome, light_outcome, _score, _trend in TREND_PLAN:
        report(heavy, month, heavy_outcome)
        figures[month] = report(light, month, light_outcome)
    return contract.vendor, figures


def _trends(vendor):
    return [
        (c.period_start.month, str(c.score), c.trend, c.previous_score)
        for c in Scorecard.objects.filter(vendor=vendor).order_by("period_start")
    ]


def _expected_trends():
    previous = [None] + [D(score) for _m, _h, _l, score, _t in TREND_PLAN[:-1]]
    return [
        (m, score, trend, prev) for (m, _h, _l, score, trend), prev in zip(TREND_PLAN, previous, strict=True)
    ]


@pytest.mark.parametrize("incremental", [False, True], ids=["one-full-run", "month-by-month"])
def test_trend_against_the_previous_scorecard(incremental):
    vendor, _figures = _trend_vendor()

    if incremental:
        for month in range(2, 8):
            run_evaluation(now=at(2026, month, 10))
    else:
        run_evaluation(now=at(2026, 7, 10), full=True)

    assert _trends(vendor) == _expected_trends()


def test_trend_follows_a_corrected_score(manager):
    vendor, figures = _trend_vendor()
    run_evaluation(now=at(2026, 7, 10))

    # February's light service level turns out to have been breached: 98, two below January.
    services.measurement_correct(
        measurement=figures[2], value="90", reason="Recount", actor=manager, now=at(2026, 7, 11)
    )
    run_evaluation(now=at(2026, 7, 12))

    trends = {month: (score, trend) for month, score, trend, _prev in _trends(vendor)}
    assert trends[2] == ("98.00", "down")
    assert trends[3] == ("100.00", "up")


def test_a_result_belongs_to_the_month_its_period_ends_in():
    contract = SOWFactory()
    monthly = sl_in(contract, weight=30, effective_from=date(2026, 3, 1), effective_to=date(2026, 3, 31))
    weekly = sl_in(
        contract,
        weight=10,
        period=MeasurementPeriod.WEEKLY,
        effective_from=date(2026, 3, 23),
        effective_to=date(2026, 4, 5),
    )
    quarterly = sl_in(
        contract,
        category=MetricCategory.DELIVERY,
        period=MeasurementPeriod.QUARTERLY,
        effective_to=date(2026, 3, 31),
    )
    measure(monthly, date(2026, 3, 10), FIGURES[Outcome.MET])
    measure(weekly, date(2026, 3, 23), FIGURES[Outcome.BREACHED])  # week 23–29 March
    measure(weekly, date(2026, 3, 31), FIGURES[Outcome.WARNING])  # week 30 March – 5 April
    measure(quarterly, date(2026, 1, 15), FIGURES[Outcome.MET])  # first quarter, ends 31 March

    run_evaluation(now=at(2026, 4, 20))

    assert set(Scorecard.objects.values_list("period_start", flat=True)) == {
        date(2026, 3, 1),
        date(2026, 4, 1),
    }
    march = card(contract.vendor, 3)
    # quality (100 × 30 + 0 × 10) / 40 = 75; delivery 100; (75 × 30 + 100 × 30) / 60 = 87.5
    assert (march.quality_score, march.delivery_score, march.score, march.result_count) == (
        D("75.00"),
        D("100.00"),
        D("87.50"),
        3,
    )
    april = card(contract.vendor, 4)
    assert (april.quality_score, april.delivery_score, april.score, april.result_count) == (
        D("50.00"),
        None,
        D("50.00"),
        1,
    )
    assert (april.previous_score, april.trend) == (D("87.50"), "down")


def test_custom_scheme_weights_and_warning_points():
    scoring_scheme_create(
        name="Quality and delivery",
        bands=DEFAULT_BANDS,
        weights={"quality": 50, "delivery": 50, "responsiveness": 0, "relationship": 0},
        warning_points=60,
    )
    contract = SOWFactory()
    report(sl_in(contract, MetricCategory.QUALITY), 1, Outcome.WARNING)
    report(sl_in(contract, MetricCategory.DELIVERY), 1, Outcome.MET)
    report(sl_in(contract, MetricCategory.RESPONSIVENESS), 1, Outcome.BREACHED)

    run_evaluation(now=at(2026, 2, 10))

    scorecard = card(contract.vendor)
    # (60 × 50 + 100 × 50) / 100 = 80; responsiveness weighs nothing in this scheme.
    assert (scorecard.score, scorecard.quality_score, scorecard.result_count) == (D("80.00"), D("60.00"), 2)
    assert scorecard.responsiveness_score is None
    explanation = scorecard_explanation(scorecard=scorecard)
    assert explanation.total == D("80.00")
    assert {c.category for c in explanation.categories} == {MetricCategory.QUALITY, MetricCategory.DELIVERY}


def test_default_scheme_is_created_on_first_use():
    scheme = active_scheme()

    assert scheme.category_weights() == {
        "quality": 30,
        "delivery": 30,
        "responsiveness": 25,
        "relationship": 15,
    }
    assert scheme.warning_points == 50
    assert list(scheme.bands.order_by("lower").values_list("name", "lower", "upper")) == [
        ("Red", D(0), D(70)),
        ("Amber", D(70), D(85)),
        ("Green", D(85), D(100)),
    ]
    assert active_scheme() == scheme


def test_a_new_scheme_replaces_the_active_one():
    old = active_scheme()
    new = scoring_scheme_create(
        name="Second", bands=DEFAULT_BANDS, weights={"quality": 40, "relationship": 5}
    )

    old.refresh_from_db()
    assert new.is_active and not old.is_active
    assert active_scheme() == new


def _bands(*ranges):
    names = ["Red", "Amber", "Green", "Blue"]
    rags = ["red", "amber", "green", "green"]
    return [(names[i], rags[i], D(lo), D(hi)) for i, (lo, hi) in enumerate(ranges)]


@pytest.mark.parametrize(
    ("weights", "bands", "message"),
    [
        ({"quality": 29}, DEFAULT_BANDS, "add up to 100"),
        ({"quality": 31}, DEFAULT_BANDS, "add up to 100"),
        ({"innovation": 10}, DEFAULT_BANDS, "Unknown scorecard category"),
        (None, _bands((0, 70), (65, 85), (85, 100)), "overlap"),
        (None, _bands((0, 70), (71, 85), (85, 100)), "gap"),
        (None, _bands((5, 70), (70, 85), (85, 100)), "start at 0"),
        (None, _bands((0, 70), (70, 85), (85, 99)), "end at 100"),
        (None, [], "At least one"),
    ],
)
def test_scheme_validation(weights, bands, message):
    active = active_scheme()

    with pytest.raises(ValidationError, match=message):
        scoring_scheme_create(name="Broken", bands=bands, weights=weights)

    assert list(ScoringScheme.objects.all()) == [active]
    assert active_scheme() == active


def test_scheme_bands_touching_exactly_are_valid():
    scheme = scoring_scheme_create(
        name="Four bands", bands=_bands((0, 50), (50, 70), (70, 85.5), (85.5, 100)), activate=False
    )

    assert scheme.bands.count() == 4
    assert not scheme.is_active


def test_explanation_sums_to_the_score_in_every_month():
    vendor, _figures = _trend_vendor()
    extra = sl_in(SOWFactory(vendor=vendor), MetricCategory.RELATIONSHIP, weight=7)
    for month, outcome in zip(range(1, 7), [Outcome.WARNING, Outcome.MET, Outcome.BREACHED] * 2, strict=True):
        report(extra, month, outcome)

    run_evaluation(now=at(2026, 7, 10))

    scorecards = Scorecard.objects.filter(vendor=vendor)
    assert scorecards.count() == 6
    for scorecard in scorecards:
        explanation = scorecard_explanation(scorecard=scorecard)
        assert explanation.total == scorecard.score
        total = sum(r.contribution for c in explanation.categories for r in c.results)
        assert abs(total - scorecard.score) <= Decimal("0.005")


def test_scorecards_are_rewritten_only_when_they_change():
    vendor = vendor_month([(10, Outcome.MET)])
    run_evaluation(now=at(2026, 2, 10))
    first = card(vendor)

    again = run_evaluation(now=at(2026, 2, 11), full=True)

    assert again.scorecards_written == 0
    assert card(vendor).evaluated_at == first.evaluated_at == at(2026, 2, 10)
    assert JAN + timedelta(days=30) == first.period_end
