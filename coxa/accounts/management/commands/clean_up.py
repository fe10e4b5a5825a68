"""`coxa clean_up`: delete expired sessions and API tokens, and finished background work.

Run nightly by `coxa scheduler` (after the refreshes); this runs the same here and now, and
records the run (core.jobs).
"""

from typing import Any

from django.core.management.base import BaseCommand

from coxa.accounts.tasks import clean_up


class Command(BaseCommand):
    help = "Delete expired sessions and API tokens, and background work finished days ago."

    def handle(self, *args: Any, **options: Any) -> None:
        done = clean_up.call()
        self.stdout.write(
            f"Deleted {done['sessions']} expired sessions, {done['api_tokens']} expired API "
            f"tokens, {done['system_tokens']} expired connected systems' tokens, "
            f"{done['background_jobs']} finished jobs and {done['tasks']} finished tasks."
        )
