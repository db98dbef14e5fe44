"""Time the dashboard and the vendor 360, rendered in-process, against a minimal view doing as many
queries; in a transaction that is rolled back. The last line is ``ratio=<dashboard ÷ minimal median>``.
"""

import statistics
import time

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.db.models import Count
from django.http import HttpResponse
from django.template import engines
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import include, path, reverse

from accounts.models import Role
from vendors.models import Vendor

MINIMAL_URL = "__bench__/minimal/<int:queries>/"
MINIMAL_TEMPLATE = engines["django"].from_string("<!doctype html><p>{{ user.email }}: {{ total }}</p>")


def minimal_view(request, queries):
    """A logged-in page doing nothing but ``queries`` trivial queries and rendering a tiny template."""
    if not request.user.is_authenticated:  # loads the session and the user, as every page does
        return HttpResponse(status=403)
    total = 0
    with connection.cursor() as cursor:
        for _ in range(queries):
            cursor.execute("SELECT 1")
            total += cursor.fetchone()[0]
    return HttpResponse(MINIMAL_TEMPLATE.render({"user": request.user, "total": total}, request))


# The project's URLs plus the minimal view, used as ROOT_URLCONF for the run.
urlpatterns = [
    path(MINIMAL_URL, minimal_view, name="bench_minimal"),
    path("", include("config.urls")),
]


class Rollback(Exception):
    pass


class Command(BaseCommand):
    help = "Median render time and query count of the dashboard and the vendor 360 beside a minimal view."

    def add_arguments(self, parser):
        parser.add_argument("--requests", type=int, default=30, help="Requests per page (default 30).")
        parser.add_argument("--vendor", type=int, help="Vendor id for the vendor 360 (default: the largest).")

    def handle(self, *args, requests, vendor, **options):
        if requests < 1:
            raise CommandError("--requests must be at least 1.")
        if not Vendor.objects.exists():
            raise CommandError("No vendors: load a portfolio first (seed_demo or seed_scale).")
        hosts = [*settings.ALLOWED_HOSTS, "testserver"]
        try:
            with transaction.atomic(), override_settings(ROOT_URLCONF=__name__, ALLOWED_HOSTS=hosts):
                self._bench(requests, vendor)
                raise Rollback
        except Rollback:
            pass

    def _vendor(self, pk):
        if pk is not None:
            found = Vendor.objects.filter(pk=pk).first()
            if found is None:
                raise CommandError(f"No vendor with id {pk}.")
            return found
        # The relationship with the most service levels makes the heaviest vendor 360.
        return Vendor.objects.annotate(n=Count("contracts__service_levels")).order_by("-n", "name").first()

    def _query_count(self, client, url) -> int:
        response = client.get(url)  # warms caches, templates and the connection
        if response.status_code != 200:
            raise CommandError(f"{url} answered {response.status_code}.")
        with CaptureQueriesContext(connection) as captured:
            client.get(url)
        return len(captured)

    def _medians(self, client, urls, requests) -> list[float]:
        """Median seconds per URL; the URLs take turns so that a busy machine slows them alike."""
        timings = [[] for _ in urls]
        for _ in range(requests):
            for url, times in zip(urls, timings, strict=True):
                started = time.perf_counter()
                client.get(url)
                times.append(time.perf_counter() - started)
        return [statistics.median(times) for times in timings]

    def _bench(self, requests, vendor_pk):
        out = self.stdout.write
        manager = get_user_model().objects.create_user(
            email="bench-pages@bench.invalid", full_name="Bench Manager", role=Role.MANAGER
        )
        if connection.vendor == "postgresql":
            # A freshly seeded portfolio may not have been analysed yet; plan on its real size.
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        client = Client()
        client.force_login(manager)
        vendor = self._vendor(vendor_pk)
        out(
            f"database: {connection.vendor}; vendors: {Vendor.objects.count()}; "
            f"{requests} requests per page, logged in as an internal manager"
        )
        # The session and user lookups every logged-in page makes count towards the minimal view's queries.
        baseline = self._query_count(client, reverse("bench_minimal", args=[0]))
        ratios = []
        for label, url in (
            ("dashboard", reverse("portal:home")),
            (f"vendor 360 ({vendor.name})", reverse("vendors:detail", args=[vendor.pk])),
        ):
            queries = self._query_count(client, url)
            minimal_url = reverse("bench_minimal", args=[max(queries - baseline, 0)])
            minimal_queries = self._query_count(client, minimal_url)
            median, minimal_median = self._medians(client, [url, minimal_url], requests)
            ratios.append(median / minimal_median)
            out(
                f"{label}: median {median * 1000:.1f} ms, {queries} queries; minimal view with "
                f"{minimal_queries} queries: median {minimal_median * 1000:.1f} ms; ratio {ratios[-1]:.2f}"
            )
        out(f"ratio={ratios[0]:.2f}")
