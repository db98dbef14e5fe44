"""bench_whatif works end to end at a small size and leaves nothing behind."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from accounts.models import AuditEvent
from kpis.models import Breach, EvaluationRun, Scorecard, ServiceCredit, ServiceLevelResult

pytestmark = pytest.mark.django_db


def test_bench_whatif_replays_contracts_and_rolls_back():
    call_command("seed_scale", vendors=3, slas_per_vendor=10, days=120, stdout=StringIO())
    out = StringIO()

    call_command("bench_whatif", contracts=2, stdout=out)

    lines = out.getvalue().strip().splitlines()
    assert "contracts replayed: 2" in lines[0]
    changed = next(line for line in lines if line.startswith("periods whose outcome"))
    assert int(changed.rsplit(": ", 1)[1]) > 0  # minimum = expected level turns every warning into a failure
    assert lines[-1].startswith("ratio=") and float(lines[-1].removeprefix("ratio=")) > 0
    for model in (ServiceLevelResult, Breach, ServiceCredit, Scorecard, EvaluationRun):
        assert not model.objects.exists(), model.__name__
    assert not AuditEvent.objects.filter(action__startswith="kpis.breach").exists()


def test_bench_whatif_needs_a_portfolio():
    with pytest.raises(CommandError, match="seed_scale"):
        call_command("bench_whatif", stdout=StringIO())
