"""While a what-if replay has written its proposal inside its savepoint, another connection sees
only the committed outcome, and after it nothing has changed (PostgreSQL)."""

import threading

import pytest
from django.db import connection

from kpis.engine import replay as replay_module
from kpis.engine import run_evaluation
from kpis.models import Breach, ServiceLevelKind, ServiceLevelResult
from kpis.services.whatif import whatif_override, whatif_replay
from tests.factories import SOWFactory
from tests.test_engine import D, make_sl, measure
from tests.test_whatif import FIGURES, MONTHS, NOW

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="Needs PostgreSQL: two connections at once (set DATABASE_URL to a PostgreSQL database).",
    ),
    pytest.mark.django_db(transaction=True),
]


def committed():
    return (
        sorted(ServiceLevelResult.objects.values_list("period_start", "outcome", "target", "credit_amount")),
        sorted(Breach.objects.values_list("period_start", "status")),
    )


def test_other_transactions_never_see_the_replay(monkeypatch):
    contract = SOWFactory(monthly_charge=D("100000"), at_risk_percent=D("12"))
    sl = make_sl(target="99.5", minimum="99.0", kind=ServiceLevelKind.CSL, allocation="60", contract=contract)
    for month, value in zip(MONTHS, FIGURES, strict=True):
        measure(sl, month.replace(day=15), value)
    run_evaluation(now=NOW)
    before = committed()
    judged, release = threading.Event(), threading.Event()
    original = replay_module.judge_work

    def judge_then_wait(*args, **kwargs):
        counts = original(*args, **kwargs)
        judged.set()
        assert release.wait(timeout=60)
        return counts

    monkeypatch.setattr(replay_module, "judge_work", judge_then_wait)
    outcome = {}

    def run_replay():
        try:
            proposal = whatif_override(service_level=sl, target="99.0", minimum="98.6")
            outcome["replay"] = whatif_replay(contract=contract, overrides={sl.pk: proposal}, now=NOW)
        finally:
            connection.close()

    thread = threading.Thread(target=run_replay)
    thread.start()
    try:
        assert judged.wait(timeout=60)
        during = committed()
    finally:
        release.set()
        thread.join(timeout=60)

    assert during == before
    assert committed() == before
    [r] = outcome["replay"].service_levels
    assert (r.today.breaches, r.proposal.breaches) == (4, 2)
