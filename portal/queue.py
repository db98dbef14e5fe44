"""Queue Celery tasks only once the surrounding transaction has committed.

A task queued inside a transaction could run before the rows it needs exist, or after
they were rolled back; on_commit sends it when the data is there (and never otherwise).
"""

from django.db import transaction


def enqueue_on_commit(task, *args, **kwargs):
    """Send `task` with these arguments (ids and plain values, never model instances) after commit."""
    transaction.on_commit(lambda: task.apply_async(args=args, kwargs=kwargs))
