"""The demo's notifications: one scan of the trail the demo seeding wrote and of what is due.

The notifications app sits above the portal in the house, so the scan is run by its command name
rather than imported. Idempotent: every notification is recorded once per person and source.
"""

from datetime import datetime
from io import StringIO

from django.core.management import call_command


def seed_notifications(*, now: datetime) -> None:
    call_command("scan_notifications", now=now.isoformat(), stdout=StringIO())
