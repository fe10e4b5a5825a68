"""The nightly clean-up deletes what has expired and nothing else (issue 18)."""

import datetime as dt

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.core.management import call_command

from coxa.core import clock
from coxa.core.models import BackgroundJob, JobRun

pytestmark = pytest.mark.django_db


def _job(status: str, days_ago: int) -> BackgroundJob:
    moment = clock.now() - dt.timedelta(days=days_ago)
    return BackgroundJob.objects.create(
        kind="test", key=f"{status}{days_ago}", status=status, created_at=moment,
        updated_at=moment,
    )  # fmt: skip


def test_expired_sessions_and_finished_work_go_the_rest_stays(settings, capsys):
    settings.FINISHED_TASK_DAYS = 7
    live, old = SessionStore(), SessionStore()
    live.create()
    old.create()
    Session.objects.filter(session_key=old.session_key).update(
        expire_date=clock.now() - dt.timedelta(seconds=1)
    )
    kept = [_job("done", 6), _job("failed", 6), _job("queued", 30), _job("running", 30)]
    gone = [_job("done", 8), _job("failed", 8)]
    call_command("clean_up")
    assert list(Session.objects.values_list("session_key", flat=True)) == [live.session_key]
    left = set(BackgroundJob.objects.values_list("pk", flat=True))
    assert left == {j.pk for j in kept}
    assert not left & {j.pk for j in gone}
    assert "Deleted 1 expired sessions" in capsys.readouterr().out
    assert JobRun.objects.get(name="clean_up").last_success_at is not None
