"""Real concurrency for tests on PostgreSQL: call a function from several threads released together."""

import threading

from django.db import connection

THREADS = 4


def in_threads(target, count: int = THREADS, *, refusals: tuple[type[Exception], ...] = ()) -> list:
    """Call ``target`` from ``count`` threads at once; return what each returned.

    An exception of a type in ``refusals`` is an expected outcome (e.g. a ValidationError for the
    loser of a race) and is returned in place of a result; any other exception fails the test.
    Each thread closes its own database connection.
    """
    barrier = threading.Barrier(count)
    returned, errors = [], []

    def work():
        try:
            barrier.wait(timeout=30)
            returned.append(target())
        except refusals as refusal:
            returned.append(refusal)
        except Exception as exc:  # noqa: BLE001 - reported to the test below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=work) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a thread did not finish"
    assert not errors, errors
    assert len(returned) == count
    return returned
