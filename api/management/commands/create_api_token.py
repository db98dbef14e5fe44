"""Issue a personal API token for a user and print it once.

``python manage.py create_api_token <email> --name … --scope write``
"""

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from api.models import TokenScope
from api.services.tokens import DEFAULT_DAYS, api_token_create


class Command(BaseCommand):
    help = "Create an API token for a user and print it; only its hash is stored, so it is shown once."

    def add_arguments(self, parser):
        parser.add_argument("email", help="The user the token acts as.")
        parser.add_argument("--name", default="Command line", help="What the token is for.")
        parser.add_argument("--scope", choices=TokenScope.values, default=TokenScope.READ)
        parser.add_argument("--days", type=int, default=DEFAULT_DAYS, help="Days until it expires.")

    def handle(self, *args, **options):
        user = get_user_model().objects.filter(email__iexact=options["email"]).first()
        if user is None:
            raise CommandError(f"No user with the e-mail address {options['email']!r}.")
        try:
            token, plaintext = api_token_create(
                user=user, name=options["name"], scope=options["scope"], days=options["days"]
            )
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        self.stderr.write(
            f"Token “{token.name}” ({token.get_scope_display().lower()}) for {user.email}, "
            f"expires {token.expires_at:%Y-%m-%d}. It is shown only now:"
        )
        self.stdout.write(plaintext)
