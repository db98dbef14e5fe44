"""Run the KPI/SLA engine by hand: what is due (default) or the whole history (--full)."""

from datetime import date, datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from kpis.engine import run_evaluation
from vendors.models import Vendor


class Command(BaseCommand):
    help = "Evaluate service levels into results, breaches, service credits and scorecards."

    def add_arguments(self, parser):
        parser.add_argument(
            "--full", action="store_true", help="Re-evaluate every closed period, not only what changed."
        )
        parser.add_argument(
            "--vendor", action="append", default=[], help="Vendor id or exact name (repeatable)."
        )
        parser.add_argument("--since", help="Only periods ending on or after this date (YYYY-MM-DD).")
        parser.add_argument("--as-of", help="Evaluate as of this ISO date-time instead of now.")

    def handle(self, *args, **options):
        vendor_ids = [self._vendor_id(v) for v in options["vendor"]]
        since = self._date(options["since"], "--since") if options["since"] else None
        now = timezone.now()
        if options["as_of"]:
            try:
                now = datetime.fromisoformat(options["as_of"])
            except ValueError:
                raise CommandError(f"--as-of {options['as_of']!r} is not an ISO date-time.") from None
            if timezone.is_naive(now):
                now = timezone.make_aware(now)
        run = run_evaluation(now=now, full=options["full"], vendor_ids=vendor_ids or None, since=since)
        self.stdout.write(
            f"Run {run.pk} {run.status}: {run.periods_evaluated} periods evaluated, "
            f"{run.results_written} results written, {run.breaches_opened} breaches opened, "
            f"{run.breaches_cleared} cleared, {run.scorecards_written} scorecards written."
        )

    def _vendor_id(self, value: str) -> int:
        vendor = Vendor.objects.filter(pk=int(value)).first() if value.isdigit() else None
        vendor = vendor or Vendor.objects.filter(name=value).first()
        if vendor is None:
            raise CommandError(f"No vendor with id or name {value!r}.")
        return vendor.pk

    def _date(self, value: str, flag: str) -> date:
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise CommandError(f"{flag} {value!r} is not a date (YYYY-MM-DD).") from None
