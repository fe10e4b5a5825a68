"""`coxa serve`: the web server, a worker and the scheduler, started and stopped together.

What `make run` calls (issue 18). For one machine and for development: it starts
`coxa runserver` (or, with ``--gunicorn``, gunicorn), `coxa worker` and `coxa scheduler` as
child processes, each in its own process group, and stops all three when it is asked to stop
(Ctrl-C, SIGTERM) or when any one of them exits, so nothing is left running. A production
service runs the three as separate services instead (deploy/, docs/operations.md).
"""

import contextlib
import os
import signal
import subprocess
import sys
import threading
from types import FrameType
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

GRACE_SECONDS = 15  # how long a child may take to stop before it is killed


def _commands(address: str, gunicorn: bool) -> dict[str, list[str]]:
    coxa = [sys.executable, "-m", "coxa"]
    web = (
        [sys.executable, "-m", "gunicorn", "coxa.config.wsgi", "--bind", address]
        if gunicorn
        else [*coxa, "runserver", address, "--noreload"]
    )
    return {
        "web": web,
        "worker": [*coxa, "worker", "--no-reload", "--no-startup-delay"],
        "scheduler": [*coxa, "scheduler"],
    }


class Command(BaseCommand):
    help = "Run the web server, a worker and the scheduler together; stop all with Ctrl-C."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "address", nargs="?", default="127.0.0.1:8000", help="host:port (127.0.0.1:8000)"
        )
        parser.add_argument(
            "--gunicorn", action="store_true", help="serve with gunicorn, not runserver"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        address = options["address"]
        host, _, port = address.rpartition(":")
        if not host or not port.isdigit():
            raise CommandError(f"address must be host:port, not {address!r}")
        stop = threading.Event()

        def _stop(signum: int, frame: FrameType | None) -> None:
            stop.set()

        for asked in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):  # SIGHUP: terminal closed
            signal.signal(asked, _stop)
        children: dict[str, subprocess.Popen[bytes]] = {}
        try:
            for name, command in _commands(address, options["gunicorn"]).items():
                children[name] = subprocess.Popen(command, start_new_session=True)  # noqa: S603
                self.stdout.write(f"Started {name} (process {children[name].pid}).")
            ended = self._wait(children, stop)
            if ended:
                self.stderr.write(f"The {ended} stopped: stopping the others.")
        finally:
            _stop_all(children)
        self.stdout.write("Stopped the web server, the worker and the scheduler.")

    @staticmethod
    def _wait(children: dict[str, "subprocess.Popen[bytes]"], stop: threading.Event) -> str:
        """Wait for a signal (answered "") or for a child to end (answered with its name)."""
        while not stop.wait(0.5):
            for name, child in children.items():
                if child.poll() is not None:
                    return name
        return ""


def _stop_all(children: dict[str, "subprocess.Popen[bytes]"]) -> None:
    """SIGTERM each child's process group, then SIGKILL any still there after the grace."""
    for child in children.values():
        if child.poll() is None:
            _signal_group(child, signal.SIGTERM)
    for child in children.values():
        try:
            child.wait(timeout=GRACE_SECONDS)
        except subprocess.TimeoutExpired:
            _signal_group(child, signal.SIGKILL)
            child.wait()


def _signal_group(child: "subprocess.Popen[bytes]", sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError):  # already gone
        os.killpg(child.pid, sig)
