"""The page benchmark runs end to end on a tiny portfolio and leaves nothing behind."""

import re
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from accounts.models import User

pytestmark = pytest.mark.django_db


def test_bench_pages_prints_medians_query_counts_and_the_ratio(portfolio, manager):
    users_before = User.objects.count()
    out = StringIO()

    call_command("bench_pages", requests=3, stdout=out)

    lines = out.getvalue().strip().splitlines()
    assert lines[0].startswith("database: ") and "vendors: 2" in lines[0]
    for label in ("dashboard", "vendor 360"):
        line = next(line for line in lines if line.startswith(label))
        page_queries, minimal_queries = map(int, re.findall(r"(\d+) queries", line))
        # the minimal view is measured with as many queries as the page
        assert page_queries == minimal_queries > 2
    assert re.fullmatch(r"ratio=\d+\.\d\d", lines[-1]) and float(lines[-1].removeprefix("ratio=")) > 0
    # the bench manager was created inside the transaction that was rolled back
    assert User.objects.count() == users_before
    assert not User.objects.filter(email__startswith="bench-pages@").exists()


def test_bench_pages_needs_a_portfolio(db):
    with pytest.raises(CommandError, match="seed_demo or seed_scale"):
        call_command("bench_pages", stdout=StringIO())


def test_bench_pages_refuses_an_unknown_vendor(vendor_a):
    with pytest.raises(CommandError, match="No vendor with id"):
        call_command("bench_pages", vendor=vendor_a.pk + 1000, requests=1, stdout=StringIO())
