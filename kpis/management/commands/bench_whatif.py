"""Benchmark the what-if replay against the engine's own evaluation of the same contract.

On a ``seed_scale`` portfolio, inside a transaction that is rolled back: one full engine run (so
that there is a stored outcome to compare with), then for each of ``--contracts`` contracts, one
at a time, a 12-month what-if replay of all its service levels under a proposal (every minimum
level raised to the expected level) and a full engine run of that contract's vendor alone.
The last line is ``ratio=<median replay seconds ÷ median engine seconds>``.
"""

import statistics
import time
from datetime import datetime

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone

from contracts.models import Contract
from kpis.bench.scale import scale_vendors
from kpis.engine import run_evaluation
from kpis.engine.replay import Override
from kpis.models import Measurement, ServiceLevel
from kpis.services.whatif import DEFAULT_WINDOW_MONTHS, WINDOW_MONTHS, whatif_replay


class Rollback(Exception):
    pass


def _timed(fn):
    started = time.perf_counter()
    value = fn()
    return value, time.perf_counter() - started


def _spread(seconds: list[float]) -> str:
    ms = [s * 1000 for s in seconds]
    return f"median {statistics.median(ms):.1f} ms (min {min(ms):.1f}, max {max(ms):.1f})"


class Command(BaseCommand):
    help = "Time what-if replays of single contracts against the engine's evaluation of each contract alone."

    def add_arguments(self, parser):
        parser.add_argument("--contracts", type=int, default=50)
        parser.add_argument("--months", type=int, default=DEFAULT_WINDOW_MONTHS, choices=WINDOW_MONTHS)
        parser.add_argument("--as-of", help="ISO date-time to replay as of (default: now).")

    def handle(self, *args, contracts, months, **options):
        chosen = list(
            Contract.objects.filter(vendor__in=scale_vendors(), service_levels__isnull=False)
            .distinct()
            .select_related("vendor")
            .order_by("pk")
        )
        if not chosen:
            raise CommandError("No scale portfolio: load one first (python manage.py seed_scale).")
        step = max(1, len(chosen) // contracts)
        chosen = chosen[::step][:contracts]
        now = datetime.fromisoformat(options["as_of"]) if options["as_of"] else timezone.now()
        if timezone.is_naive(now):
            now = timezone.make_aware(now)
        try:
            with transaction.atomic():
                self._bench(chosen, months=months, now=now)
                raise Rollback
        except Rollback:
            pass

    def _bench(self, contracts, *, months, now):
        out = self.stdout.write
        out(
            f"database: {connection.vendor}; service levels: {ServiceLevel.objects.count()}; "
            f"measurements: {Measurement.objects.count()}; contracts replayed: {len(contracts)}; "
            f"window: {months} months; as of {now:%Y-%m-%d %H:%M %Z}"
        )
        run, seconds = _timed(lambda: run_evaluation(now=now, full=True))
        out(
            "portfolio evaluated first (the stored outcome to compare with): "
            f"{run.results_written} results in {seconds:.1f} s"
        )

        replay_times, engine_times, periods, changed = [], [], [], 0
        for index, contract in enumerate(contracts):
            service_levels = list(ServiceLevel.objects.filter(contract=contract, is_active=True))
            overrides = {sl.pk: Override(minimum=sl.target) for sl in service_levels}

            def replay(contract=contract, overrides=overrides):
                return whatif_replay(contract=contract, overrides=overrides, months=months, now=now)

            def engine(contract=contract):
                return run_evaluation(now=now, full=True, vendor_ids=[contract.vendor_id])

            # Alternate which goes first, so that neither always meets the warmer cache.
            if index % 2:
                result, replay_seconds = _timed(replay)
                _, engine_seconds = _timed(engine)
            else:
                _, engine_seconds = _timed(engine)
                result, replay_seconds = _timed(replay)
            replay_times.append(replay_seconds)
            engine_times.append(engine_seconds)
            periods.append(sum(len(r.rows) for r in result.service_levels))
            changed += sum(1 for r in result.service_levels for row in r.rows if row.changed)

        replay_median, engine_median = statistics.median(replay_times), statistics.median(engine_times)
        out(
            f"replay of one contract ({statistics.median(periods):.0f} periods, {months} months): "
            f"{_spread(replay_times)}"
        )
        out(f"engine full run of the same contract's vendor alone: {_spread(engine_times)}")
        out(f"periods whose outcome, breach or credit the proposal changed: {changed}")
        out(f"ratio={replay_median / engine_median:.2f}")
