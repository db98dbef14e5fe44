"""Engine runs started at the same moment serialise: no duplicates, the same rows as one run (PostgreSQL)."""

import pytest
from django.db import connection, transaction

from accounts.models import AuditEvent
from kpis.engine import run_evaluation
from kpis.models import Breach, Scorecard, ServiceCredit, ServiceLevelResult
from kpis.models.results import RunStatus
from kpis.scoring import active_scheme
from tests.concurrency import in_threads
from tests.test_engine import at, mixed_portfolio

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="Concurrent runs need PostgreSQL: SQLite serialises whole-database writes and the "
        "engine's advisory lock exists only on PostgreSQL (set DATABASE_URL to a PostgreSQL database).",
    ),
    pytest.mark.django_db(transaction=True),
]

NOW = at(2026, 4, 10)
THREADS = 4


@pytest.fixture(autouse=True)
def _utc(settings):
    settings.TIME_ZONE = "UTC"


def comparable() -> dict:
    """Every row the engine writes, without surrogate ids (which differ between databases states)."""

    def rows(qs, order, *drop):
        return [
            {k: v for k, v in row.items() if k not in ("id", *drop)} for row in qs.order_by(*order).values()
        ]

    return {
        "results": rows(ServiceLevelResult.objects, ("service_level_id", "period_start")),
        "breaches": rows(Breach.objects, ("service_level_id", "period_start"), "last_evaluation_run_id"),
        "credits": rows(ServiceCredit.objects, ("contract_id", "period_kind", "period_start")),
        "scorecards": rows(Scorecard.objects, ("vendor_id", "period_start")),
        "audit": rows(
            AuditEvent.objects.filter(action__startswith="kpis.breach."),
            ("object_repr", "action"),
            "object_id",
        ),
    }


def single_run_reference(**kwargs) -> dict:
    """What one run writes, computed and then rolled back."""
    with transaction.atomic():
        run_evaluation(now=NOW, **kwargs)
        expected = comparable()
        transaction.set_rollback(True)
    assert not ServiceLevelResult.objects.exists()
    return expected


@pytest.fixture
def portfolio():
    active_scheme()
    return mixed_portfolio()


def test_concurrent_full_runs_write_what_one_run_writes(portfolio):
    expected = single_run_reference(full=True)
    assert expected["results"] and expected["breaches"] and expected["credits"] and expected["scorecards"]

    runs = in_threads(lambda: run_evaluation(now=NOW, full=True))

    assert [run.status for run in runs] == [RunStatus.SUCCEEDED] * THREADS
    assert comparable() == expected
    # The runs took turns: the first wrote everything, the others found nothing to change.
    assert sorted(run.results_written for run in runs) == [0, 0, 0, len(expected["results"])]
    assert sorted(run.breaches_opened for run in runs) == [0, 0, 0, len(expected["breaches"])]
    assert AuditEvent.objects.filter(action="kpis.breach.opened").count() == len(expected["breaches"])


def test_concurrent_incremental_runs_evaluate_each_period_once(portfolio):
    expected = single_run_reference()

    runs = in_threads(lambda: run_evaluation(now=NOW))

    assert [run.status for run in runs] == [RunStatus.SUCCEEDED] * THREADS
    assert comparable() == expected
    evaluated = sorted(run.periods_evaluated for run in runs)
    assert evaluated == [0, 0, 0, len(expected["results"])]


def test_concurrent_first_runs_share_one_default_scoring_scheme():
    mixed_portfolio()

    runs = in_threads(lambda: run_evaluation(now=NOW))

    assert [run.status for run in runs] == [RunStatus.SUCCEEDED] * THREADS
    assert Scorecard.objects.exists()
