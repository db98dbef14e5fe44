"""Scheduled contract work. Each task calls one idempotent service function: running it twice, or two
at once, changes nothing more than running it once."""

from celery import shared_task
from django.utils import timezone


@shared_task(name="contracts.tasks.send_contract_reminders")
def send_contract_reminders():
    from .services.reminders import send_contract_reminders as run

    return run(now=timezone.now()).as_dict()


@shared_task(name="contracts.tasks.flag_overdue_deliverables")
def flag_overdue_deliverables():
    from .services.deliverables import flag_overdue_deliverables as run

    return len(run(now=timezone.now()))


@shared_task(name="contracts.tasks.expire_ended_contracts")
def expire_ended_contracts():
    from .services.contracts import contracts_expire_ended

    return len(contracts_expire_ended(today=timezone.localdate()))
