"""Build and send the digests of N people on the loaded portfolio, in batches, and time it.

The people (managers, viewers and vendor users spread over the vendors) are created once, in bulk,
and kept for later runs. Everything else happens in a transaction that is rolled back: a day's news
(a new breach per vendor), the planning, the batches. Messages are serialised as the SMTP backend
would and counted, not kept. The last line is ``ms_per_digest=<milliseconds>``.
"""

import statistics
import time
from datetime import datetime, timedelta

from django.contrib.auth.hashers import make_password
from django.core.mail.backends.base import BaseEmailBackend
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext, override_settings

from accounts.models import Role, User
from kpis import periods
from kpis.models import Breach, BreachKind, BreachSeverity, ServiceLevel
from notifications.models import DigestLedger
from notifications.services.digests import digests_plan, digests_send_batch
from vendors.models import Vendor

DOMAIN = "bench-digests.invalid"
# Out of every ten people: six vendor users, three managers, one viewer.
ROLES = [Role.VENDOR_USER] * 6 + [Role.MANAGER] * 3 + [Role.VIEWER]


class CountingBackend(BaseEmailBackend):
    """Serialises every message as an SMTP backend would, then counts it and lets it go."""

    sent = 0
    size = 0

    def send_messages(self, messages):
        for message in messages:
            CountingBackend.size += len(message.message().as_bytes())
        CountingBackend.sent += len(messages)
        return len(messages)


class Rollback(Exception):
    pass


class Command(BaseCommand):
    help = "Build and send the digests of N people in batches; prints time per digest and queries per batch."

    def add_arguments(self, parser):
        parser.add_argument(
            "--users", type=int, default=10000, help="People to send digests to (default 10000)."
        )
        parser.add_argument("--batch-size", type=int, default=1000, help="Digests per batch (default 1000).")

    def handle(self, *args, users, batch_size, **options):
        if users < 1 or batch_size < 1:
            raise CommandError("--users and --batch-size must be at least 1.")
        vendor_ids = list(Vendor.objects.order_by("pk").values_list("pk", flat=True))
        if not vendor_ids:
            raise CommandError("No vendors: load a portfolio first (seed_demo or seed_scale).")
        created = self._people(users, vendor_ids)
        self.stdout.write(
            f"database: {connection.vendor}; vendors: {len(vendor_ids)}; people: {users} "
            f"({created} created now); batch size: {batch_size}"
        )
        try:
            with transaction.atomic(), override_settings(EMAIL_BACKEND=f"{__name__}.CountingBackend"):
                self._bench(users, batch_size)
                raise Rollback
        except Rollback:
            pass

    def _people(self, count: int, vendor_ids: list[int]) -> int:
        """Create the missing bench people in bulk; returns how many were created."""
        emails = [f"person-{index:06d}@{DOMAIN}" for index in range(count)]
        existing = set(User.objects.filter(email__endswith=f"@{DOMAIN}").values_list("email", flat=True))
        password = make_password(None)
        rows = []
        for index, email in enumerate(emails):
            if email in existing:
                continue
            role = ROLES[index % len(ROLES)]
            vendor_id = vendor_ids[index % len(vendor_ids)] if role == Role.VENDOR_USER else None
            rows.append(
                User(
                    email=email,
                    full_name=f"Bench person {index}",
                    role=role,
                    vendor_id=vendor_id,
                    password=password,
                )
            )
        User.objects.bulk_create(rows, batch_size=2000)
        return len(rows)

    def _news(self, now: datetime) -> int:
        """A breach opened a few hours ago on one service level of every vendor (rolled back later)."""
        first = {}
        for sl_id, vendor_id in ServiceLevel.objects.order_by("pk").values_list("pk", "contract__vendor_id"):
            first.setdefault(vendor_id, sl_id)
        period_end = periods.local_today(now) - timedelta(days=periods.local_today(now).day)
        period_start = period_end.replace(day=1)
        taken = set(
            Breach.objects.filter(period_start=period_start).values_list("service_level_id", flat=True)
        )
        rows = [
            Breach(
                service_level_id=sl_id,
                period_start=period_start,
                period_end=period_end,
                kind=BreachKind.MISSED_TARGET,
                severity=BreachSeverity.MEDIUM,
                opened_at=now - timedelta(hours=6),
                response_due_at=now + timedelta(days=5),
            )
            for sl_id in first.values()
            if sl_id not in taken
        ]
        Breach.objects.bulk_create(rows, batch_size=2000)
        return len(rows)

    def _bench(self, users: int, batch_size: int):
        out = self.stdout.write
        # The first of the month at half past seven: the daily digests and the monthly summary are all due.
        today = periods.local_today()
        now = datetime.combine(today.replace(day=1), datetime.min.time(), tzinfo=periods.local_zone())
        now += timedelta(hours=7, minutes=30)
        people = User.objects.filter(email__endswith=f"@{DOMAIN}")
        # Only the bench people: nobody else's digest is planned in this run.
        DigestLedger.objects.filter(user__in=people).delete()
        news = self._news(now)
        CountingBackend.sent = CountingBackend.size = 0

        cpu_started = time.process_time()
        started = time.perf_counter()
        planned = digests_plan(now=now, people=people)
        planning = time.perf_counter() - started
        out(f"planned {planned} digests in {planning * 1000:.0f} ms ({news} new breaches as the day's news)")

        timings, queries, built, skipped = [], [], 0, 0
        started = time.perf_counter()
        while True:
            batch_started = time.perf_counter()
            with CaptureQueriesContext(connection) as captured:
                result = digests_send_batch(now=now, batch_size=batch_size)
            if not result.claimed:
                break
            if result.error:
                raise CommandError(f"A batch failed: {result.error}")
            timings.append(time.perf_counter() - batch_started)
            queries.append(len(captured))
            built += result.claimed
            skipped += result.skipped
        total = time.perf_counter() - started + planning
        cpu = time.process_time() - cpu_started
        if not built:
            raise CommandError("No digest was due: nothing to measure.")
        ms_per_digest = total * 1000 / built
        size = CountingBackend.size / max(CountingBackend.sent, 1) / 1024
        batches = f"{len(timings)} batch{'es' if len(timings) != 1 else ''}"
        out(
            f"{batches}: {built} digests built, {CountingBackend.sent} sent "
            f"({size:.1f} KiB each), {skipped} with nothing to say"
        )
        out(
            f"queries per batch: {min(queries)}–{max(queries)} "
            f"(median {statistics.median(queries):g}; a full batch: {queries[0]})"
        )
        out(
            f"time: {total:.2f} s for {built} digests, planning ({planning:.2f} s) included; "
            f"median batch {statistics.median(timings) * 1000:.0f} ms; "
            f"{cpu:.2f} s of CPU in this process (the rest is the database and other load)"
        )
        out(f"ms_per_digest={ms_per_digest:.3f}")
