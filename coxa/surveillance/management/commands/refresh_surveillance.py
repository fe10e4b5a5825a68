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
from coxa.surveillance.services.programme import refresh_all


class Command(BaseCommand):
    help = "Enrol signed metal-on-metal hips; refresh and end surveillance programmes."

    def handle(self, *args: Any, **options: Any) -> None:
        """Run the job, recording its start and its success or failure (core.jobs)."""
        with jobs.recorded("refresh_surveillance"):
            self._refresh(**options)

    def _refresh(self, **options: Any) -> None:
        run = refresh_all()
        self.stdout.write(f"Surveillance: {run.enrolled} hips enrolled, {run.refreshed} refreshed.")
        if run.failed:
            failed = run.failed
            raise CommandError(f"{len(failed)} hip(s) failed: " + "; ".join(failed[:10]))
