"""Ingestion benchmark: batches through the whole API stack in-process beside a bare ``bulk_create``.

Everything happens inside one transaction that is rolled back: a scratch vendor with its service
levels, a vendor user with a write token, the figures posted to /api/v1/measurements/batch/ with
``django.test.Client`` (middleware, token authentication, throttling, validation, idempotency keys,
the audit trail), then the same rows again with ``Measurement.objects.bulk_create``. The last line
is ``ratio=<bulk_create rate ÷ API rate>``.
"""

import json
import time
from datetime import timedelta
from decimal import Decimal

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role, User
from api.services.tokens import api_token_create
from contracts.models import Contract, ContractStatus, ContractType
from kpis import periods
from kpis.models import Direction, Measurement, MeasurementSource, Metric, MetricCategory, ServiceLevel
from vendors.models import Vendor, VendorStatus

HOST = "localhost"


class Command(BaseCommand):
    help = "Measure figures per second through the API's batch endpoint against a bare bulk_create."

    def add_arguments(self, parser):
        parser.add_argument("--service-levels", type=int, default=50)
        parser.add_argument("--days", type=int, default=100, help="Days of figures per service level.")
        parser.add_argument("--batch-size", type=int, default=1000)

    def handle(self, *args, **options):
        levels, days, size = options["service_levels"], options["days"], options["batch_size"]
        if not (1 <= levels <= 1000 and 1 <= days <= 300 and size >= 1):
            raise CommandError("Use 1–1000 service levels, 1–300 days and a positive batch size.")
        # The query log that DEBUG keeps would weigh on the API side only.
        settings = {"DEBUG": False, "API_THROTTLE_RATE": "1000000/second", "API_BATCH_MAX_ITEMS": size}
        with override_settings(**settings), transaction.atomic():
            self._run(levels, days, size)
            transaction.set_rollback(True)

    def _run(self, level_count: int, days: int, size: int) -> None:
        today = periods.local_today()
        user, service_levels = _scratch(level_count, first_day=today - timedelta(days=days))
        _, plaintext = api_token_create(user=user, name="bench_ingest", scope="write")
        rows = [
            (sl, today - timedelta(days=offset), Decimal("99.5") + Decimal(offset % 5) / 10)
            for sl in service_levels
            for offset in range(days)
        ]
        batches = [rows[start : start + size] for start in range(0, len(rows), size)]
        client = Client(HTTP_AUTHORIZATION=f"Bearer {plaintext}", HTTP_HOST=HOST)
        url = reverse("api:v1:measurement-batch")

        started = time.perf_counter()
        for number, batch in enumerate(batches):
            body = {
                "items": [
                    {
                        "idempotency_key": f"bench-{number}-{index}",
                        "service_level": sl.pk,
                        "measured_on": day.isoformat(),
                        "value": str(value),
                    }
                    for index, (sl, day, value) in enumerate(batch)
                ]
            }
            response = client.post(url, data=json.dumps(body), content_type="application/json")
            if response.status_code != 201:
                raise CommandError(
                    f"Batch {number} answered {response.status_code}: {response.content[:500]!r}"
                )
        api_seconds = time.perf_counter() - started
        saved = Measurement.objects.filter(service_level__in=service_levels).count()
        if saved != len(rows):
            raise CommandError(f"The API saved {saved} figures for {len(rows)} rows.")

        now = timezone.now()
        started = time.perf_counter()
        Measurement.objects.bulk_create(
            [
                Measurement(
                    service_level=sl,
                    measured_on=day,
                    value=value,
                    source=MeasurementSource.API,
                    submitted_by=user,
                    submitted_at=now,
                )
                for sl, day, value in rows
            ],
            batch_size=size,
        )
        bulk_seconds = time.perf_counter() - started

        api_rate, bulk_rate = len(rows) / api_seconds, len(rows) / bulk_seconds
        self.stdout.write(
            f"{len(rows):,} figures ({level_count} service levels × {days} days) "
            f"in {len(batches)} batches of up to {size:,}"
        )
        self.stdout.write(f"API batch endpoint: {api_seconds:.2f} s, {api_rate:,.0f} measurements/second")
        self.stdout.write(f"bare bulk_create:   {bulk_seconds:.2f} s, {bulk_rate:,.0f} measurements/second")
        self.stdout.write(f"ratio={bulk_rate / api_rate:.2f}")


def _scratch(level_count: int, *, first_day) -> tuple[User, list[ServiceLevel]]:
    """A vendor, a contract, a metric and ``level_count`` service levels, and one of the vendor's users."""
    stamp = timezone.now().strftime("%Y%m%d%H%M%S%f")
    vendor = Vendor.objects.create(name=f"Bench ingest {stamp}", status=VendorStatus.ACTIVE)
    contract = Contract.objects.create(
        vendor=vendor,
        reference=f"BENCH-{stamp}"[:40],
        title="Ingestion benchmark",
        contract_type=ContractType.MSA,
        status=ContractStatus.ACTIVE,
        start_date=first_day,
        initial_term_end=first_day + timedelta(days=3 * 365),
    )
    metrics = Metric.objects.bulk_create(
        [
            Metric(
                code=f"bench-{stamp}-{n}",
                name=f"Bench metric {stamp} {n}",
                unit="%",
                direction=Direction.HIGHER,
                category=MetricCategory.QUALITY,
            )
            for n in range(level_count)
        ]
    )
    service_levels = ServiceLevel.objects.bulk_create(
        [
            ServiceLevel(
                contract=contract,
                metric=metric,
                target=Decimal("99.5"),
                minimum=Decimal("98"),
                effective_from=first_day,
            )
            for metric in metrics
        ]
    )
    user = User.objects.create_user(
        email=f"bench-{stamp}@bench.invalid", role=Role.VENDOR_USER, vendor=vendor, full_name="Bench"
    )
    return user, service_levels
