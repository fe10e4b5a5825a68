"""`coxa errors`: every error code Coxa answers with, its status(es) and what it means."""

from typing import Any

from django.core.management.base import BaseCommand

from coxa.core.errors import ErrorCode, errors_table


class Command(BaseCommand):
    help = "Print every error code with its HTTP status(es) and meaning."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--markdown", action="store_true", help="a Markdown table, as in docs/api/errors.md"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["markdown"]:
            self.stdout.write(errors_table())
            return
        for code in ErrorCode:
            statuses = ",".join(str(s) for s in code.statuses)
            self.stdout.write(f"{code.value:<32} {statuses:<8} {code.meaning}")
