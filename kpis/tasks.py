"""Scheduled KPI work: Celery beat runs ``evaluate_due`` hourly; it only calls the engine."""

from celery import shared_task

from .engine import run_evaluation


@shared_task(name="kpis.tasks.evaluate_due", ignore_result=True)
def evaluate_due() -> int:
    """Evaluate what changed or newly closed. Safe to run twice: runs are idempotent."""
    return run_evaluation().pk


@shared_task(name="kpis.tasks.record_delivery_metrics", ignore_result=True)
def record_delivery_metrics() -> int:
    """Turn the contracts' deliverables into on-time and first-time-acceptance figures."""
    from .services.delivery_metrics import record_delivery_metrics as run

    return len(run().recorded)
