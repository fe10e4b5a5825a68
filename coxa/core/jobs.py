"""Scheduled jobs: which run nightly, when they are queued, and how old a success may be.

A nightly job is a background task (``<app>/tasks.py``) whose body runs inside
``recorded(NAME)``, so each run's start, success or failure is stored (``JobRun``);
``/healthz/ready`` reads ``states``. ``queue_due`` is what `coxa scheduler` calls: it queues
the night (``core.tasks.nightly``, every job in order) once for each night's slot
(``COXA_NIGHTLY_AT``, the service's time zone), however many schedulers run, by claiming
each job's slot with a conditional UPDATE in the same transaction as the task's row in the
queue (ADR 0028).
"""

import contextlib
import datetime as dt
import logging
from collections.abc import Iterator
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.migrations.recorder import MigrationRecorder
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.module_loading import import_string

from coxa.core import clock
from coxa.core.models import JobRun

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Nightly:
    """A nightly job: the age its last success may reach, and the task that runs it."""

    allowed: dt.timedelta  # a day and a couple of hours: a run that starts late or takes long
    task: str  # the dotted path of its task (core imports no app: time flows downward)


# In the order they run, one after another in one task (``core.tasks.nightly``, so more
# workers never run two at once): readiness first, then what follows an operation, then the
# metal-on-metal programmes (enrolled from what the follow-up left), then the clean-up.
NIGHTLY: dict[str, Nightly] = {
    # results expire as days pass (ADR 0010)
    "refresh_readiness": Nightly(dt.timedelta(hours=26), "coxa.assessment.tasks.refresh_readiness"),
    # what is due after the operation (ADR 0022)
    "refresh_follow_up": Nightly(dt.timedelta(hours=26), "coxa.outcomes.tasks.refresh_follow_up"),
    # metal-on-metal checks due (ADR 0024)
    "refresh_surveillance": Nightly(
        dt.timedelta(hours=26), "coxa.surveillance.tasks.refresh_surveillance"
    ),
    # expired sessions and API tokens, finished background work (ADR 0028)
    "clean_up": Nightly(dt.timedelta(hours=26), "coxa.accounts.tasks.clean_up"),
    # bulk export files past their time (ADR 0034)
    "clean_up_exports": Nightly(dt.timedelta(hours=26), "coxa.interop.tasks.clean_up_exports"),
}
NIGHT = "coxa.core.tasks.nightly"  # the one task that runs them, in this order


class JobFailed(Exception):
    """A job ran to its end but some of its items failed: the run is recorded as failed."""


@contextlib.contextmanager
def recorded(name: str) -> Iterator[None]:
    """Record a run of ``name``: its start, then its success, or its failure and why."""
    started = clock.now()
    JobRun.objects.update_or_create(name=name, defaults={"last_started_at": started})
    try:
        yield
    except BaseException as error:
        JobRun.objects.filter(name=name).update(
            last_failure_at=clock.now(), last_error=f"{type(error).__name__}: {error}"[:300]
        )
        raise
    JobRun.objects.filter(name=name).update(last_success_at=clock.now(), last_error="")


def slot(now: dt.datetime, at: dt.time, zone: dt.tzinfo) -> dt.datetime:
    """The latest moment at or before ``now`` when the nightly jobs are due (``at``, local).

    A scheduler that was stopped at that moment and starts later the same day still finds
    the slot unclaimed, and queues the jobs then: a missed night is caught up, once.
    """
    local = now.astimezone(zone)
    due = timezone.make_aware(dt.datetime.combine(local.date(), at), zone)
    if due > now:
        day_before = local.date() - dt.timedelta(days=1)
        due = timezone.make_aware(dt.datetime.combine(day_before, at), zone)
    return due


def nightly_at() -> dt.time:
    hours, minutes = settings.NIGHTLY_AT.split(":")
    return dt.time(int(hours), int(minutes))


def queue_due(now: dt.datetime | None = None) -> list[str]:
    """Queue each nightly job whose slot has come and is not yet claimed; the names queued.

    The claim and the task's row commit together: a scheduler that dies between them leaves
    neither, and two schedulers at once queue each job once (the UPDATE's condition is
    checked under the row's lock).
    """
    now = now or clock.now()
    due = slot(now, nightly_at(), timezone.get_default_timezone())
    for name in NIGHTLY:
        JobRun.objects.get_or_create(name=name)
    with transaction.atomic():  # records nothing: a run is recorded by the job itself
        queued = [
            name
            for name in NIGHTLY
            if JobRun.objects.filter(name=name)
            .filter(Q(last_queued_for__isnull=True) | Q(last_queued_for__lt=due))
            .update(last_queued_for=due)
        ]
        if queued:  # the night, once: its jobs run in order in one task
            import_string(NIGHT).enqueue()
    if queued:
        logger.info("nightly jobs queued for %s: %s", due.isoformat(), ", ".join(queued))
    return queued


@dataclass(frozen=True)
class JobState:
    name: str
    last_success_at: dt.datetime | None
    overdue: bool


def _installed_at() -> dt.datetime | None:
    """When the database was last migrated: a job never run is late only after its age.

    The last migration, not the first: a release that adds a nightly job (the clean-up) gives
    it a night to run before it counts as late, rather than being late at once.
    """
    last: dt.datetime | None = MigrationRecorder.Migration.objects.aggregate(last=Max("applied"))[
        "last"
    ]
    return last


def states(now: dt.datetime | None = None) -> list[JobState]:
    """Each nightly job, its last success, and whether it is overdue now."""
    now = now or clock.now()
    runs = {r.name: r for r in JobRun.objects.filter(name__in=list(NIGHTLY))}
    installed = _installed_at()
    found = []
    for name, job in NIGHTLY.items():
        run = runs.get(name)
        last = run.last_success_at if run is not None else None
        since = last or installed
        found.append(JobState(name, last, since is not None and now - since > job.allowed))
    return found
