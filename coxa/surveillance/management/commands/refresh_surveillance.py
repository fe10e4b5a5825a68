"""`coxa refresh_surveillance`: enrol newly signed hips; bring every enrolled hip up to today.

Run it nightly (after `coxa refresh_follow_up`). Surgery may not call up into surveillance, so
this is how a signed resurfacing note becomes an enrolment (ADR 0024); until it runs, the
surveillance worklist counts the hips waiting and offers to enrol them at once. It also ends
the surveillance of hips revised or whose patient died. Each hip is its own transaction: one
that fails is reported, the rest go on, and the command then exits non-zero.
"""

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from coxa.core import jobs
from coxa.surveillance.tasks import refresh_surveillance


class Command(BaseCommand):
    help = "Enrol signed metal-on-metal hips; refresh and end surveillance programmes."

    def handle(self, *args: Any, **options: Any) -> None:
        """Run the job here and now: the nightly task's own body, recorded (core.jobs)."""
        try:
            done = refresh_surveillance.call()
        except jobs.JobFailed as failed:
            raise CommandError(str(failed)) from None
        self.stdout.write(
            f"Surveillance: {done['enrolled']} hips enrolled, {done['refreshed']} refreshed."
        )
