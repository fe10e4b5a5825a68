"""`coxa scheduler`: queue the nightly jobs once a night, at COXA_NIGHTLY_AT (ADR 0028).

Every ``--interval`` seconds it asks ``core.jobs.queue_due`` to queue each nightly job whose
slot has come; a worker (`coxa worker`) runs them. Running two schedulers queues each job
once a night all the same, and a scheduler started after the night's slot catches up at
once. ``--once`` checks once and exits (a systemd timer or a cron line can call that
instead of keeping the process). Stop it with SIGTERM or Ctrl-C.
"""

import signal
import threading
from types import FrameType
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import close_old_connections

from coxa.core import jobs


class Command(BaseCommand):
    help = "Queue the nightly jobs at COXA_NIGHTLY_AT; run until stopped (or --once)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--interval",
            type=int,
            default=30,
            help="seconds between checks (default 30; at least 1)",
        )
        parser.add_argument("--once", action="store_true", help="check once, then exit")

    def handle(self, *args: Any, **options: Any) -> None:
        interval = options["interval"]
        if interval < 1:
            self.stderr.write("--interval must be at least 1 second")
            raise SystemExit(2)
        if options["once"]:
            self._check()
            return
        stop = threading.Event()

        def _stop(signum: int, frame: FrameType | None) -> None:
            stop.set()

        signal.signal(signal.SIGTERM, _stop)
        signal.signal(signal.SIGINT, _stop)
        self.stdout.write(
            f"Coxa scheduler: nightly jobs at {jobs.nightly_at():%H:%M}; checking every "
            f"{interval} s."
        )
        while not stop.is_set():
            close_old_connections()
            self._check()
            stop.wait(interval)
        self.stdout.write("Coxa scheduler stopped.")

    def _check(self) -> None:
        queued = jobs.queue_due()
        if queued:
            self.stdout.write("Queued: " + ", ".join(queued))
