"""The nightly jobs are queued once a night, whatever runs the scheduler, and a worker runs
them (issue 18, ADR 0028)."""

import datetime as dt
import zoneinfo

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError
from django_tasks_db.models import DBTaskResult

from coxa.core import jobs
from coxa.core.models import JobRun

LONDON = zoneinfo.ZoneInfo("Europe/London")
AT = dt.time(2, 30)


def _london(*parts: int) -> dt.datetime:
    return dt.datetime(*parts, tzinfo=LONDON)


# ---------------------------------------------------------------- the night's slot (no database)
def test_before_the_hour_the_slot_is_last_night():
    assert jobs.slot(_london(2026, 12, 1, 2, 29), AT, LONDON) == _london(2026, 11, 30, 2, 30)


def test_at_and_after_the_hour_the_slot_is_tonight():
    assert jobs.slot(_london(2026, 12, 1, 2, 30), AT, LONDON) == _london(2026, 12, 1, 2, 30)
    assert jobs.slot(_london(2026, 12, 1, 23, 59), AT, LONDON) == _london(2026, 12, 1, 2, 30)


def test_the_slot_is_read_in_the_service_time_zone_not_utc():
    # 01:45 UTC on a summer night is 02:45 in London: tonight's slot has come.
    now = dt.datetime(2026, 7, 1, 1, 45, tzinfo=dt.UTC)
    assert jobs.slot(now, AT, LONDON) == _london(2026, 7, 1, 2, 30)


@pytest.mark.parametrize(
    "day", [dt.date(2026, 3, 29), dt.date(2026, 10, 25)], ids=["clocks-forward", "clocks-back"]
)
def test_a_night_the_clocks_change_has_one_slot(day):
    midnight = dt.datetime.combine(day, dt.time(0, 0), dt.UTC)
    moments = [midnight + dt.timedelta(minutes=m) for m in range(0, 24 * 60, 5)]
    seen = {jobs.slot(moment, AT, LONDON) for moment in moments}
    today = [s for s in seen if s.astimezone(LONDON).date() == day]
    assert len(today) == 1  # neither skipped nor run twice


# Queueing, on the database's queue.
def pytestmark_db(test):
    return pytest.mark.django_db(pytest.mark.usefixtures("database_queue")(test))


def with_a_worker(test):
    """The worker's own loop, as in production: it closes connections left in a transaction,
    so the test runs outside one (the database is emptied after it)."""
    marked = pytest.mark.django_db(transaction=True)(test)
    return pytest.mark.usefixtures("database_queue")(marked)


def _queued() -> list[str]:
    return list(DBTaskResult.objects.order_by("enqueued_at").values_list("task_path", flat=True))


@pytest.fixture
def at_half_two(settings):
    settings.NIGHTLY_AT = "02:30"
    settings.TIME_ZONE = "Europe/London"


@pytestmark_db
def test_each_job_is_queued_once_for_its_night_in_order(at_half_two):
    night = _london(2026, 12, 1, 3, 0)
    assert jobs.queue_due(night) == list(jobs.NIGHTLY)
    assert _queued() == [jobs.NIGHT]  # one task runs them in order
    # Again the same night (a second scheduler, a restart): nothing more.
    assert jobs.queue_due(night + dt.timedelta(hours=5)) == []
    assert DBTaskResult.objects.count() == 1
    # The next night: again.
    assert jobs.queue_due(_london(2026, 12, 2, 2, 31)) == list(jobs.NIGHTLY)
    assert DBTaskResult.objects.count() == 2
    claimed = set(JobRun.objects.values_list("last_queued_for", flat=True))
    assert claimed == {_london(2026, 12, 2, 2, 30)}


def test_the_night_runs_its_jobs_in_order_and_a_failure_does_not_stop_the_next(monkeypatch):
    from coxa.core.tasks import nightly

    ran = []

    def job(name, fails=False):
        def body():
            ran.append(name)
            if fails:
                raise jobs.JobFailed("2 episode(s) failed")

        return type("Task", (), {"call": staticmethod(body)})()

    found = {
        j.task: job(name, fails=name == "refresh_readiness") for name, j in jobs.NIGHTLY.items()
    }
    monkeypatch.setattr("coxa.core.tasks.import_string", found.__getitem__)
    with pytest.raises(jobs.JobFailed, match="refresh_readiness"):
        nightly.call()
    assert ran == [
        "refresh_readiness",
        "refresh_follow_up",
        "refresh_surveillance",
        "clean_up",
        "clean_up_exports",
    ]


@pytestmark_db
def test_before_the_hour_a_new_install_catches_up_last_night_once(at_half_two):
    assert jobs.queue_due(_london(2026, 12, 1, 1, 0)) == list(jobs.NIGHTLY)
    assert jobs.queue_due(_london(2026, 12, 1, 2, 0)) == []
    assert jobs.queue_due(_london(2026, 12, 1, 2, 30)) == list(jobs.NIGHTLY)


@pytestmark_db
def test_a_night_another_scheduler_claimed_is_not_queued_again(at_half_two):
    slot = _london(2026, 12, 1, 2, 30)
    for name in jobs.NIGHTLY:
        JobRun.objects.create(name=name, last_queued_for=slot)
    assert jobs.queue_due(_london(2026, 12, 1, 3, 0)) == []
    assert DBTaskResult.objects.count() == 0


@pytestmark_db
def test_a_claim_is_undone_when_the_task_cannot_be_queued(at_half_two, monkeypatch):
    def refuse(*args, **kwargs):
        raise RuntimeError("queue unavailable")

    monkeypatch.setattr("django_tasks_db.backend.DatabaseBackend.enqueue", refuse)
    with pytest.raises(RuntimeError):
        jobs.queue_due(_london(2026, 12, 1, 3, 0))
    assert not JobRun.objects.filter(last_queued_for__isnull=False).exists()
    assert DBTaskResult.objects.count() == 0


@with_a_worker
def test_the_scheduler_queues_and_a_worker_runs_the_night_so_the_service_is_ready(client):
    late = dt.datetime.now(dt.UTC) + dt.timedelta(days=2)
    with time_machine.travel(late, tick=False):
        assert client.get("/healthz/ready").status_code == 503  # never run: overdue
        call_command("scheduler", "--once")
        assert DBTaskResult.objects.ready().count() == 1
        call_command("worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)
        assert DBTaskResult.objects.successful().count() == 1
        assert all(r.last_success_at == late for r in JobRun.objects.all())
        assert client.get("/healthz/ready").status_code == 200


@with_a_worker
def test_a_task_that_fails_is_a_failed_run_and_the_service_is_not_ready(client, monkeypatch):
    class Run:
        refreshed, moves, failed = 3, [], ["one episode: boom"]

    monkeypatch.setattr("coxa.assessment.tasks.refresh_tracked", lambda **_: Run())
    late = dt.datetime.now(dt.UTC) + dt.timedelta(days=2)
    with time_machine.travel(late, tick=False):
        call_command("scheduler", "--once")
        call_command("worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)
        assert DBTaskResult.objects.failed().count() == 1
        answer = client.get("/healthz/ready")
    assert (answer.status_code, answer.json()["overdue"]) == (503, ["refresh_readiness"])
    assert "1 episode(s) failed" in JobRun.objects.get(name="refresh_readiness").last_error


def test_the_scheduler_refuses_an_interval_under_a_second(capsys):
    with pytest.raises(SystemExit):
        call_command("scheduler", "--interval", "0")
    assert "--interval must be at least 1 second" in capsys.readouterr().err


@pytestmark_db
def test_the_command_runs_the_same_task_body_and_says_when_hips_failed(monkeypatch):
    class Run:
        refreshed, failed = 2, ["a hip: boom"]

    monkeypatch.setattr("coxa.outcomes.tasks.refresh_all", Run)
    with pytest.raises(CommandError, match="1 episode"):
        call_command("refresh_follow_up")
