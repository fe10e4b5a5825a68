"""`coxa errors`: every error code Coxa answers with, its status(es) and what it means."""

from typing import Any

from django.core.management.base import BaseCommand

from coxa.core.errors import ErrorCode, errors_table


class Command(BaseCommand):
    help = "Print every error code with its HTTP status(es) and meaning."
    # No checks: it prints a table in the code, never the database, and runs offline under a
    # throwaway key (cli.OFFLINE) that a deployment check (coxa.E001) would refuse (issue 20).
    requires_system_checks: list[str] = []

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
