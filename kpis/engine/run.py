"""One evaluation run: claim the due periods, then write results, breaches, credits, scorecards."""

import logging
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Max, Min
from django.utils import timezone

from kpis import periods
from kpis.models import EvaluationRun, Period, ServiceLevel
from kpis.models.results import RunStatus
from kpis.scoring import active_scheme

from . import dialect, statements

logger = logging.getLogger(__name__)

PERIOD_KINDS = (periods.WEEKLY, periods.MONTHLY, periods.QUARTERLY)


def response_due_at(now: datetime) -> datetime:
    """Vendors respond to a new breach by the end of the local working day N days later."""
    days = getattr(settings, "BREACH_RESPONSE_DAYS", 5)
    day = periods.local_today(now) + timedelta(days=days)
    return datetime.combine(day, time(17, 0), tzinfo=periods.local_zone())


def ensure_calendar(today: date) -> None:
    """Make sure the period calendar covers every service level's life up to today."""
    first = ServiceLevel.objects.aggregate(first=Min("effective_from"))["first"]
    if first is None:
        return
    # Each kind on its own: the current quarter reaches past today long before the weeks do.
    covered = {
        row["kind"]: row
        for row in Period.objects.order_by().values("kind").annotate(first=Min("start"), last=Max("end"))
    }
    if all(
        kind in covered and covered[kind]["first"] <= first and covered[kind]["last"] >= today
        for kind in PERIOD_KINDS
    ):
        return
    rows = [
        Period(kind=kind, start=start, end=end)
        for kind in PERIOD_KINDS
        for start, end in periods.periods_between(kind, first, today)
    ]
    Period.objects.bulk_create(rows, ignore_conflicts=True, batch_size=2000)


def _execute(cursor, sql: str, params: dict) -> int:
    """Run one statement and return how many rows it wrote."""
    cursor.execute(sql, params)
    if cursor.rowcount >= 0:
        return cursor.rowcount
    # sqlite3 reports no row count for statements that start with WITH.
    cursor.execute("SELECT changes()")
    return cursor.fetchone()[0]


def statement_params(*, now: datetime, since: date | None, run_id: int | None) -> dict:
    """The named parameters every statement reads: the run's clock, scope and the scoring scheme."""
    scheme = active_scheme()
    # Timestamps are bound as the ORM stores them (naive UTC text on SQLite), so that rows
    # written here are found by ORM lookups on the same columns.
    stamp = connection.ops.adapt_datetimefield_value
    return {
        "now": stamp(now),
        "today": periods.local_today(now),
        "since": since,
        "run": run_id,
        "response_due": stamp(response_due_at(now)),
        "warning_points": scheme.warning_points,
        **{f"w_{name}": weight for name, weight in scheme.category_weights().items()},
        "scheme": scheme.pk,
        # Figures submitted at or before this moment have stood long enough to count (four-eyes rule).
        "count_before": stamp(now - timedelta(days=settings.FIGURES_COUNT_AFTER_DAYS)),
    }


def judge_work(cursor, params: dict, *, full: bool, bookkeeping: bool = True) -> dict[str, int]:
    """Judge the periods in ``eval_work``: results, breaches, the credit ledger, scorecards.

    ``full`` chooses the plan of the results statement (one pass over every figure, or only the
    work set's). ``bookkeeping`` claims the queued re-evaluations, writes the breaches' audit rows
    and re-ranks the portfolio; a what-if replay, which is rolled back, leaves it out.
    Returns the rows each step wrote.
    """
    counts = {}
    if bookkeeping:
        _execute(cursor, statements.CLAIM_PENDING, params)
    counts["results"] = _execute(cursor, statements.upsert_results(full=full), params)
    counts["breaches_opened"] = _execute(cursor, statements.open_breaches(), params)
    _execute(cursor, statements.mark_reported_late(), params)
    _execute(cursor, statements.reassess_breaches(), params)
    counts["breaches_cleared"] = _execute(cursor, statements.clear_breaches(), params)
    if bookkeeping:
        _execute(cursor, statements.audit_breaches(), params)
    _execute(cursor, statements.upsert_credits(), params)
    counts["scorecards"] = _execute(cursor, statements.upsert_scorecards(), params)
    if bookkeeping:
        _execute(cursor, statements.rank_and_trend(), params)
    return counts


def _evaluate(run: EvaluationRun, *, now: datetime) -> None:
    params = statement_params(now=now, since=run.since, run_id=run.pk)
    scope = {"vendor_ids": run.vendor_ids or None, "since_filter": run.since is not None}
    fill = statements.fill_work_full(**scope) if run.full else statements.fill_work_incremental(**scope)
    with transaction.atomic(), connection.cursor() as cursor:
        for sql in dialect.advisory_lock():
            cursor.execute(sql)
        for sql in dialect.session_settings():
            cursor.execute(sql)
        for sql in dialect.create_work_table():
            cursor.execute(sql)
        run.periods_evaluated = _execute(cursor, fill, params)
        if run.periods_evaluated:
            for sql in dialect.analyze_work_table():
                cursor.execute(sql)
            # A full run of a few vendors reads only their figures; of the whole portfolio, all of them.
            counts = judge_work(cursor, params, full=run.full and not run.vendor_ids)
            run.results_written = counts["results"]
            run.breaches_opened = counts["breaches_opened"]
            run.breaches_cleared = counts["breaches_cleared"]
            run.scorecards_written = counts["scorecards"]
        for sql in dialect.drop_work_table():
            cursor.execute(sql)
        run.status = RunStatus.SUCCEEDED
        run.finished_at = timezone.now()
        run.save()


def run_evaluation(
    *,
    now: datetime | None = None,
    full: bool = False,
    vendor_ids: list[int] | None = None,
    since: date | None = None,
) -> EvaluationRun:
    """Evaluate what is due as of ``now``: everything (``full``) or only what changed or newly closed.

    The run is recorded first (so a crash leaves a trace); all of its writes happen in one
    transaction. Failures are recorded on the run and re-raised.
    """
    now = now or timezone.now()
    ensure_calendar(periods.local_today(now))
    run = EvaluationRun.objects.create(
        as_of=now, full=full, vendor_ids=sorted(vendor_ids or []), since=since, status=RunStatus.RUNNING
    )
    try:
        _evaluate(run, now=now)
    except Exception as exc:
        logger.exception("Evaluation run %s failed", run.pk)
        EvaluationRun.objects.filter(pk=run.pk).update(
            status=RunStatus.FAILED, finished_at=timezone.now(), error=f"{type(exc).__name__}: {exc}"[:5000]
        )
        raise
    return run
