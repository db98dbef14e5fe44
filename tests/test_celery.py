"""Celery plumbing: the heartbeat task records each run once, on-commit queueing, and a real round trip."""

import contextlib
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
import redis
from django.conf import settings
from django.db import transaction

from accounts.queue import enqueue_on_commit
from config.celery import app as celery_app
from portal.models import HeartbeatRun
from portal.tasks import heartbeat, ping

BASE_DIR = Path(settings.BASE_DIR)


@pytest.fixture
def eager_celery():
    """Run tasks in this process, as a worker would, and re-raise their errors."""
    celery_app.conf.update(task_always_eager=True, task_eager_propagates=True)
    yield
    celery_app.conf.update(task_always_eager=False, task_eager_propagates=False)


@pytest.mark.django_db
def test_heartbeat_records_one_run_per_task_id():
    first = heartbeat.apply(task_id="heartbeat-1")
    again = heartbeat.apply(task_id="heartbeat-1")

    run = HeartbeatRun.objects.get()
    assert first.get() == again.get() == run.pk
    assert run.task_id == "heartbeat-1"
    assert run.hostname
    assert run.started_at <= run.finished_at


@pytest.mark.django_db
def test_heartbeat_with_a_new_task_id_records_another_run():
    heartbeat.apply(task_id="heartbeat-1").get()
    heartbeat.apply(task_id="heartbeat-2").get()

    assert sorted(HeartbeatRun.objects.values_list("task_id", flat=True)) == ["heartbeat-1", "heartbeat-2"]


@pytest.mark.django_db
def test_enqueue_on_commit_sends_the_task_only_after_commit(django_capture_on_commit_callbacks, eager_celery):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        enqueue_on_commit(heartbeat)
        assert not HeartbeatRun.objects.exists()

    assert len(callbacks) == 1
    assert HeartbeatRun.objects.count() == 1


@pytest.mark.django_db
def test_enqueue_on_commit_sends_nothing_when_the_transaction_rolls_back(
    django_capture_on_commit_callbacks, eager_celery
):
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        contextlib.suppress(RuntimeError),
        transaction.atomic(),
    ):
        enqueue_on_commit(heartbeat)
        raise RuntimeError("roll back")

    assert callbacks == []
    assert not HeartbeatRun.objects.exists()


def test_ping_answers_pong_in_process():
    assert ping.apply().get() == "pong"


def _redis_url_or_skip():
    url = os.environ.get("REDIS_URL")
    if not url:
        pytest.skip("REDIS_URL is not set: the Celery round trip needs a real Redis server")
    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        if os.environ.get("CI"):
            pytest.fail(f"REDIS_URL={url} is set in CI but Redis does not answer: {exc}")
        pytest.skip(f"REDIS_URL={url} is set but Redis does not answer: {exc}")
    return url


@pytest.fixture
def worker_queue():
    """A real worker consuming a queue of its own, so other workers on the same Redis never take the task."""
    url = _redis_url_or_skip()
    queue = f"test-{uuid.uuid4().hex}"
    env = {**os.environ, "REDIS_URL": url, "DEBUG": "true"}
    command = [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=solo", "-Q", queue]
    command += ["-n", f"{queue}@%h", "--without-mingle", "--without-gossip", "-l", "WARNING"]
    worker = subprocess.Popen(command, cwd=BASE_DIR, env=env)
    yield queue
    worker.terminate()
    try:
        worker.wait(timeout=30)
    except subprocess.TimeoutExpired:
        worker.kill()
        worker.wait()
    # The queue and kombu's binding keys for it carry the queue name; leave nothing behind.
    client = redis.Redis.from_url(url)
    for key in client.scan_iter(match=f"*{queue}*"):
        client.delete(key)


@pytest.mark.redis
def test_round_trip_through_redis_and_a_real_worker(worker_queue):
    # The worker cannot see the test database, so only a task that needs no rows goes across.
    result = ping.apply_async(queue=worker_queue)

    assert result.get(timeout=60) == "pong"
    result.forget()


def test_a_task_named_by_a_service_is_found_in_a_process_that_never_imported_it():
    """Services name their tasks instead of importing them; in a web or management process, where
    no worker has run Celery's autodiscovery, the name must still find the task."""
    script = (
        "import sys, django; django.setup()\n"
        "from accounts.queue import task_named\n"
        "assert 'kpis.tasks' not in sys.modules and 'api.tasks' not in sys.modules\n"
        "print(task_named('kpis.tasks.evaluate_due').name, task_named('api.tasks.webhook_deliver').name)\n"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", "DEBUG": "true"}
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=60
    )

    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["kpis.tasks.evaluate_due", "api.tasks.webhook_deliver"]
