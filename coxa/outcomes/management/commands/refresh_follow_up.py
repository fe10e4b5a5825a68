"""`coxa refresh_follow_up`: bring every hip's follow-up programme up to today.

Run it nightly (after `coxa refresh_readiness`): windows close as days pass. Enrols listed
and operated hips that have no programme yet, moves past points whose window has closed
(marking them missed), and closes the programmes of episodes that have ended. Each hip is
its own transaction: one that fails is reported and the rest go on; the command then exits
non-zero. Surgery may not call up into outcomes, so this is how an operation's day reaches
the schedule (ADR 0022).
"""

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from coxa.core import jobs
from coxa.outcomes.tasks import refresh_follow_up


class Command(BaseCommand):
    help = "Enrol hips in follow-up, move past closed windows, close ended programmes."

    def handle(self, *args: Any, **options: Any) -> None:
        """Run the job here and now: the nightly task's own body, recorded (core.jobs)."""
        try:
            done = refresh_follow_up.call()
        except jobs.JobFailed as failed:
            raise CommandError(str(failed)) from None
        self.stdout.write(f"Follow-up refreshed for {done['refreshed']} episodes.")
