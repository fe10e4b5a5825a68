"""The invitation letters for the hips a worklist shows, printed in the background (issue 18).

The worklist's form posts here; a print run starts (or the one already open for the same
list, person and data is joined) and its page shows the progress, then the PDF to download
and the hips left out and why. Only the member of staff who asked sees the run or its file:
anyone else is told there is none (404). H89.
"""

import datetime as dt
import uuid
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from coxa.accounts.access import page, user_of
from coxa.accounts.models import User
from coxa.accounts.permissions import Op
from coxa.core import background, clock
from coxa.core.audit import Via
from coxa.core.errors import InvalidInput
from coxa.core.idempotency import submit_once
from coxa.core.models import BackgroundJob
from coxa.surveillance.tasks import letters_key, print_invitations
from coxa.surveillance.views.worklist import show_worklist
from coxa.surveillance.worklist import (
    LETTERS_KIND,
    STATUSES,
    SurveillanceQuery,
    access_print_run,
    letter_count,
    take_print_run,
)

WAITING_LONG = dt.timedelta(minutes=1)  # queued this long: say no worker seems to be running


def _joinable(job: BackgroundJob | None) -> bool:
    """An open run, or one done whose file is still kept: a second click goes to it."""
    if job is None or background.is_lost(job):
        return False
    if job.status in background.OPEN:
        return True
    return job.status == BackgroundJob.Status.DONE and background.file_of(job) is not None


def _start(user: User, query: SurveillanceQuery) -> str:
    """The page of the print run for this list: the one already there, or a new one."""
    letter_count(actor=user, query=query)  # refused when none, or too many
    key = letters_key(user, query)
    job = background.latest(key)
    if job is None or not _joinable(job):
        job = background.start(
            LETTERS_KIND, key, print_invitations, by=user, user_id=user.pk, status=query.status
        )
    return reverse("surveillance:letters-run", kwargs={"job_id": job.public_id})


@page(Op.PAGE_SURVEILLANCE_LETTERS)
def letters_start(request: HttpRequest) -> HttpResponse:
    """Start printing the letters for the list posted (a GET goes back to the list)."""
    if request.method != "POST":
        asked = request.GET.urlencode()
        return redirect(reverse("surveillance:worklist") + (f"?{asked}" if asked else ""))
    user = user_of(request)
    query = SurveillanceQuery(status=request.POST.get("status", ""))
    try:
        query.check()
        done = submit_once(request, "surveillance.letters", lambda: _start(user, query))
    except InvalidInput as refused:
        shown = query if query.status in STATUSES or not query.status else SurveillanceQuery()
        return show_worklist(request, shown, letters_problem=refused.message)
    return redirect(done.url)


@page(Op.PAGE_SURVEILLANCE_LETTERS)
def letters_run(request: HttpRequest, job_id: uuid.UUID) -> HttpResponse:
    """The print run's progress (the page asks again by itself), then its file."""
    run = access_print_run(actor=user_of(request), job_id=job_id, via=Via.WEB)
    job = run.job
    lost = background.is_lost(job)  # nothing will finish it: it failed (one query at most)
    context: dict[str, Any] = {
        "run": run,
        "job": job,
        "status_label": STATUSES.get(run.details.get("status", ""), ""),
        "failed": job.status == BackgroundJob.Status.FAILED or lost,
        "open": job.status in background.OPEN and not lost,
        "waiting_long": job.status == BackgroundJob.Status.QUEUED
        and clock.now() - job.created_at > WAITING_LONG,
        "job_file_hours": settings.JOB_FILE_HOURS,
    }
    return render(request, "surveillance/letters.html", context)


@page(Op.PAGE_SURVEILLANCE_LETTERS)
def letters_file(request: HttpRequest, job_id: uuid.UUID) -> HttpResponse:
    """The print run's PDF, recorded as a copy taken away (none kept: its page says why)."""
    kept = take_print_run(actor=user_of(request), job_id=job_id, via=Via.WEB)
    if kept is None:
        return redirect("surveillance:letters-run", job_id=job_id)
    response = HttpResponse(bytes(kept.data), content_type=kept.content_type)
    response["Content-Disposition"] = f'attachment; filename="{kept.name}"'
    return response
