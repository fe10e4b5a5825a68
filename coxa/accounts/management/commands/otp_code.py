"""`coxa otp_code USERNAME`: a demo account's current second-factor code (COXA_DEBUG only)."""

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from coxa.accounts.models import User
from coxa.accounts.services import otp


class Command(BaseCommand):
    help = "Print a demo account's current authenticator code (only with COXA_DEBUG on)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG:
            raise CommandError("coxa otp_code refuses to run with COXA_DEBUG off")
        user = User.objects.filter(username=options["username"], is_demo=True).first()
        if user is None:
            raise CommandError(f"{options['username']!r} is not a demo account")
        device = otp.confirmed_device(user)
        if device is None:
            raise CommandError(f"{user.username} has no authenticator app")
        self.stdout.write(otp.current_code(device))
