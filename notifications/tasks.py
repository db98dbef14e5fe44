"""Scheduled notification work: Celery beat runs ``tick`` every minute; tasks only call services."""

from celery import shared_task

from .services.alerts import alerts_send
from .services.digests import digests_plan, digests_send
from .services.due import notifications_scan_due
from .services.events import notifications_scan


@shared_task(name="notifications.tasks.tick", ignore_result=True)
def tick() -> dict:
    """Read the audit trail, run the time-based scans (every few minutes), plan the digests that came
    due, then send what is pending. Every step is safe to run twice or in parallel."""
    created = notifications_scan() + notifications_scan_due()
    planned = digests_plan()
    alerts = alerts_send()
    digests = digests_send()
    return {"notifications": created, "planned": planned, "alerts": alerts.sent, "digests": digests.sent}


@shared_task(name="notifications.tasks.send_digests", ignore_result=True)
def send_digests(batch_size: int | None = None) -> int:
    """Send pending digests; more workers running this share the work without duplicates."""
    return digests_send(batch_size=batch_size).sent
