"""`coxa worker`: run the background tasks waiting in the database queue (ADR 0028).

Django's task API with django-tasks-db's worker, under Coxa's name: analytics reports and
the nightly jobs wait in the database's queue and each worker takes one at a time (on
PostgreSQL with ``SELECT ... FOR UPDATE SKIP LOCKED``, so any number of workers on any
number of machines share the queue). Stop it with SIGTERM or Ctrl-C: it finishes the task
it is running, then exits (a second signal stops that task, which is marked failed).
``--batch`` runs what is waiting, then exits (a test, a cron job).

The worker runs at a lower CPU priority than the web process (``COXA_WORKER_NICE``, 10 by
default; ADR 0032): on a host that serves pages too, a long computation takes only the CPU
time the pages leave, so a person's next click and the load balancer's health check are not
kept waiting behind an analytics report.
"""

import os
from typing import Any

from django.conf import settings
from django_tasks_db.management.commands.db_worker import Command as DatabaseWorker


def lower_priority(wanted: int) -> int:
    """Raise this process's niceness to ``wanted`` (never lower it); the niceness now."""
    current = os.nice(0)
    if wanted > current:
        current = os.nice(wanted - current)
    return current


class Command(DatabaseWorker):
    help = "Run Coxa's background tasks from the database queue (stop with SIGTERM or Ctrl-C)."

    def handle(self, *args: Any, **options: Any) -> None:
        lower_priority(settings.WORKER_NICE)
        super().handle(*args, **options)
