"""`coxa clean_up_exports`: delete bulk export files past their time (``COXA_JOB_FILE_HOURS``).

Run nightly by `coxa scheduler`; this runs the same here and now, and records the run.
"""

from typing import Any

from django.core.management.base import BaseCommand

from coxa.interop.tasks import clean_up_exports


class Command(BaseCommand):
    help = "Delete FHIR bulk export files kept past their time."

    def handle(self, *args: Any, **options: Any) -> None:
        done = clean_up_exports.call()
        self.stdout.write(f"Deleted {done['files']} export files past their time.")
