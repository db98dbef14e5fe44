"""The digest benchmark works end to end at a small size, keeps its people and leaves nothing else."""

import re
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from accounts.models import User
from kpis.models import Breach
from notifications.models import DigestLedger

pytestmark = pytest.mark.django_db


def test_bench_digests_builds_and_sends_then_rolls_back():
    call_command("seed_scale", vendors=3, slas_per_vendor=2, days=60, stdout=StringIO())
    out = StringIO()
    call_command("bench_digests", users=25, batch_size=10, stdout=out)

    lines = out.getvalue().strip().splitlines()
    assert "people: 25 (25 created now); batch size: 10" in lines[0]
    assert re.match(r"planned 25 digests in \d+ ms \(3 new breaches as the day's news\)", lines[1])
    assert lines[2].startswith("3 batches: 25 digests built, ")
    counts = re.search(r"queries per batch: (\d+)–(\d+)", out.getvalue())
    assert counts, out.getvalue()
    assert re.fullmatch(r"ms_per_digest=\d+\.\d{3}", lines[-1]) and float(lines[-1].split("=")[1]) > 0
    # The people stay for the next run; the news, the ledger and the e-mails do not.
    assert User.objects.filter(email__endswith="@bench-digests.invalid").count() == 25
    assert not DigestLedger.objects.exists() and not Breach.objects.exists()

    again = StringIO()
    call_command("bench_digests", users=25, batch_size=25, stdout=again)
    assert "(0 created now)" in again.getvalue()
    assert "1 batch: 25 digests built" in again.getvalue()


def test_bench_digests_needs_a_portfolio():
    with pytest.raises(CommandError, match="seed_demo or seed_scale"):
        call_command("bench_digests", users=5, stdout=StringIO())
