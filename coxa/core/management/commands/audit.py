"""`coxa audit verify | check-role | head`: is the audit whole, is it guarded, where it ends."""

import argparse
import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DEFAULT_DB_ALIAS, connections

from coxa.core import clock
from coxa.core.audit import chain_key
from coxa.core.audit_chain import utc_text
from coxa.core.audit_guard import role_problems, trigger_problems
from coxa.core.audit_verify import CHUNK, Progress, current_head, verify

RATE_VERBOSITY = 2  # --verbosity 2 prints the rate after each chunk


class Command(BaseCommand):
    # Verify is how a broken chain is investigated, so it runs even when the system checks
    # fail (coxa.E001: the chain's head does not verify under the key).
    requires_system_checks: list[str] = []
    help = (
        "verify: walk the audit's hash chain and its head, naming the first broken record. "
        "check-role: fail if the database role could erase the audit or its guards are gone. "
        "head: print the chain's head as one JSON line, to keep outside the database."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        check = sub.add_parser("verify", help="check every record, each link and the head")
        check.add_argument("--chunk", type=int, default=CHUNK, help="records read at a time")
        sub.add_parser("check-role", help="check the role's privileges and the triggers")
        sub.add_parser("head", help="print the chain's last id, hash and seal as JSON")
        for action in sub.choices.values():
            action.add_argument("--database", default=DEFAULT_DB_ALIAS, choices=tuple(connections))
            # Also after the subcommand (`coxa audit verify --verbosity 2`).
            action.add_argument(
                "-v", "--verbosity", type=int, choices=range(4), default=argparse.SUPPRESS
            )

    def handle(self, *args: Any, **options: Any) -> None:
        using = options["database"]
        if options["action"] == "check-role":
            self._check_role(using)
            return
        if options["action"] == "head":
            self._head(using)
            return
        if options["chunk"] < 1:
            raise CommandError("--chunk must be at least 1 record")
        loud = options["verbosity"] >= RATE_VERBOSITY
        verdict = verify(using=using, chunk=options["chunk"], report=self._rate if loud else None)
        if verdict.broken is not None:
            raise CommandError(
                f"{verdict.broken.describe()} ({verdict.verified} records before it verified)"
                + self._key_hint(using)
            )
        self.stdout.write(f"Audit chain verified: {verdict.verified} records, head sealed.")

    def _key_hint(self, using: str) -> str:
        head = current_head(using)
        if head is None or chain_key().seals(head.last_id, head.last_hash, head.seal):
            return ""
        return (
            ". The chain's head does not verify under this key either: if COXA_AUDIT_KEY (or "
            "COXA_SECRET_KEY, while COXA_AUDIT_KEY is unset) changed, set COXA_AUDIT_KEY to the "
            "key the chain was made with and verify again"
        )

    def _rate(self, progress: Progress) -> None:
        self.stdout.write(
            f"  {progress.records} records in {progress.seconds:.1f} s "
            f"({progress.rate:,.0f} records/s)"
        )

    def _head(self, using: str) -> None:
        head = current_head(using)
        if head is None:
            raise CommandError("the audit chain has no head: run `coxa audit verify`")
        line = {
            "at": utc_text(clock.now()),
            "last_id": head.last_id,
            "last_hash": head.last_hash,
            "seal": head.seal,
        }
        self.stdout.write(json.dumps(line, sort_keys=True))

    def _check_role(self, using: str) -> None:
        connection = connections[using]
        problems = trigger_problems(connection) + role_problems(connection)
        if problems:
            raise CommandError("the audit is not guarded:\n  " + "\n  ".join(problems))
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT current_user")
                (role,) = cursor.fetchone()
            self.stdout.write(
                f"The role {role} cannot change, delete or truncate the audit, owns none of "
                "its tables, and every audit trigger is in place."
            )
        else:
            self.stdout.write(f"{connection.vendor} has no roles; every audit trigger is in place.")
