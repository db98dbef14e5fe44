"""Queue Celery tasks only once the surrounding transaction has committed.

A task queued inside a transaction could run before the rows it needs exist, or after
they were rolled back; on_commit sends it when the data is there (and never otherwise).
Services name their tasks ("kpis.tasks.evaluate_due") rather than import them: a task
module imports the services it calls, so importing it back would close a circle.
"""

from celery import current_app
from django.db import transaction


def task_named(name: str):
    """The registered task called ``name``. Outside a worker the apps' task modules are only imported
    once something asks for them, so a name not registered yet runs Celery's autodiscovery first."""
    if name not in current_app.tasks:
        current_app.loader.import_default_modules()
    return current_app.tasks[name]


def enqueue_on_commit(task, *args, **kwargs):
    """Send `task` (a task or a registered task's name) with these arguments (ids and plain values,
    never model instances) after commit."""

    def send():
        target = task_named(task) if isinstance(task, str) else task
        target.delay(*args, **kwargs)

    transaction.on_commit(send)
