"""`coxa backup`: an encrypted backup of the database, and old ones pruned (ADR 0029)."""

import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from coxa.core import backup
from coxa.core.backup_format import BackupRefusedError, new_key


class Command(BaseCommand):
    # A backup is most wanted when something is wrong: it runs even when system checks fail.
    requires_system_checks: list[str] = []
    help = (
        "Back the database up, encrypted with COXA_BACKUP_KEY, to COXA_VAR_DIR/backups (mode "
        "0600), then remove backups there made more than COXA_BACKUP_KEEP_DAYS days ago."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--output", type=Path, help="write the backup to this file instead (never replaced)"
        )
        parser.add_argument(
            "--prune-days",
            type=int,
            help="remove backups in the backups folder made more than this many days ago "
            "(default: COXA_BACKUP_KEEP_DAYS)",
        )
        parser.add_argument(
            "--new-key", action="store_true", help="print a new key for COXA_BACKUP_KEY, and stop"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["new_key"]:
            self.stdout.write(new_key())
            return
        days = options["prune_days"]
        if days is not None and days < 1:
            raise CommandError("--prune-days must be at least 1 day")
        started = time.perf_counter()
        try:
            with backup.interruptible():
                made = backup.make(output=options["output"], keep_days=days)
        except BackupRefusedError as refused:
            raise CommandError(f"no backup was made: {refused}") from None
        self.stdout.write(
            f"Backup made: {made.path} ({made.size / 1e6:.1f} MB in "
            f"{time.perf_counter() - started:.1f} s; {made.header.vendor}, audit chain to "
            f"record {made.header.audit_last_id})."
        )
        if made.pruned:
            kept = days or settings.BACKUP_KEEP_DAYS
            self.stdout.write(f"Removed {len(made.pruned)} backups made over {kept} days ago.")
