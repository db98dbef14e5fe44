"""``manage.py preview_digest EMAIL``: print the digest a person would receive for their latest period,
as its recipient reads it (subject, headers and the plain-text part, or the HTML part). Sends nothing
and records nothing."""

from datetime import datetime
from zoneinfo import ZoneInfo

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from accounts.models import User
from notifications.digest_content import build_digests, preference_of
from notifications.emails import DigestRenderer
from notifications.kinds import digest_kind_for
from notifications.models import DigestLedger, NotificationPreference
from notifications.services.digests import digest_period


class Command(BaseCommand):
    help = "Print the digest a person would receive now (nothing is sent or recorded)."

    def add_arguments(self, parser):
        parser.add_argument("email", help="The person's e-mail address.")
        parser.add_argument("--html", action="store_true", help="Print the HTML part instead of the text.")
        parser.add_argument("--now", help="As of this moment (ISO 8601 with a time zone); default now.")
        parser.add_argument(
            "--last",
            action="store_true",
            help="The digest of the latest period that came due, rather than of the period running now.",
        )

    def handle(self, *args, email, html=False, now=None, last=False, **options):
        user = User.objects.select_related("notification_preference").filter(email__iexact=email).first()
        if user is None:
            raise CommandError(f"Nobody has the e-mail address {email}.")
        moment = datetime.fromisoformat(now) if now else timezone.now()
        preference = preference_of(user) or NotificationPreference(user=user)
        kind = digest_kind_for(user.role)
        period = digest_period(
            kind=kind,
            frequency=preference.digest_frequency,
            delivery_time=preference.delivery_time,
            zone=ZoneInfo(preference.time_zone),
            now=moment,
        )
        entry = DigestLedger(pk=0, user=user, kind=kind, period_key=period.key)
        # By default: what the next digest would say if it went out now.
        entry.window_start, entry.window_end = (period.start, period.end) if last else (period.end, moment)
        digest = build_digests([entry])[0]
        if digest.is_empty:
            self.stdout.write(f"Nothing to say to {user.email} for {period.key}: no e-mail would be sent.")
            return
        message = DigestRenderer().message(user=user, digest=digest, ledger_id=0)
        self.stdout.write(f"To: {user.email}\nSubject: {message.subject}")
        for name, value in message.extra_headers.items():
            self.stdout.write(f"{name}: {value}")
        self.stdout.write("")
        self.stdout.write(message.alternatives[0][0] if html else message.body)
