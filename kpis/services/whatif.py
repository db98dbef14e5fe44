"""What-if replays of proposed levels, periods and pool allocations, for one service level or a
whole contract: today's stored outcome beside the outcome the engine gives under the proposal.

The proposal outcome comes from the engine's own statements (``kpis.engine.replay``), run in a
savepoint that is rolled back, so nothing is written.
"""

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils import timezone

from .. import periods
from ..engine.replay import Override, Snapshot, replay
from ..models import Direction, MeasurementPeriod, ServiceLevel, ServiceLevelKind

WINDOW_MONTHS = (6, 12, 24)
DEFAULT_WINDOW_MONTHS = 12
MAX_ALLOCATION = Decimal("500")


@dataclass
class Side:
    """One period's outcome, today or under the proposal."""

    target: Decimal
    minimum: Decimal
    attained: Decimal | None
    outcome: str
    breach: bool
    credit: Decimal


@dataclass
class PeriodRow:
    period_start: date
    period_end: date
    today: Side | None  # None: the engine has not judged this period yet
    proposal: Side | None  # None: the period does not exist under the proposed period length
    category_today: Decimal | None = None
    category_proposal: Decimal | None = None

    @property
    def sides(self) -> list[tuple]:
        return [(self.today, self.category_today), (self.proposal, self.category_proposal)]

    @property
    def changed(self) -> bool:
        if self.today is None or self.proposal is None:
            return True
        return (self.today.outcome, self.today.breach, self.today.credit) != (
            self.proposal.outcome,
            self.proposal.breach,
            self.proposal.credit,
        )


@dataclass
class Totals:
    breaches: int = 0
    credits: Decimal = Decimal("0")
    outcomes: dict[str, int] = field(default_factory=dict)

    def add(self, side: Side | None) -> None:
        if side is None:
            return
        self.breaches += side.breach
        self.credits += side.credit
        self.outcomes[side.outcome] = self.outcomes.get(side.outcome, 0) + 1


@dataclass
class ServiceLevelReplay:
    service_level: ServiceLevel
    override: Override
    rows: list[PeriodRow]
    today: Totals
    proposal: Totals


@dataclass
class LedgerRow:
    """The contract's capped service credit for one period, today and under the proposal."""

    period_kind: str
    period_start: date
    period_end: date
    today: Decimal
    proposal: Decimal

    @property
    def difference(self) -> Decimal:
        return self.proposal - self.today


@dataclass
class ScoreRow:
    """The vendor's scorecard for one month: overall and per category, today and under the proposal."""

    month: date
    today: dict
    proposal: dict

    COLUMNS = ("score", "quality", "delivery", "responsiveness", "relationship")

    @property
    def cells(self) -> list[tuple]:
        """(today, proposal) for the overall score and each category."""
        return [(self.today.get(name), self.proposal.get(name)) for name in self.COLUMNS]


@dataclass
class ContractReplay:
    contract: object
    months: int
    since: date
    service_levels: list[ServiceLevelReplay]
    ledger: list[LedgerRow]
    scores: list[ScoreRow]

    @property
    def credits_today(self) -> Decimal:
        return sum((row.today for row in self.ledger), Decimal("0"))

    @property
    def credits_proposal(self) -> Decimal:
        return sum((row.proposal for row in self.ledger), Decimal("0"))

    @property
    def credits_difference(self) -> Decimal:
        return self.credits_proposal - self.credits_today

    @property
    def breaches_today(self) -> int:
        return sum(r.today.breaches for r in self.service_levels)

    @property
    def breaches_proposal(self) -> int:
        return sum(r.proposal.breaches for r in self.service_levels)


def window_start(months: int, *, now: datetime) -> date:
    """The first day of the month ``months`` months before the current one."""
    if months not in WINDOW_MONTHS:
        raise ValidationError({"months": f"Replay the last {', '.join(map(str, WINDOW_MONTHS))} months."})
    today = periods.local_today(now)
    return periods._add_months(today.replace(day=1), -months)


def _decimal(value, name: str) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise ValidationError({name: "Enter a number."}) from None
    if not number.is_finite():
        raise ValidationError({name: "Enter a number."})
    return number


def whatif_override(
    *, service_level: ServiceLevel, target=None, minimum=None, period=None, credit_allocation_percent=None
) -> Override:
    """Check a proposal for one service level; values equal to today's are left out."""
    target, minimum = _decimal(target, "target"), _decimal(minimum, "minimum")
    allocation = _decimal(credit_allocation_percent, "credit_allocation_percent")
    new_target = service_level.target if target is None else target
    new_minimum = service_level.minimum if minimum is None else minimum
    direction = service_level.metric.direction
    if direction == Direction.HIGHER and new_minimum > new_target:
        raise ValidationError(
            {"minimum": "When higher is better the minimum level cannot be above the target."}
        )
    if direction == Direction.LOWER and new_minimum < new_target:
        raise ValidationError(
            {"minimum": "When lower is better the minimum level cannot be below the target."}
        )
    if period not in (None, "") and period not in MeasurementPeriod.values:
        raise ValidationError({"period": "Choose weekly, monthly or quarterly."})
    if allocation is not None:
        if service_level.kind != ServiceLevelKind.CSL and allocation != 0:
            raise ValidationError(
                {"credit_allocation_percent": "Only critical service levels carry a pool allocation."}
            )
        if not Decimal("0") <= allocation <= MAX_ALLOCATION:
            raise ValidationError(
                {"credit_allocation_percent": f"Enter a share between 0 and {MAX_ALLOCATION} %."}
            )
    return Override(
        target=target if target is not None and target != service_level.target else None,
        minimum=minimum if minimum is not None and minimum != service_level.minimum else None,
        period=period if period and period != service_level.period else None,
        credit_allocation_percent=(
            allocation
            if allocation is not None and allocation != service_level.credit_allocation_percent
            else None
        ),
    )


def _side(snapshot: Snapshot, key) -> Side | None:
    result = snapshot.results.get(key)
    if result is None:
        return None
    return Side(
        target=result.target,
        minimum=result.minimum,
        attained=result.attained,
        outcome=result.outcome,
        breach=key in snapshot.breaches,
        credit=result.credit_amount,
    )


def _category_score(snapshot: Snapshot, period_end: date, category: str) -> Decimal | None:
    scorecard = snapshot.scorecards.get(periods.period_start(periods.MONTHLY, period_end))
    return scorecard[f"{category}_score"] if scorecard else None


def _service_level_rows(sl: ServiceLevel, today: Snapshot, proposal: Snapshot) -> list[PeriodRow]:
    """One row per period: the proposal's periods, with today's period of the same span beside it
    (and today's other periods on their own rows when the proposal changes the period length)."""
    in_today = {(start, end) for pk, start, end in today.periods if pk == sl.pk}
    in_proposal = {(start, end) for pk, start, end in proposal.periods if pk == sl.pk}
    rows = []
    category = sl.metric.category
    for start, end in sorted(in_today | in_proposal):
        key, span = (sl.pk, start), (start, end)
        rows.append(
            PeriodRow(
                period_start=start,
                period_end=end,
                today=_side(today, key) if span in in_today else None,
                proposal=_side(proposal, key) if span in in_proposal else None,
                category_today=_category_score(today, end, category) if span in in_today else None,
                category_proposal=_category_score(proposal, end, category) if span in in_proposal else None,
            )
        )
    return rows


def _scorecard_values(scorecard: dict | None) -> dict:
    if scorecard is None:
        return {}
    return {
        "score": scorecard["score"],
        "band": scorecard["band"],
        "rag": scorecard["rag"],
        **{
            name: scorecard[f"{name}_score"]
            for name in ("quality", "delivery", "responsiveness", "relationship")
        },
    }


def whatif_replay(
    *,
    contract,
    overrides: dict[int, Override],
    months: int = DEFAULT_WINDOW_MONTHS,
    service_level=None,
    now=None,
) -> ContractReplay:
    """Replay the last ``months`` months of a contract's active service levels (or of one of them)
    under ``overrides`` (service level id → proposal). Nothing is written."""
    now = now or timezone.now()
    since = window_start(months, now=now)
    service_levels = list(
        ServiceLevel.objects.filter(contract=contract, is_active=True)
        .select_related("metric")
        .order_by("metric__name")
    )
    if service_level is not None:
        service_levels = [sl for sl in service_levels if sl.pk == service_level.pk]
    today, proposal = replay(
        contract=contract, service_levels=service_levels, overrides=overrides, since=since, now=now
    )
    replays = []
    for sl in service_levels:
        rows = _service_level_rows(sl, today, proposal)
        totals_today, totals_proposal = Totals(), Totals()
        for row in rows:
            totals_today.add(row.today)
            totals_proposal.add(row.proposal)
        replays.append(
            ServiceLevelReplay(sl, overrides.get(sl.pk) or Override(), rows, totals_today, totals_proposal)
        )
    # The contract's ledger is per calendar month: each period's credit lands in the month it ends in.
    ledger_months = sorted(
        {
            periods.period_bounds(periods.MONTHLY, end)
            for replay in (today, proposal)
            for _pk, _start, end in replay.periods
        }
    )
    ledger = []
    for start, end in ledger_months:
        key = (periods.MONTHLY, start)
        old, new = today.credits.get(key), proposal.credits.get(key)
        if old is None and new is None:
            continue
        ledger.append(LedgerRow(periods.MONTHLY, start, end, old or Decimal("0"), new or Decimal("0")))
    months_touched = sorted(set(today.scorecards) | set(proposal.scorecards))
    scores = [
        ScoreRow(
            month,
            _scorecard_values(today.scorecards.get(month)),
            _scorecard_values(proposal.scorecards.get(month)),
        )
        for month in months_touched
    ]
    return ContractReplay(contract, months, since, replays, ledger, scores)
