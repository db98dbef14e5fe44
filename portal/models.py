"""Runtime records of the portal shell: proof that the scheduler and a worker are alive."""

from django.db import models
from django.utils import timezone


class HeartbeatRunQuerySet(models.QuerySet):
    def record(self, *, task_id, hostname, started_at, finished_at):
        """Store one run of the heartbeat task; a redelivered task id keeps its first row."""
        return self.get_or_create(
            task_id=task_id,
            defaults={"hostname": hostname, "started_at": started_at, "finished_at": finished_at},
        )


class HeartbeatRun(models.Model):
    """One run of the periodic `portal.tasks.heartbeat` task, written by the worker that ran it."""

    task_id = models.CharField(max_length=255, unique=True)
    hostname = models.CharField("worker host name", max_length=255, blank=True)
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(default=timezone.now, db_index=True)

    objects = HeartbeatRunQuerySet.as_manager()

    class Meta:
        ordering = ["-finished_at"]
        get_latest_by = "finished_at"

    def __str__(self):
        return f"{self.hostname or 'worker'} at {self.finished_at:%Y-%m-%d %H:%M:%S}"
