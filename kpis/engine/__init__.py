"""The KPI/SLA engine: turns measurements into results, breaches, credits and scorecards.

``run_evaluation`` is the single entry point used by the Celery task, the management
command and the tests. A run executes a fixed list of set-based SQL statements inside
one transaction, so it either completes or leaves nothing behind; the next run picks up
whatever is still due. Uniqueness constraints plus ``ON CONFLICT`` make runs idempotent.
"""

from .run import run_evaluation

__all__ = ["run_evaluation"]
