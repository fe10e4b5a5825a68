"""`coxa restore FILE`: verify a backup in a scratch copy, then replace the database with it."""

import sys
import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from coxa.core import backup, restore
from coxa.core.backup_format import BackupRefusedError


class Command(BaseCommand):
    # Restoring is how a broken database is mended: it runs even when system checks fail.
    requires_system_checks: list[str] = []
    help = (
        "Restore a backup made by `coxa backup`: refused if it does not verify under "
        "COXA_BACKUP_KEY, is of another database, needs a newer Coxa, or its audit chain does "
        "not verify in a scratch copy. Stop Coxa's web processes, worker and scheduler first."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path, help="the backup file")
        parser.add_argument(
            "--yes", action="store_true", help="replace a live database that holds data"
        )
        parser.add_argument(
            "--check",
            action="store_true",
            help="verify the backup in a scratch copy, audit chain included, and change nothing",
        )

    def _ask(self, yes: bool) -> Any:
        def ask(question: str) -> bool:
            if yes:
                return True
            if not sys.stdin.isatty():
                return False
            answer = input(f"{question} Type yes to replace it: ")
            return answer.strip().lower() == "yes"

        return ask

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["path"]
        started = time.perf_counter()
        try:
            with backup.interruptible():
                done = restore.restore(
                    path, confirm=self._ask(options["yes"]), check_only=options["check"]
                )
        except BackupRefusedError as refused:
            raise CommandError(
                f"{path} was not restored: {refused}. The live database was not changed."
            ) from None
        header = done.header
        made = f"made {header.created_at:%Y-%m-%d %H:%M:%S} UTC by Coxa {header.coxa_version}"
        seconds = time.perf_counter() - started
        if not done.replaced:
            self.stdout.write(
                f"{path} verifies ({made}): its audit chain of {done.verified} records verifies "
                f"in a scratch copy ({seconds:.1f} s). Nothing was changed."
            )
            return
        self.stdout.write(
            f"Restored {path} ({made}) in {seconds:.1f} s: its audit chain of {done.verified} "
            "records verified before it replaced the live database."
        )
        if done.behind:
            self.stdout.write(
                f"This Coxa has migrations the backup lacks ({', '.join(done.behind)}): "
                "run `coxa migrate` before starting Coxa."
            )
        if done.unrecorded:
            self.stderr.write(
                f"The restore could not be recorded in the audit: {done.unrecorded}. Run "
                "`coxa migrate`, and note the restore in the service's own log."
            )
