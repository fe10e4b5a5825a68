"""Coxa's own background task: the night's jobs, in order.

``nightly`` is what `coxa scheduler` queues once a night: it runs each job of
``jobs.NIGHTLY`` in turn (readiness, then follow-up, then surveillance, then the clean-up),
each recorded as its own run; one that fails does not stop the next, and the night is then a
failed task. One task keeps the order however many workers run (ADR 0028).
"""

import logging

from django.utils.module_loading import import_string
from django_tasks import task

from coxa.core import jobs

logger = logging.getLogger(__name__)


@task()
def nightly() -> dict[str, str]:
    """Run the night's jobs in order; each one's outcome ("done" or why it failed)."""
    outcomes: dict[str, str] = {}
    for name, job in jobs.NIGHTLY.items():
        try:
            import_string(job.task).call()
        except Exception as error:  # recorded by the job itself; the next job still runs
            logger.exception("nightly job %s failed", name)
            outcomes[name] = f"{type(error).__name__}: {error}"[:300]
        else:
            outcomes[name] = "done"
    failed = [name for name, outcome in outcomes.items() if outcome != "done"]
    if failed:
        raise jobs.JobFailed("failed: " + ", ".join(failed))
    return outcomes
