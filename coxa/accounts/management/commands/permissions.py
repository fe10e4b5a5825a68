"""`coxa permissions`: the permission table as a grid of operations by role."""

from typing import Any

from django.core.management.base import BaseCommand

from coxa.accounts.domain import Role
from coxa.accounts.permissions import TABLE, grid


class Command(BaseCommand):
    help = "Print who may call each page, API operation and service (the permission table)."
    # No checks: it prints a table in the code, never the database, and runs offline under a
    # throwaway key (cli.OFFLINE) that a deployment check (coxa.E001) would refuse (issue 20).
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--markdown", action="store_true", help="a Markdown table, as in docs/security.md"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        roles = list(Role)
        if options["markdown"]:
            self.stdout.write(
                "| Operation | Anonymous | " + " | ".join(r.label for r in roles) + " |"
            )
            self.stdout.write("|---" * (len(roles) + 2) + "|")
        for op, admitted in grid():
            marks = ["yes" if admitted[r] else "" for r in roles]
            anonymous = "yes" if TABLE[op].public else ""
            own = " (own records)" if TABLE[op].own else ""
            own = " (own records only)" if TABLE[op].narrows else own
            if options["markdown"]:
                self.stdout.write(f"| `{op}`{own} | {anonymous} | " + " | ".join(marks) + " |")
            else:
                who = ", ".join(r.value for r in roles if admitted[r]) or "-"
                self.stdout.write(f"{op:<34} {'anyone' if anonymous else who}{own}")
