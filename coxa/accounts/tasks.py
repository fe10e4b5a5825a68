"""The accounts' background tasks: clearing what has expired (the nightly clean-up)."""

import datetime as dt

from django.conf import settings
from django.contrib.sessions.models import Session
from django_tasks import task
from django_tasks_db.models import DBTaskResult

from coxa.accounts.models import ApiToken, SystemToken, UsedJwt
from coxa.core import background, clock, jobs
from coxa.core.models import BackgroundJob


@task()
def clean_up() -> dict[str, int]:
    """Delete what has expired: sessions, API tokens, finished background work.

    And connected systems' access tokens, and the JWT ids kept against replay once their
    JWTs have expired (each is also cleared as its system asks again).

    Finished tasks and jobs are kept ``COXA_FINISHED_TASK_DAYS`` (7) for looking into, then
    deleted: their results are in the cache or in the records, never only there.
    """
    with jobs.recorded("clean_up"):
        now = clock.now()
        before = now - dt.timedelta(days=settings.FINISHED_TASK_DAYS)
        sessions, _ = Session.objects.filter(expire_date__lt=now).delete()
        tokens, _ = ApiToken.objects.filter(expires_at__lt=now).delete()
        system_tokens, _ = SystemToken.objects.filter(expires_at__lt=now).delete()
        UsedJwt.objects.filter(expires_at__lt=now).delete()
        finished = BackgroundJob.objects.filter(
            status__in=[BackgroundJob.Status.DONE, BackgroundJob.Status.FAILED],
            updated_at__lt=before,
        )
        background_jobs, _ = finished.delete()
        tasks, _ = DBTaskResult.objects.finished().filter(finished_at__lt=before).delete()
        background.purge_expired_files(now)  # a job's file past its time (most go sooner)
    return {
        "sessions": sessions,
        "api_tokens": tokens,
        "system_tokens": system_tokens,
        "background_jobs": background_jobs,
        "tasks": tasks,
    }
