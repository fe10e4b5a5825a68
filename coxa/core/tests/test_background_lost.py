"""A queued background job that nothing will ever run is lost, and started again (H91).

Issue 18 (ADR 0028): the job names the task queued for it; when that task ended without
taking the job (an old worker in a rolling upgrade that could not import a new task: the
queue marks it failed), left the queue (deleted by the clean-up), or was taken by a worker
that then fell silent, the page that waits for the job would wait for ever. A queued job
whose task still waits its turn is never lost, however long it waits.
"""

import datetime as dt

import pytest
import time_machine
from django.core.management import call_command
from django_tasks import task
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from coxa.core import background, clock
from coxa.core.models import BackgroundJob

KEY = "test:lost"
STALE = 30  # minutes


@task()
def takes_the_job(job_id: str) -> str:
    """What every job's task does first: claim the job, then run it."""
    if not background.claim(job_id):
        return "closed"
    with background.running(job_id):
        background.progress(job_id, 1, 1, "Done")
    return "done"


def _start() -> BackgroundJob:
    return background.start("test", KEY, takes_the_job, by=None)


def _task_of(job: BackgroundJob):
    return DBTaskResult.objects.filter(pk=job.task_id)


def _work() -> None:
    call_command("worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)


@pytest.fixture
def stale(settings):
    settings.TASK_STALE_MINUTES = STALE


queued = pytest.mark.usefixtures("database_queue", "stale")


# ---------------------------------------------------------------- the job names its task
@pytest.mark.django_db
@queued
def test_a_job_names_the_task_queued_for_it():
    job = _start()
    assert job.status == BackgroundJob.Status.QUEUED
    queued_task = DBTaskResult.objects.get()
    assert job.task_id == queued_task.pk
    assert queued_task.args_kwargs["kwargs"] == {"job_id": str(job.public_id)}
    assert not background.is_lost(job)


@pytest.mark.django_db
def test_a_task_run_at_once_names_no_queued_task():
    job = _start()  # the tests' immediate backend: no queue to watch
    assert (job.status, job.task_id) == (BackgroundJob.Status.DONE, None)


# ---------------------------------------------------------------- lost, and started again
@pytest.mark.django_db
@queued
@pytest.mark.parametrize("ended", [TaskResultStatus.FAILED, TaskResultStatus.SUCCESSFUL])
def test_a_queued_job_whose_task_ended_without_taking_it_is_lost_and_started_again(ended):
    job = _start()
    _task_of(job).update(status=ended, finished_at=clock.now())
    assert background.is_lost(job)
    again = _start()
    assert again.pk != job.pk
    assert again.status == BackgroundJob.Status.QUEUED
    assert not background.is_lost(again)
    job.refresh_from_db()
    assert job.status == BackgroundJob.Status.FAILED
    assert "never started" in job.error
    assert job.finished_at is not None
    assert DBTaskResult.objects.count() == 2  # a new task for the new job
    assert _start().pk == again.pk  # and the new one is joined, not replaced


@pytest.mark.django_db
@queued
def test_a_queued_job_whose_task_left_the_queue_is_lost():
    job = _start()
    _task_of(job).delete()  # the clean-up, or someone by hand
    assert background.is_lost(job)
    assert _start().pk != job.pk


@pytest.mark.django_db
@queued
def test_a_queued_job_whose_task_waits_its_turn_is_never_lost_however_long():
    job = _start()
    with time_machine.travel(clock.now() + dt.timedelta(days=3)):
        assert not background.is_lost(job)
        assert _start().pk == job.pk
    assert BackgroundJob.objects.get().status == BackgroundJob.Status.QUEUED


@pytest.mark.django_db
@queued
def test_a_task_taken_by_a_worker_that_then_fell_silent_is_lost_after_the_stale_time():
    job = _start()
    taken = clock.now()
    _task_of(job).update(status=TaskResultStatus.RUNNING, started_at=taken)
    with time_machine.travel(taken + dt.timedelta(minutes=STALE), tick=False):
        assert not background.is_lost(job)  # it may yet claim the job
        assert _start().pk == job.pk
    with time_machine.travel(taken + dt.timedelta(minutes=STALE, seconds=1), tick=False):
        assert background.is_lost(job)
        assert _start().pk != job.pk


@pytest.mark.django_db
@queued
def test_a_job_claimed_and_finished_since_it_was_read_is_not_taken_as_lost():
    job = _start()  # read while queued
    takes_the_job.call(job_id=str(job.public_id))  # a worker takes and finishes it
    _task_of(job).update(status=TaskResultStatus.SUCCESSFUL, finished_at=clock.now())
    assert job.status == BackgroundJob.Status.QUEUED  # the copy in hand is out of date
    assert not background.is_lost(job)
    job.refresh_from_db()
    assert job.status == BackgroundJob.Status.DONE


@pytest.mark.django_db
@queued
def test_a_queued_job_with_no_task_recorded_waits_as_it_always_did():
    job = _start()
    _task_of(job).delete()
    BackgroundJob.objects.filter(pk=job.pk).update(task_id=None)  # queued before this release
    job.refresh_from_db()
    assert not background.is_lost(job)
    assert _start().pk == job.pk


@pytest.mark.django_db
@queued
def test_a_running_job_is_still_lost_only_once_silent_for_the_stale_time():
    job = _start()
    _task_of(job).update(status=TaskResultStatus.FAILED)  # irrelevant once it was claimed
    assert background.claim(str(job.public_id))
    job.refresh_from_db()
    assert not background.is_lost(job)
    with time_machine.travel(job.updated_at + dt.timedelta(minutes=STALE, seconds=1)):
        assert background.is_lost(job)
        assert _start().pk != job.pk
    job.refresh_from_db()
    assert "its worker was stopped or died" in job.error


@pytest.mark.django_db
@queued
def test_telling_whether_a_job_is_lost_costs_one_query_at_most(django_assert_num_queries):
    job = _start()
    with django_assert_num_queries(1):
        assert not background.is_lost(job)
    _task_of(job).delete()
    with django_assert_num_queries(1):
        assert background.is_lost(job)
    for status in (BackgroundJob.Status.RUNNING, BackgroundJob.Status.DONE):
        job.status = status
        with django_assert_num_queries(0):
            assert not background.is_lost(job)


# ---------------------------------------------------------------- with a real worker
@pytest.mark.django_db(transaction=True)  # the worker's loop closes a connection in one
@queued
def test_a_task_no_worker_can_import_is_lost_and_the_job_runs_again():
    job = _start()
    # Queued by a newer release; an older worker cannot import it, and the queue marks it failed.
    _task_of(job).update(task_path=f"{__name__}.a_task_of_a_newer_release")
    _work()
    assert _task_of(job).get().status == TaskResultStatus.FAILED
    job.refresh_from_db()
    assert job.status == BackgroundJob.Status.QUEUED  # no worker ever took it
    assert background.is_lost(job)
    again = _start()
    _work()
    again.refresh_from_db()
    assert again.status == BackgroundJob.Status.DONE
    job.refresh_from_db()
    assert job.status == BackgroundJob.Status.FAILED
