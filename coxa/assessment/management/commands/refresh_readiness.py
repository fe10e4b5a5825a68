"""`coxa refresh_readiness`: recompute every tracked episode's readiness, and act on it.

Run it nightly: results expire as days pass. A ready or scheduled hip whose gate no longer
holds (a result expired, or will have expired by the operation day) is moved back, audited
as Coxa with the reasons; a listed or optimising hip whose gate now holds becomes ready. A
scheduled hip whose operation day has come is never moved back (its note must stay
writable; signing judges the gate for that day). The worklists show the moves.

Each episode is its own transaction: one that fails is reported and the rest go on; the
command then exits non-zero. ``--dry-run`` says what would move and changes nothing.
"""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from coxa.assessment.services.nightly import refresh_tracked
from coxa.core import jobs


class Command(BaseCommand):
    help = "Recompute the readiness of every tracked episode; move back those no longer ready."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--dry-run", action="store_true", help="say what would move; change nothing"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        """Run the job, recording its start and its success or failure (core.jobs)."""
        if options["dry_run"]:  # says what would move; not a run of the job
            self._refresh(**options)
            return
        with jobs.recorded("refresh_readiness"):
            self._refresh(**options)

    def _refresh(self, **options: Any) -> None:
        dry = options["dry_run"]
        run = refresh_tracked(dry_run=dry)
        if dry:
            for episode, before, after in run.moves:
                self.stdout.write(f"  would move {episode.public_id}: {before} -> {after}")
        verb = "would change" if dry else "changed"
        self.stdout.write(
            f"Readiness refreshed for {run.refreshed} episodes; {len(run.moves)} {verb} state."
        )
        if run.failed:
            failed = run.failed
            raise CommandError(f"{len(failed)} episode(s) failed: " + "; ".join(failed[:10]))
