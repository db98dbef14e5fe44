"""Scheduled governance work. Each task calls one idempotent service function; running it
twice, or two at once, changes nothing more than running it once."""

from celery import shared_task
from django.utils import timezone


@shared_task(name="governance.tasks.schedule_meetings")
def schedule_meetings():
    from .services.meetings import schedule_meetings as run

    return run(now=timezone.now())


@shared_task(name="governance.tasks.flag_overdue_actions")
def flag_overdue_actions():
    from .services.actions import flag_overdue_actions as run

    return run(today=timezone.localdate())


@shared_task(name="governance.tasks.run_escalations")
def run_escalations():
    from .services.escalation import run_escalations as run

    return run(now=timezone.now())


@shared_task(name="governance.tasks.schedule_reviews")
def schedule_reviews():
    from .services.reviews import schedule_reviews as run

    return run(today=timezone.localdate())
