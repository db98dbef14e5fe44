"""What-if replay: the engine's own statements run over stored figures under proposed levels, then
rolled back.

Inside a savepoint the proposal is written over the service levels (levels, period, pool
allocation), the due periods of the chosen window go into the engine's work table and
``judge_work`` writes results, breaches, the credit ledger and scorecards exactly as an evaluation
run would. What they say is read back, and the savepoint is rolled back: nothing stays, no other
transaction ever sees it, and no audit row, notification or queued evaluation comes of it.
"""

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import NamedTuple

from django.db import connection, transaction

from kpis import periods
from kpis.models import (
    Breach,
    BreachStatus,
    Scorecard,
    ServiceCredit,
    ServiceLevel,
    ServiceLevelResult,
)

from . import dialect, statements
from .run import ensure_calendar, judge_work, statement_params


@dataclass(frozen=True)
class Override:
    """What a proposal changes on one service level; ``None`` keeps today's value."""

    target: Decimal | None = None
    minimum: Decimal | None = None
    period: str | None = None
    credit_allocation_percent: Decimal | None = None

    def __bool__(self):
        return any(
            v is not None for v in (self.target, self.minimum, self.period, self.credit_allocation_percent)
        )


class Result(NamedTuple):
    target: Decimal
    minimum: Decimal
    attained: Decimal | None
    outcome: str
    credit_amount: Decimal


RESULT_FIELDS = ("service_level_id", "period_start", *Result._fields)
SCORECARD_FIELDS = (
    "period_start",
    "score",
    "band",
    "rag",
    "quality_score",
    "delivery_score",
    "responsiveness_score",
    "relationship_score",
)


@dataclass
class Snapshot:
    """What the engine's tables say about a set of (service level, period) pairs."""

    periods: list[tuple[int, date, date]]  # (service level id, period start, period end), ordered
    results: dict[tuple[int, date], Result]
    breaches: set[tuple[int, date]]  # periods with a breach that was not cleared
    credits: dict[tuple[str, date], Decimal]  # the contract's capped credit by (period kind, start)
    scorecards: dict[date, dict]  # the vendor's scorecards by month: score, band, rag, category scores


class _RolledBack(Exception):
    pass


def _due_periods(cursor, *, vendor_id: int, service_level_ids: list[int], params: dict) -> list:
    """Fill the work table with the closed periods of these service levels since ``params['since']``,
    chosen by the engine's own statement, and return them."""
    cursor.execute("DELETE FROM eval_work")
    ids = ", ".join(str(int(pk)) for pk in service_level_ids)
    due = statements.due_periods(vendor_ids=[vendor_id], since_filter=True)
    cursor.execute(
        "INSERT INTO eval_work (service_level_id, period_start, period_end) "
        f"SELECT * FROM ({due}) due WHERE due.id IN ({ids})",  # noqa: S608 - ids are integers
        params,
    )
    cursor.execute("SELECT service_level_id, period_start, period_end FROM eval_work")
    rows = [(sl, _as_date(start), _as_date(end)) for sl, start, end in cursor.fetchall()]
    return sorted(rows)


def _as_date(value) -> date:
    return value if isinstance(value, date) else date.fromisoformat(value)


def _snapshot(*, contract, work: list) -> Snapshot:
    """Read the engine's tables for the work periods (stored rows, or the replay's inside the savepoint)."""
    keys = {(sl, start) for sl, start, _ in work}
    if not keys:
        return Snapshot(work, {}, set(), {}, {})
    first = min(start for _, start in keys)
    sl_ids = {sl for sl, _ in keys}
    rows = ServiceLevelResult.objects.filter(service_level_id__in=sl_ids, period_start__gte=first).order_by()
    results = {
        (sl, start): Result(*values)
        for sl, start, *values in rows.values_list(*RESULT_FIELDS)
        if (sl, start) in keys
    }
    breaches = {
        key
        for key in Breach.objects.filter(service_level_id__in=sl_ids, period_start__gte=first)
        .exclude(status=BreachStatus.CLEARED)
        .order_by()
        .values_list("service_level_id", "period_start")
        if key in keys
    }
    # The ledger is per contract and calendar month: a period's credit belongs to the month it ends in.
    months = {periods.period_start(periods.MONTHLY, end) for _, _, end in work}
    credits = {
        (kind, start): amount
        for kind, start, amount in ServiceCredit.objects.filter(
            contract=contract, period_kind=periods.MONTHLY, period_start__in=months
        )
        .order_by()
        .values_list("period_kind", "period_start", "amount")
    }
    scorecards = {
        row["period_start"]: row
        for row in Scorecard.objects.filter(vendor_id=contract.vendor_id, period_start__in=months)
        .order_by()
        .values(*SCORECARD_FIELDS)
    }
    return Snapshot(work, results, breaches, credits, scorecards)


def _apply(
    cursor, service_levels: list[ServiceLevel], overrides: dict[int, Override], *, since: date
) -> bool:
    """Write the proposals over the service levels (inside the savepoint). True when a period changes."""
    levels, periods_changed = [], False
    for sl in service_levels:
        override = overrides.get(sl.pk)
        if not override:
            continue
        fields = {}
        if override.target is not None or override.minimum is not None:
            levels.append(sl.pk)
            fields["target"] = sl.target if override.target is None else override.target
            fields["minimum"] = sl.minimum if override.minimum is None else override.minimum
        if override.credit_allocation_percent is not None:
            fields["credit_allocation_percent"] = override.credit_allocation_percent
        if override.period is not None and override.period != sl.period:
            fields["period"] = override.period
            periods_changed = True
            # Results of the old periods would otherwise count in the months they end in.
            cursor.execute(
                "DELETE FROM kpis_servicelevelresult WHERE service_level_id = %s AND period_end >= %s",
                [sl.pk, since],
            )
        if fields:
            assignments = ", ".join(f"{name} = %s" for name in fields)
            cursor.execute(
                f"UPDATE kpis_servicelevel SET {assignments} WHERE id = %s",  # noqa: S608 - fixed names
                [*fields.values(), sl.pk],
            )
    if levels:
        # The proposed levels hold for every replayed period: no effective-dated level overrides them.
        placeholders = ", ".join(["%s"] * len(levels))
        cursor.execute(
            f"DELETE FROM kpis_serviceleveltarget WHERE service_level_id IN ({placeholders})",  # noqa: S608
            levels,
        )
    return periods_changed


def replay(
    *,
    contract,
    service_levels: list[ServiceLevel],
    overrides: dict[int, Override],
    since: date,
    now: datetime,
) -> tuple[Snapshot, Snapshot]:
    """Today's stored outcome and the outcome under ``overrides`` of every closed period of
    ``service_levels`` (all of one contract) ending on or after ``since``, as of ``now``."""
    sl_ids = [sl.pk for sl in service_levels]
    if not sl_ids:
        return Snapshot([], {}, set(), {}, {}), Snapshot([], {}, set(), {}, {})
    params = statement_params(now=now, since=since, run_id=None)
    outcome = {}
    try:
        with transaction.atomic():
            ensure_calendar(periods.local_today(now))
            with connection.cursor() as cursor:
                # Wait for a running evaluation, as another run would: the replay touches its rows.
                for sql in dialect.advisory_lock() + dialect.session_settings() + dialect.create_work_table():
                    cursor.execute(sql)
                work = _due_periods(
                    cursor, vendor_id=contract.vendor_id, service_level_ids=sl_ids, params=params
                )
                outcome["today"] = _snapshot(contract=contract, work=work)
                if _apply(cursor, service_levels, overrides, since=since):
                    work = _due_periods(
                        cursor, vendor_id=contract.vendor_id, service_level_ids=sl_ids, params=params
                    )
                if work:
                    for sql in dialect.analyze_work_table():
                        cursor.execute(sql)
                    judge_work(cursor, params, full=False, bookkeeping=False)
                outcome["proposal"] = _snapshot(contract=contract, work=work)
                for sql in dialect.drop_work_table():
                    cursor.execute(sql)
            raise _RolledBack
    except _RolledBack:
        pass
    return outcome["today"], outcome["proposal"]
