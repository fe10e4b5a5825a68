"""Work a person asked for, run as a background task with its progress (issue 18, ADR 0028).

``start`` makes (or finds) the job for a result and queues its task in the same transaction;
the task takes it with ``claim(job_id)`` and runs inside ``running(job_id)``, which marks it
done or failed, and calls ``progress`` between its steps. The page that asked reads
``latest(key)`` (or follows the job it waits for, ``find``) to show how far it has gone. The
same result asked twice (two analysts, a reload) shares one open job.

A job is lost when nothing will ever finish it, and the next request starts it again: a
running job silent for ``COXA_TASK_STALE_MINUTES`` (its worker died), or a queued one whose
task (``task_id``, in the database queue) failed, succeeded without taking the job, was
deleted, or was taken by a worker silent as long since (an old worker in a rolling upgrade
that could not import a new task: the page would otherwise wait for ever, H91).

A job that makes a file for the person who asked (a PDF of letters) keeps it with
``keep_file`` in the database (the worker and the web process may be on different machines),
for ``COXA_JOB_FILE_HOURS``; ``file_of`` never gives back a file past that time: it deletes
it, and ``keep_file`` deletes every file past its time before it keeps a new one.
"""

import contextlib
import datetime as dt
import hashlib
import logging
import uuid
from collections.abc import Iterator
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Exists, F, OuterRef, Q
from django_tasks.base import Task, TaskResultStatus
from django_tasks_db import DatabaseBackend
from django_tasks_db.models import DBTaskResult

from coxa.core import clock
from coxa.core.audit import Actor
from coxa.core.models import BackgroundJob, JobFile

logger = logging.getLogger(__name__)
OPEN = (BackgroundJob.Status.QUEUED, BackgroundJob.Status.RUNNING)


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def stale_before(now: dt.datetime | None = None) -> dt.datetime:
    return (now or clock.now()) - dt.timedelta(minutes=settings.TASK_STALE_MINUTES)


def latest(key: str) -> BackgroundJob | None:
    """The newest job for this result, open or finished."""
    return BackgroundJob.objects.filter(key=key_hash(key)).order_by("-created_at", "-id").first()


def find(public_id: str) -> BackgroundJob | None:
    """The job with this public id, or None (an id that is not one, or no such job)."""
    try:
        return BackgroundJob.objects.filter(public_id=uuid.UUID(public_id)).first()
    except ValueError:
        return None


def _never_started(now: dt.datetime) -> Q:
    """A queued job whose task can no longer take it: finished, deleted, or its worker gone.

    Its task waiting (however long: it waits its turn behind longer work), or taken by a
    worker within the stale time (it claims the job first), still will. Read in one statement
    with the job's own status, so a job claimed and finished meanwhile is never taken as lost.
    """
    waiting = Q(status=TaskResultStatus.READY) | Q(
        status=TaskResultStatus.RUNNING, started_at__gte=stale_before(now)
    )
    its_task = DBTaskResult.objects.filter(waiting, pk=OuterRef("task_id"))
    return Q(~Exists(its_task), status=BackgroundJob.Status.QUEUED, task_id__isnull=False)


def is_lost(job: BackgroundJob) -> bool:
    """Nothing will finish this open job: start it again (at most one query).

    A running job whose row has not moved for the stale time (its worker died); a queued one
    whose task ended or left the queue before any worker took it (``_never_started``). A
    queued job with no task recorded (queued before it was) waits, as it always did.
    """
    if job.status == BackgroundJob.Status.RUNNING:
        return job.updated_at < stale_before()
    if job.status != BackgroundJob.Status.QUEUED or job.task_id is None:
        return False
    return BackgroundJob.objects.filter(_never_started(clock.now()), pk=job.pk).exists()


def _close_lost(hashed: str) -> None:
    """Mark failed, saying why, the open job for this key that nothing will finish."""
    now = clock.now()
    mine = BackgroundJob.objects.filter(key=hashed)
    closed = {"status": BackgroundJob.Status.FAILED, "finished_at": now, "updated_at": now}
    if mine.filter(status=BackgroundJob.Status.RUNNING, updated_at__lt=stale_before(now)).update(
        error="stopped without finishing (its worker was stopped or died)", **closed
    ):
        logger.warning("background job for %s lost its worker: marked failed", hashed[:12])
    if mine.filter(_never_started(now)).update(
        error="never started: its task ended or left the queue before a worker took it", **closed
    ):
        logger.warning("background job for %s lost its task: marked failed", hashed[:12])


def start(
    kind: str, key: str, task: Task[Any, Any], *, by: Actor | None, **kwargs: Any
) -> BackgroundJob:
    """The open job for ``key``, or a new one with ``task`` queued (``job_id`` and ``kwargs``).

    The job's row and the task's row in the queue commit together, the job naming its task
    (``task_id``, to see it lost should the task end without it). Two requests at once make
    one job: the loser of the unique constraint takes the winner's.
    """
    hashed = key_hash(key)
    _close_lost(hashed)
    found = BackgroundJob.objects.filter(key=hashed, status__in=OPEN).first()
    if found is not None:
        return found
    now = clock.now()
    try:
        with transaction.atomic():  # nothing recorded: the task's own reads are audited
            job = BackgroundJob.objects.create(
                kind=kind,
                key=hashed,
                requested_by_id=None if by is None else by.pk,
                created_at=now,
                updated_at=now,
            )
            queued = task.enqueue(job_id=str(job.public_id), **kwargs)
            if isinstance(task.get_backend(), DatabaseBackend):
                BackgroundJob.objects.filter(pk=job.pk).update(task_id=queued.id)
    except IntegrityError:  # another request made it first (it may even have finished)
        found = latest(key)
        if found is None:  # pragma: no cover (the winner's row exists once we conflict)
            raise
        return found
    job.refresh_from_db()  # a task run at once (tests' immediate backend) has finished
    return job


def progress(job_id: str, done: int, total: int, stage: str) -> None:
    """Say how far the job has gone: ``done`` of ``total`` steps, ``stage`` in words."""
    BackgroundJob.objects.filter(public_id=job_id, status=BackgroundJob.Status.RUNNING).update(
        done=min(done, total), total=total, stage=stage[:120], updated_at=clock.now()
    )


class JobClosed(Exception):
    """The job was closed (taken as lost and replaced) while its task ran: keep nothing."""


def still_running(job_id: str) -> bool:
    """Lock the job's row and say whether it is still running (inside a transaction)."""
    locked = BackgroundJob.objects.select_for_update().filter(
        public_id=job_id, status=BackgroundJob.Status.RUNNING
    )
    return bool(list(locked.values_list("pk", flat=True)))


def claim(job_id: str) -> bool:
    """Take the queued job to run it; False when it was closed meanwhile.

    A job closed as lost and replaced: the task then does nothing; the new job stands.
    """
    return bool(
        BackgroundJob.objects.filter(public_id=job_id, status=BackgroundJob.Status.QUEUED).update(
            status=BackgroundJob.Status.RUNNING, updated_at=clock.now()
        )
    )


@contextlib.contextmanager
def running(job_id: str) -> Iterator[BackgroundJob]:
    """Run the claimed job's body: then done, or failed with the reason.

    Only a job still running is marked: one closed meanwhile as lost stays closed.
    """
    job = BackgroundJob.objects.get(public_id=job_id)
    still = BackgroundJob.objects.filter(pk=job.pk, status=BackgroundJob.Status.RUNNING)
    try:
        yield job
    except BaseException as error:
        now = clock.now()
        still.update(
            status=BackgroundJob.Status.FAILED,
            error=f"{type(error).__name__}: {error}"[:300],
            finished_at=now,
            updated_at=now,
        )
        raise
    now = clock.now()
    still.update(status=BackgroundJob.Status.DONE, done=F("total"), finished_at=now, updated_at=now)


# ---------------------------------------------------------------- what a job made
def purge_expired_files(now: dt.datetime | None = None) -> int:
    """Delete every file kept past its time; how many were deleted."""
    deleted, _ = JobFile.objects.filter(expires_at__lte=now or clock.now()).delete()
    return deleted


def keep_file(
    job_id: str, *, name: str, content_type: str, data: bytes, details: dict[str, Any]
) -> JobFile:
    """Keep what the job made (its file, and what its page says of it) for a while."""
    now = clock.now()
    purge_expired_files(now)
    job = BackgroundJob.objects.get(public_id=job_id)
    kept, _ = JobFile.objects.update_or_create(
        job=job,
        defaults={
            "name": name,
            "content_type": content_type,
            "data": data,
            "size": len(data),
            "details": details,
            "created_at": now,
            "expires_at": now + dt.timedelta(hours=settings.JOB_FILE_HOURS),
        },
    )
    return kept


def file_of(job: BackgroundJob, *, with_data: bool = False) -> JobFile | None:
    """What the job made, while it is kept (None: none, or past its time and now deleted).

    Without ``with_data`` the file's bytes are not read (the page needs only its details).
    """
    found = JobFile.objects.filter(job=job)
    kept = (found if with_data else found.defer("data")).first()
    if kept is None:
        return None
    if kept.expires_at <= clock.now():
        JobFile.objects.filter(pk=kept.pk).delete()
        return None
    return kept
