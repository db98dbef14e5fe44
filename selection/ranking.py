"""The ranking arithmetic of a selection event, as pure functions over plain numbers.

- An evaluator's **weighted total** for a candidate is Σ weight × score ÷ highest score of the scale,
  over every criterion. Weights add up to 100, so the total is a percentage (0–100 points).
- A candidate's **score** is the median of its evaluators' totals: one evaluator far from the others
  moves it little (the mean of totals is shown beside it).
- The **spread** is the highest minus the lowest evaluator total; above the event's threshold it is
  flagged, because the evaluators read the candidate differently and should talk before deciding.
- **Ties**: candidates with the same median (compared exactly, not as rounded figures) share a rank
  ("1, 1, 3"), and are flagged so the decision record settles them. Within a tie they are listed by
  the mean of the totals, higher first, as the suggested tie-break; when the means are equal as well
  the tie is unresolved by the numbers.

Arithmetic is exact (fractions), so a tie is a tie and 100 ÷ 3 does not become a near-miss; figures are
rounded to two decimals only for display.
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

TWO_PLACES = Decimal("0.01")


def as_points(value: Fraction | None) -> Decimal | None:
    """A fraction rounded half-up to two decimals, for display."""
    if value is None:
        return None
    return (Decimal(value.numerator) / Decimal(value.denominator)).quantize(TWO_PLACES, ROUND_HALF_UP)


def weighted_total(scores: Mapping[int, int], weights: Mapping[int, int], scale_max: int) -> Fraction:
    """Σ weight × score ÷ scale_max over every weighted criterion (a missing score is an error)."""
    missing = set(weights) - set(scores)
    if missing:
        raise ValueError(f"No score for criteria {sorted(missing)}")
    return sum((Fraction(weights[c] * scores[c], scale_max) for c in weights), Fraction(0))


def median(values: Sequence[Fraction | int]) -> Fraction:
    """The middle value; with an even count, the mean of the two middle values."""
    if not values:
        raise ValueError("The median of nothing is undefined")
    ordered = sorted(Fraction(v) for v in values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2


def mean(values: Sequence[Fraction | int]) -> Fraction:
    if not values:
        raise ValueError("The mean of nothing is undefined")
    return sum((Fraction(v) for v in values), Fraction(0)) / len(values)


def spread(values: Sequence[Fraction | int]) -> Fraction:
    return Fraction(max(values)) - Fraction(min(values)) if values else Fraction(0)


@dataclass(frozen=True)
class CriterionBreakdown:
    """How one criterion went for one candidate: every evaluator's score and the median."""

    criterion_id: int
    weight: int
    scores: dict[int, int]  # evaluator id → score
    median_score: Fraction | None
    contribution: Fraction | None  # weight × median score ÷ scale max, in points


@dataclass
class CandidateResult:
    candidate_id: int
    totals: dict[int, Fraction]  # evaluator id → weighted total, in points
    median: Fraction | None = None
    mean: Fraction | None = None
    spread: Fraction = Fraction(0)
    spread_flagged: bool = False
    rank: int | None = None
    tied_with: list[int] = field(default_factory=list)  # candidate ids sharing the rank
    tie_unresolved: bool = False  # same median and same mean as another candidate
    criteria: list[CriterionBreakdown] = field(default_factory=list)

    @property
    def is_tied(self) -> bool:
        return bool(self.tied_with)

    @property
    def median_points(self) -> Decimal | None:
        return as_points(self.median)

    @property
    def mean_points(self) -> Decimal | None:
        return as_points(self.mean)

    @property
    def spread_points(self) -> Decimal | None:
        return as_points(self.spread) if self.totals else None


def rank_candidates(
    *,
    candidate_ids: Iterable[int],
    weights: Mapping[int, int],
    scale_max: int,
    sheets: Mapping[int, Mapping[tuple[int, int], int]],
    spread_threshold: Decimal | Fraction | int,
) -> list[CandidateResult]:
    """Rank the candidates from the evaluators' sheets, best first.

    ``weights`` maps criterion id → weight (in display order); ``sheets`` maps evaluator id →
    {(candidate id, criterion id): score}. Only complete sheets of a candidate count for it: a sheet
    missing a criterion for a candidate gives no total for that candidate. Candidates nobody scored
    come last, unranked.
    """
    threshold = Fraction(str(spread_threshold))
    results = []
    for candidate_id in candidate_ids:
        totals = {}
        for evaluator_id, cells in sheets.items():
            scores = {c: cells[(candidate_id, c)] for c in weights if (candidate_id, c) in cells}
            if len(scores) == len(weights):
                totals[evaluator_id] = weighted_total(scores, weights, scale_max)
        result = CandidateResult(candidate_id=candidate_id, totals=totals)
        if totals:
            values = list(totals.values())
            result.median, result.mean, result.spread = median(values), mean(values), spread(values)
            result.spread_flagged = result.spread > threshold
        result.criteria = [
            _breakdown(candidate_id, criterion_id, weight, scale_max, sheets, totals)
            for criterion_id, weight in weights.items()
        ]
        results.append(result)
    _assign_ranks(results)
    return results


def _breakdown(candidate_id, criterion_id, weight, scale_max, sheets, totals) -> CriterionBreakdown:
    scores = {e: sheets[e][(candidate_id, criterion_id)] for e in totals}
    middle = median(list(scores.values())) if scores else None
    contribution = middle * weight / scale_max if middle is not None else None
    return CriterionBreakdown(criterion_id, weight, scores, middle, contribution)


def _assign_ranks(results: list[CandidateResult]) -> None:
    """Sort best first; equal medians share the competition rank and are marked tied."""
    scored = [r for r in results if r.median is not None]
    unscored = [r for r in results if r.median is None]
    scored.sort(key=lambda r: (-r.median, -r.mean))
    for result in scored:
        result.rank = 1 + sum(1 for other in scored if other.median > result.median)
        same = [other for other in scored if other is not result and other.median == result.median]
        result.tied_with = [other.candidate_id for other in same]
        result.tie_unresolved = any(other.mean == result.mean for other in same)
    results[:] = scored + unscored
