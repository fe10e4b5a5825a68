"""`coxa refresh_readiness`: recompute every tracked episode's readiness, and act on it.

Run it nightly: results expire as days pass. A ready or scheduled hip whose gate no longer
holds (a result expired, or will have expired by the operation day) is moved back, audited
as Coxa with the reasons; a listed or optimising hip whose gate now holds becomes ready. A
scheduled hip whose operation day has come is never moved back (its note must stay
writable; signing judges the gate for that day). The worklists show the moves.

The hips are refreshed a chunk at a time (services/nightly.py): one that fails is reported
and the rest go on; the command then exits non-zero. ``--dry-run`` says what would move and
changes nothing.
"""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from coxa.assessment.services.nightly import refresh_tracked
from coxa.assessment.tasks import refresh_readiness
from coxa.core import jobs


class Command(BaseCommand):
    help = "Recompute the readiness of every tracked episode; move back those no longer ready."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--dry-run", action="store_true", help="say what would move; change nothing"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        """Run the job here and now: the nightly task's own body, recorded (core.jobs)."""
        if options["dry_run"]:  # says what would move; not a run of the job
            run = refresh_tracked(dry_run=True)
            for episode, before, after in run.moves:
                self.stdout.write(f"  would move {episode.public_id}: {before} -> {after}")
            self.stdout.write(
                f"Readiness refreshed for {run.refreshed} episodes; "
                f"{len(run.moves)} would change state."
            )
            if run.failed:
                raise CommandError(
                    f"{len(run.failed)} episode(s) failed: " + "; ".join(run.failed[:10])
                )
            return
        try:
            done = refresh_readiness.call()
        except jobs.JobFailed as failed:
            raise CommandError(str(failed)) from None
        self.stdout.write(
            f"Readiness refreshed for {done['refreshed']} episodes; {done['moved']} changed state."
        )
