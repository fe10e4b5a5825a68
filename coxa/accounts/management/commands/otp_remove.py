"""`coxa otp_remove USERNAME`: remove a user's second factor (a lost phone), audited."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from coxa.accounts.models import User
from coxa.accounts.services import otp
from coxa.core.audit import Via
from coxa.core.errors import CoxaError


class Command(BaseCommand):
    help = (
        "Remove a user's authenticator app, e.g. after a lost phone. They set up a new one at "
        "their next sign-in (at once, if their role requires one)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(f"no user {options['username']!r}")
        try:
            otp.remove_device(user=user, by=None, code=None, via=Via.CLI)
        except CoxaError as error:
            raise CommandError(error.message) from error
        self.stdout.write(f"Removed the authenticator app of {user.username}.")
