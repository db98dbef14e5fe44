"""The benchmark commands work end to end at a small size, and the engine agrees with the
reference statement on every synthetic service-level period."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from kpis.models import Measurement, ServiceLevel, ServiceLevelResult
from vendors.models import Vendor

pytestmark = pytest.mark.django_db


def test_seed_scale_then_bench_engine_matches_the_reference():
    out = StringIO()
    call_command("seed_scale", vendors=3, slas_per_vendor=10, days=120, stdout=out)
    assert "Seeded 3 vendors, 30 service levels" in out.getvalue()
    assert Vendor.objects.filter(name__startswith="Scale vendor ").count() == 3
    # one figure per service level per day, less the months deliberately left unreported
    assert 30 * 100 < Measurement.objects.count() <= 30 * 120
    # every aggregation is represented
    aggregations = set(ServiceLevel.objects.values_list("metric__aggregation", flat=True))
    assert aggregations == {"avg", "sum", "min", "max", "p95", "count", "ratio"}

    out = StringIO()
    call_command("bench_engine", stdout=out)
    lines = out.getvalue().strip().splitlines()
    identical = next(line for line in lines if line.startswith("engine vs reference"))
    matched, total = identical.split(": ")[1].split(" ")[0].split("/")
    assert matched == total and int(total) > 0
    assert lines[-1].startswith("ratio=") and float(lines[-1].removeprefix("ratio=")) > 0
    # the benchmark rolls back: nothing it evaluated is left behind
    assert not ServiceLevelResult.objects.exists()


def test_seed_scale_refuses_to_duplicate_and_resets_on_request():
    call_command("seed_scale", vendors=1, slas_per_vendor=2, days=10, stdout=StringIO())
    with pytest.raises(CommandError, match="already exists"):
        call_command("seed_scale", vendors=1, slas_per_vendor=2, days=10, stdout=StringIO())
    call_command("seed_scale", vendors=2, slas_per_vendor=2, days=10, reset=True, stdout=StringIO())
    assert Vendor.objects.filter(name__startswith="Scale vendor ").count() == 2


def test_bench_engine_needs_a_portfolio():
    with pytest.raises(CommandError, match="seed_scale"):
        call_command("bench_engine", stdout=StringIO())
