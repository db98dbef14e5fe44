"""``manage.py scan_notifications``: record the notifications the audit trail and the current state call
for, now (Celery beat does the same every minute); safe to run again."""

from datetime import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from notifications.services.due import notifications_scan_due
from notifications.services.events import notifications_scan


class Command(BaseCommand):
    help = "Turn new audit trail rows and due dates into notifications (each recorded once)."

    def add_arguments(self, parser):
        parser.add_argument("--now", help="Scan as of this moment (ISO 8601 with a time zone); default now.")

    def handle(self, *args, now=None, **options):
        moment = timezone.now()
        if now:
            try:
                moment = datetime.fromisoformat(now)
            except ValueError as exc:
                raise CommandError(f"--now {now!r} is not an ISO 8601 date and time.") from exc
            if timezone.is_naive(moment):
                raise CommandError("--now needs a time zone, e.g. 2026-04-10T08:00:00+00:00.")
        from_trail = notifications_scan(now=moment)
        from_state = notifications_scan_due(now=moment, force=True)
        self.stdout.write(
            f"Recorded {from_trail} notifications from the audit trail and {from_state} from due dates."
        )
