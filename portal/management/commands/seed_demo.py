"""``manage.py seed_demo``: load the demo portfolio; safe to run again (see portal.demo)."""

from django.core.management.base import BaseCommand

from portal.demo import seed_demo


class Command(BaseCommand):
    help = (
        "Load the demo portfolio: vendors, contracts, service levels, a year of measurements and governance. "
        "Creates only what is missing. Demo accounts get the password 'demo-password' only when DEBUG is on."
    )

    def handle(self, *args, **options):
        result = seed_demo()
        for warning in result.warnings:
            self.stderr.write(self.style.WARNING(warning))
        self.stdout.write(self.style.SUCCESS(result.summary()))
