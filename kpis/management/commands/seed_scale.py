"""Load a large synthetic portfolio for benchmarks (see bench_engine)."""

import time
from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError

from kpis import periods
from kpis.bench.scale import analyze, scale_vendors, seed_scale


class Command(BaseCommand):
    help = "Create N vendors × M service levels with daily measurements (bulk, set-based)."

    def add_arguments(self, parser):
        parser.add_argument("--vendors", type=int, default=1000)
        parser.add_argument("--slas-per-vendor", type=int, default=10)
        parser.add_argument("--days", type=int, default=365)
        parser.add_argument("--reset", action="store_true", help="Delete an existing scale portfolio first.")

    def handle(self, *args, vendors, slas_per_vendor, days, reset, **options):
        if min(vendors, slas_per_vendor, days) < 1:
            raise CommandError("--vendors, --slas-per-vendor and --days must be at least 1.")
        existing = scale_vendors()
        if existing.exists():
            if not reset:
                raise CommandError("A scale portfolio already exists; pass --reset to replace it.")
            from kpis.bench.scale import delete_scale

            delete_scale()
        started = time.perf_counter()
        end = periods.local_today() - timedelta(days=1)
        counts = seed_scale(vendors=vendors, slas_per_vendor=slas_per_vendor, days=days, end=end)
        analyze()
        elapsed = time.perf_counter() - started
        self.stdout.write(
            f"Seeded {counts['vendors']} vendors, {counts['service_levels']} service levels and "
            f"{counts['measurements']} measurements ending {end} in {elapsed:.1f} s."
        )
