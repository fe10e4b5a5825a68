"""``/healthz/ready``: the database answers and no nightly job is overdue; each job records its
own runs (issue 18)."""

import datetime as dt

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError

from coxa.core.jobs import NIGHTLY
from coxa.core.models import JobRun

pytestmark = pytest.mark.django_db
URL = "/healthz/ready"


def _ready(client, after: dt.timedelta = dt.timedelta(0)):
    with time_machine.travel(dt.datetime.now(dt.UTC) + after, tick=False):
        return client.get(URL)


def _run_every_nightly_job():
    for name in NIGHTLY:
        call_command(name)


def test_a_new_install_is_ready_and_lists_its_nightly_jobs(client):
    answer = _ready(client)
    assert answer.status_code == 200
    body = answer.json()
    assert body["status"] == "ok"
    assert set(body["jobs"]) == set(NIGHTLY)
    assert all(job["last_success"] is None for job in body["jobs"].values())


def test_jobs_never_run_a_day_after_install_are_overdue(client):
    answer = _ready(client, dt.timedelta(hours=27))
    assert answer.status_code == 503
    assert sorted(answer.json()["overdue"]) == sorted(NIGHTLY)


def test_each_job_records_its_success_and_the_service_stays_ready_for_a_day(client, capsys):
    _run_every_nightly_job()
    assert set(
        JobRun.objects.filter(last_success_at__isnull=False).values_list("name", flat=True)
    ) == set(NIGHTLY)
    assert _ready(client, dt.timedelta(hours=25)).status_code == 200
    late = _ready(client, dt.timedelta(hours=27))
    assert late.status_code == 503
    assert sorted(late.json()["overdue"]) == sorted(NIGHTLY)


def test_a_failing_job_records_why_and_is_overdue_until_it_succeeds(client, monkeypatch, capsys):
    _run_every_nightly_job()
    succeeded = JobRun.objects.get(name="refresh_readiness").last_success_at

    def broken(**_):
        raise RuntimeError("database went away")

    monkeypatch.setattr("coxa.assessment.tasks.refresh_tracked", broken)
    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(hours=24), tick=False):
        with pytest.raises(RuntimeError):
            call_command("refresh_readiness")
        for name in NIGHTLY:
            if name != "refresh_readiness":
                call_command(name)
    run = JobRun.objects.get(name="refresh_readiness")
    assert run.last_success_at == succeeded
    assert run.last_failure_at is not None
    assert "database went away" in run.last_error
    late = _ready(client, dt.timedelta(hours=27))
    assert (late.status_code, late.json()["overdue"]) == (503, ["refresh_readiness"])


def test_a_run_with_episodes_that_failed_is_a_failed_run(monkeypatch, capsys):
    class Run:
        refreshed, moves, failed = 3, [], ["one episode: boom"]

    monkeypatch.setattr("coxa.assessment.tasks.refresh_tracked", lambda **_: Run())
    with pytest.raises(CommandError):
        call_command("refresh_readiness")
    run = JobRun.objects.get(name="refresh_readiness")
    assert run.last_success_at is None
    assert "1 episode(s) failed" in run.last_error


def test_a_dry_run_is_not_a_run_of_the_job(capsys):
    call_command("refresh_readiness", "--dry-run")
    assert not JobRun.objects.filter(name="refresh_readiness").exists()


def test_the_plain_health_check_does_not_look_at_jobs(client):
    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(days=3), tick=False):
        assert client.get("/healthz").status_code == 200
