"""The ranking arithmetic, table-driven, with every expected figure worked out by hand in the comments."""

from decimal import Decimal
from fractions import Fraction

import pytest

from selection.ranking import as_points, mean, median, rank_candidates, spread, weighted_total

# Criteria ids → weights used by most cases: A 40, B 35, C 25 (they add up to 100).
ABC = {1: 40, 2: 35, 3: 25}


@pytest.mark.parametrize(
    ("scores", "weights", "scale_max", "expected"),
    [
        # 40×5/5 + 35×4/5 + 25×3/5 = 40 + 28 + 15
        ({1: 5, 2: 4, 3: 3}, ABC, 5, Fraction(83)),
        # 32 + 28 + 20
        ({1: 4, 2: 4, 3: 4}, ABC, 5, Fraction(80)),
        # 8 + 7 + 5
        ({1: 1, 2: 1, 3: 1}, ABC, 5, Fraction(20)),
        # all zeros on a 0–5 scale score nothing; all fives score 100
        ({1: 0, 2: 0, 3: 0}, ABC, 5, Fraction(0)),
        ({1: 5, 2: 5, 3: 5}, ABC, 5, Fraction(100)),
        # a 1–10 scale: 50×7/10 + 50×3/10 = 35 + 15
        ({1: 7, 2: 3}, {1: 50, 2: 50}, 10, Fraction(50)),
        # 100×1/3 = 33.333… exactly, not a rounded float
        ({1: 1}, {1: 100}, 3, Fraction(100, 3)),
    ],
)
def test_weighted_total_is_weight_times_score_over_the_scale_maximum(scores, weights, scale_max, expected):
    assert weighted_total(scores, weights, scale_max) == expected


def test_a_weighted_total_needs_every_criterion():
    with pytest.raises(ValueError, match="No score for criteria"):
        weighted_total({1: 5, 2: 4}, ABC, 5)


@pytest.mark.parametrize(
    ("values", "expected_median", "expected_mean", "expected_spread"),
    [
        # odd count: the middle one; mean (83+80+20)/3 = 61; spread 83−20
        ([83, 80, 20], 80, 61, 63),
        # even count: mean of the two middle values (70+80)/2; mean 310/4
        ([100, 60, 80, 70], 75, Fraction(155, 2), 40),
        # one evaluator
        ([42], 42, 42, 0),
        # two evaluators: the median is their mean
        ([60, 90], 75, 75, 30),
    ],
)
def test_median_mean_and_spread(values, expected_median, expected_mean, expected_spread):
    values = [Fraction(v) for v in values]
    assert median(values) == expected_median
    assert mean(values) == expected_mean
    assert spread(values) == expected_spread


def test_the_median_of_nothing_is_refused():
    with pytest.raises(ValueError):
        median([])


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (Fraction(100, 3), Decimal("33.33")),
        (Fraction(200, 3), Decimal("66.67")),
        (Fraction(1, 200), Decimal("0.01")),
    ],
)
def test_points_are_rounded_half_up_for_display_only(value, shown):
    assert as_points(value) == shown


def _sheets(table):
    """{evaluator: {candidate: [scores in criterion order]}} → the sheets rank_candidates takes."""
    return {
        evaluator: {
            (candidate, criterion): score
            for candidate, scores in by_candidate.items()
            for criterion, score in zip(sorted(ABC), scores, strict=True)
        }
        for evaluator, by_candidate in table.items()
    }


def test_one_outlier_barely_moves_the_median():
    # Candidate 10: evaluators 1 and 2 give 83 and 80, evaluator 3 gives 20 (computed above).
    # Candidate 11: 32+21+15 = 68, 24+21+15 = 60, 32+28+15 = 75.
    sheets = _sheets(
        {
            1: {10: [5, 4, 3], 11: [4, 3, 3]},
            2: {10: [4, 4, 4], 11: [3, 3, 3]},
            3: {10: [1, 1, 1], 11: [4, 4, 3]},
        }
    )
    ranking = rank_candidates(
        candidate_ids=[11, 10], weights=ABC, scale_max=5, sheets=sheets, spread_threshold=20
    )
    first, second = ranking
    assert first.candidate_id == 10
    assert first.totals == {1: 83, 2: 80, 3: 20}
    assert first.median == 80  # the mean (61) would have put it below candidate 11
    assert first.mean == 61
    assert first.spread == 63 and first.spread_flagged
    assert (first.rank, first.is_tied) == (1, False)
    assert second.candidate_id == 11
    assert (second.median, second.mean, second.rank) == (68, Fraction(203, 3), 2)
    assert second.spread == 15 and not second.spread_flagged


@pytest.mark.parametrize(
    ("totals", "threshold", "flagged"),
    [
        ([60, 80], 20, False),  # a spread of exactly the threshold is not above it
        ([60, 80], Decimal("19.99"), True),
        ([60, 80, 100], 20, True),
        ([80, 80, 80], 0, False),
    ],
)
def test_spread_is_flagged_above_the_threshold(totals, threshold, flagged):
    # One criterion weighted 100 on a 0–10 scale: a score s gives a total of 10·s.
    sheets = {e: {(1, 1): total // 10} for e, total in enumerate(totals)}
    [result] = rank_candidates(
        candidate_ids=[1], weights={1: 100}, scale_max=10, sheets=sheets, spread_threshold=threshold
    )
    assert result.spread == max(totals) - min(totals)
    assert result.spread_flagged is flagged


def test_equal_medians_share_the_rank_and_are_listed_by_mean():
    # One criterion weighted 100 on 0–10: totals are ten times the scores.
    # X: 70, 80, 90 → median 80, mean 80.   Y: 80, 80, 60 → median 80, mean 73.33.
    # Z: 50, 60, 70 → median 60.            W: nobody's sheet covers it.
    scores = {"X": [7, 8, 9], "Y": [8, 8, 6], "Z": [5, 6, 7]}
    ids = {"X": 1, "Y": 2, "Z": 3, "W": 4}
    sheets = {e: {(ids[c], 1): scores[c][e] for c in scores} for e in range(3)}
    ranking = rank_candidates(
        candidate_ids=[ids["W"], ids["Z"], ids["Y"], ids["X"]],
        weights={1: 100},
        scale_max=10,
        sheets=sheets,
        spread_threshold=50,
    )
    by_id = {r.candidate_id: r for r in ranking}
    assert [r.candidate_id for r in ranking] == [ids["X"], ids["Y"], ids["Z"], ids["W"]]
    assert [r.rank for r in ranking] == [1, 1, 3, None]
    assert by_id[ids["X"]].tied_with == [ids["Y"]] and by_id[ids["Y"]].tied_with == [ids["X"]]
    assert by_id[ids["X"]].mean == 80 and by_id[ids["Y"]].mean == Fraction(220, 3)
    assert not by_id[ids["X"]].tie_unresolved  # the means settle the order
    assert not by_id[ids["Z"]].is_tied
    assert by_id[ids["W"]].median is None and by_id[ids["W"]].totals == {}


def test_a_tie_on_median_and_mean_is_unresolved():
    # X: 70, 80, 90 and W: 80, 80, 80 — both median 80 and mean 80.
    sheets = {e: {(1, 1): [7, 8, 9][e], (2, 1): 8} for e in range(3)}
    ranking = rank_candidates(
        candidate_ids=[1, 2], weights={1: 100}, scale_max=10, sheets=sheets, spread_threshold=20
    )
    assert [r.rank for r in ranking] == [1, 1]
    assert all(r.tie_unresolved for r in ranking)


def test_medians_that_differ_below_the_displayed_precision_are_not_tied():
    # Totals 100/3 (33.33…) and 33.33 exactly would look equal when rounded; they are not.
    sheets = {1: {(1, 1): 1}}
    third = rank_candidates(
        candidate_ids=[1], weights={1: 100}, scale_max=3, sheets=sheets, spread_threshold=0
    )
    assert third[0].median == Fraction(100, 3)
    assert third[0].median_points == Decimal("33.33")


def test_the_breakdown_gives_every_evaluators_score_and_the_median_per_criterion():
    # Candidate 10 as in the outlier case. Criterion A (40): scores 5, 4, 1 → median 4 → 40×4/5 = 32 points.
    # Criterion B (35): 4, 4, 1 → median 4 → 28. Criterion C (25): 3, 4, 1 → median 3 → 15.
    sheets = _sheets({1: {10: [5, 4, 3]}, 2: {10: [4, 4, 4]}, 3: {10: [1, 1, 1]}})
    [result] = rank_candidates(
        candidate_ids=[10], weights=ABC, scale_max=5, sheets=sheets, spread_threshold=20
    )
    lines = {line.criterion_id: line for line in result.criteria}
    assert lines[1].scores == {1: 5, 2: 4, 3: 1}
    assert [(lines[c].median_score, lines[c].contribution) for c in (1, 2, 3)] == [(4, 32), (4, 28), (3, 15)]
    # The points per criterion (75) need not add up to the median of the totals (80).
    assert sum(line.contribution for line in result.criteria) == 75


def test_an_incomplete_sheet_gives_no_total_for_that_candidate():
    sheets = {1: {(10, 1): 5, (10, 2): 4, (10, 3): 3}, 2: {(10, 1): 4}}
    [result] = rank_candidates(
        candidate_ids=[10], weights=ABC, scale_max=5, sheets=sheets, spread_threshold=20
    )
    assert result.totals == {1: 83}
    assert result.median == 83
