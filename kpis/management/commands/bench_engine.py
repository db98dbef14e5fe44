"""Benchmark the engine against one hand-written SQL statement on the same data.

Runs inside a transaction that is rolled back, so the database is left as it was.
Prints the figures; the last line is ``ratio=<engine seconds ÷ reference seconds>``.
"""

import time
from datetime import datetime, timedelta

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from kpis import periods
from kpis.bench.reference import reference_results
from kpis.bench.scale import _generate_measurements
from kpis.engine import dialect, run_evaluation
from kpis.engine.run import ensure_calendar
from kpis.models import Measurement, ServiceLevel, ServiceLevelResult


class Rollback(Exception):
    pass


class Command(BaseCommand):
    help = "Time a full and an incremental engine run against a single reference SQL statement."

    def add_arguments(self, parser):
        parser.add_argument("--as-of", help="ISO date-time to evaluate as of (default: now).")

    def handle(self, *args, **options):
        if not ServiceLevel.objects.exists():
            raise CommandError("No service levels: load a portfolio first (python manage.py seed_scale).")
        now = datetime.fromisoformat(options["as_of"]) if options["as_of"] else timezone.now()
        if timezone.is_naive(now):
            now = timezone.make_aware(now)
        try:
            with transaction.atomic():
                self._bench(now)
                raise Rollback
        except Rollback:
            pass

    def _timed(self, fn):
        started = time.perf_counter()
        value = fn()
        return value, time.perf_counter() - started

    def _bench(self, now):
        today = periods.local_today(now)
        out = self.stdout.write
        measurements = Measurement.objects.count()
        out(
            f"database: {connection.vendor}; service levels: {ServiceLevel.objects.count()}; "
            f"measurements: {measurements}; as of {now:%Y-%m-%d %H:%M %Z}"
        )
        # Start from no engine output, as a first run would (rolled back at the end).
        outputs = [
            "kpis_breach",
            "kpis_servicecredit",
            "kpis_scorecard",
            "kpis_servicelevelresult",
            "kpis_pendingevaluation",
        ]
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM accounts_auditevent WHERE object_type = 'kpis.breach'")
            if connection.vendor == "postgresql":
                cursor.execute(f"TRUNCATE {', '.join(outputs)} CASCADE")
            else:
                for table in outputs:
                    cursor.execute(f"DELETE FROM {table}")  # noqa: S608
        ensure_calendar(today)
        with connection.cursor() as cursor:
            for sql in dialect.session_settings():  # the reference runs with the engine's settings
                cursor.execute(sql)
        reference_results(today=today, now=now)  # warm the cache
        reference, ref_seconds = self._timed(lambda: reference_results(today=today, now=now))
        out(f"reference statement: {len(reference)} service-level periods in {ref_seconds:.3f} s")

        with CaptureQueriesContext(connection) as queries:
            run, full_seconds = self._timed(lambda: run_evaluation(now=now, full=True))
        out(
            f"engine full run: {run.results_written} results, {run.breaches_opened} breaches, "
            f"{run.scorecards_written} scorecards in {full_seconds:.3f} s ({len(queries)} SQL statements)"
        )

        engine = {
            (sl, ps): (attained, outcome)
            for sl, ps, attained, outcome in ServiceLevelResult.objects.values_list(
                "service_level_id", "period_start", "attained", "outcome"
            )
        }
        mismatches = [key for key, value in reference.items() if engine.get(key) != value]
        mismatches += [key for key in engine if key not in reference]
        out(f"engine vs reference: {len(reference) - len(mismatches)}/{len(reference)} identical")
        if mismatches:
            raise CommandError(
                f"Engine and reference disagree on {len(mismatches)} periods, e.g. {mismatches[:3]}"
            )

        last_day = Measurement.objects.latest("measured_on").measured_on
        next_day = last_day + timedelta(days=1)
        added = _generate_measurements(start=next_day, end=next_day)
        with CaptureQueriesContext(connection) as queries:
            inc, inc_seconds = self._timed(lambda: run_evaluation(now=now + timedelta(days=1)))
        out(
            f"incremental run after one more day ({added} measurements for {next_day}): "
            f"{inc.periods_evaluated} periods in {inc_seconds:.3f} s ({len(queries)} SQL statements) = "
            f"{100 * inc_seconds / full_seconds:.1f}% of the full run"
        )
        out(f"full run ÷ reference: {full_seconds / ref_seconds:.2f}")
        out(f"ratio={full_seconds / ref_seconds:.2f}")
