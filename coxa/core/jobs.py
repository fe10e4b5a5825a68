"""Scheduled jobs: which run nightly, and how old their last success may be (issue 18).

A job records each run itself (``recorded``); ``/healthz/ready`` reads ``states``.
"""

import contextlib
import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

from django.db.migrations.recorder import MigrationRecorder
from django.db.models import Min

from coxa.core import clock
from coxa.core.models import JobRun

# Each nightly job and the age its last success may reach before the service is not ready:
# a day and a couple of hours of slack for a run that starts late or takes long.
NIGHTLY: dict[str, dt.timedelta] = {
    "refresh_readiness": dt.timedelta(hours=26),  # results expire as days pass (ADR 0010)
    "refresh_follow_up": dt.timedelta(hours=26),  # what is due after the operation (ADR 0022)
    "refresh_surveillance": dt.timedelta(hours=26),  # metal-on-metal checks due (ADR 0024)
}


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


@dataclass(frozen=True)
class JobState:
    name: str
    last_success_at: dt.datetime | None
    overdue: bool


def _installed_at() -> dt.datetime | None:
    """When the database was first migrated: a job never run is late only after its age."""
    first: dt.datetime | None = MigrationRecorder.Migration.objects.aggregate(first=Min("applied"))[
        "first"
    ]
    return first


def states(now: dt.datetime | None = None) -> list[JobState]:
    """Each nightly job, its last success, and whether it is overdue now."""
    now = now or clock.now()
    runs = {r.name: r for r in JobRun.objects.filter(name__in=list(NIGHTLY))}
    installed = _installed_at()
    found = []
    for name, allowed in NIGHTLY.items():
        run = runs.get(name)
        last = run.last_success_at if run is not None else None
        since = last or installed
        found.append(JobState(name, last, since is not None and now - since > allowed))
    return found
