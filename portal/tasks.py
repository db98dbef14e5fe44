"""Celery tasks of the portal shell. Tasks only call small functions and receive ids, never objects."""

import socket
import uuid

from celery import shared_task
from django.utils import timezone

from .models import HeartbeatRun


@shared_task(bind=True)
def heartbeat(self):
    """Record that beat scheduled this task and a worker ran it; safe to run twice with one id."""
    started_at = timezone.now()
    # A direct call (not through Celery) has no task id; it still counts as one run.
    task_id = self.request.id or str(uuid.uuid4())
    run, _created = HeartbeatRun.objects.record(
        task_id=task_id,
        hostname=self.request.hostname or socket.gethostname(),
        started_at=started_at,
        finished_at=timezone.now(),
    )
    return run.pk


@shared_task(bind=True)
def ping(self):
    """Answer "pong": proves the broker and the result backend carry a round trip."""
    return "pong"
