"""The analytics pages.

A filtered cohort's survival, incidence, rates and funnel plots (computed in the background
and cached by the data's version: ``analytics.tasks``); the same as a self-contained report;
and the pseudonymised extract behind them. Without the analytics extra (``analytics.extra``)
each answers 503 saying how to install it.
"""

import datetime as dt
import io
from typing import Any

from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.safestring import mark_safe

from coxa.accounts.access import page, user_of
from coxa.accounts.models import User
from coxa.accounts.permissions import Op
from coxa.analytics import extra
from coxa.analytics.selectors import record_view, registry_rows
from coxa.analytics.tasks import (
    JOB,
    KIND,
    MARKS,
    RETRY,
    answers,
    compute_dashboard,
    dashboard_key,
    job_result_key,
    question_query,
)
from coxa.core import background, clock
from coxa.core.models import BackgroundJob

WAITING_LONG = dt.timedelta(minutes=1)  # queued this long: say no worker seems to be running
# Done this recently, yet its figures are not in the cache: this web server cannot read what
# the worker wrote (no shared cache). Done longer ago: evicted or expired, so computed again.
UNREADABLE_AFTER = dt.timedelta(minutes=1)


def _figures(request: HttpRequest) -> dict[str, Any] | HttpResponse:
    """The figures for the filter asked, from the cache; else the page showing their progress.

    Computed in the background: a job is started, or one already open for them is joined.
    A page waiting for a job follows that job (``?job=``), so records changed meanwhile never
    start another computation on their own: the figures come with a note that they changed.
    """
    user = user_of(request)
    key = dashboard_key(request.GET)
    shown: dict[str, Any] | None = cache.get(key)
    if shown is not None:
        return _delivered(user, shown)
    followed = background.find(request.GET.get(JOB, ""))
    if followed is not None and followed.kind == KIND and not background.is_lost(followed):
        answered = _follow(request, followed, key)
        if answered is not None:
            return answered
    job = background.latest(key)
    if job is None or _start_again(request, job):
        job = background.start(
            KIND, key, compute_dashboard, by=user,
            user_id=user.pk, query=question_query(request.GET), cache_key=key,
        )  # fmt: skip
        shown = cache.get(key)  # there already when the task ran at once
        if shown is not None:
            return _delivered(user, shown)
    return _computing(request, job)


def _start_again(request: HttpRequest, job: BackgroundJob) -> bool:
    """A job to replace: its worker died, a person asked to retry it, or its result expired."""
    if background.is_lost(job):
        return True
    if job.status == BackgroundJob.Status.FAILED:
        return request.GET.get(RETRY) == str(job.public_id)
    if job.status == BackgroundJob.Status.DONE:  # done, yet nothing under its key
        return job.finished_at is None or clock.now() - job.finished_at > UNREADABLE_AFTER
    return False


def _follow(
    request: HttpRequest, job: BackgroundJob, key: str
) -> dict[str, Any] | HttpResponse | None:
    """The followed job's page while it runs or if it failed, or its figures once done.

    Its figures only when they answer this question today (noting records changed since);
    else None: the job is not followed.
    """
    if job.status != BackgroundJob.Status.DONE:
        return _computing(request, job)
    shown = cache.get(job_result_key(str(job.public_id)))
    if shown is None:  # gone: evicted, expired, or on a cache this host does not read
        recent = job.finished_at is not None and clock.now() - job.finished_at <= UNREADABLE_AFTER
        return _computing(request, job) if recent else None
    if not answers(shown, request.GET):  # a link to another filter's job, or yesterday's
        return None
    changed = job.key != background.key_hash(key)
    return _delivered(user_of(request), {**shown, "changed": changed})


def _delivered(user: User, shown: dict[str, Any]) -> dict[str, Any]:
    record_view(user, str(shown["source"]))  # once a page: figures shown end its polling
    return shown


def _without_marks(request: HttpRequest) -> str:
    kept = request.GET.copy()
    for mark in MARKS:
        kept.pop(mark, None)
    return kept.urlencode()


def _page(shown: dict[str, Any], request: HttpRequest) -> HttpResponse:
    context = {
        "body": mark_safe(shown["html"]),  # noqa: S308 (our own template's output)
        "changed": shown.get("changed", False),
        "again_query": _without_marks(request),
    }
    # htmx swaps only a 2xx answer: a poll that ends in a refused filter must still be shown.
    status = 200 if getattr(request, "htmx", False) else int(shown["status"])
    return render(request, "analytics/dashboard.html", context, status=status)


def _without_extra(request: HttpRequest) -> HttpResponse | None:
    """The page saying how to install the analytics extra (503), or None when it is there."""
    sentence = extra.problem()
    if sentence is None:
        return None
    return render(request, "analytics/dashboard.html", {"unavailable": sentence}, status=503)


@page(Op.PAGE_ANALYTICS)
def dashboard(request: HttpRequest) -> HttpResponse:
    unavailable = _without_extra(request)
    if unavailable is not None:
        return unavailable
    shown = _figures(request)
    return shown if isinstance(shown, HttpResponse) else _page(shown, request)


def _computing(request: HttpRequest, job: BackgroundJob) -> HttpResponse:
    retry, poll = request.GET.copy(), request.GET.copy()
    retry.pop(JOB, None)
    retry[RETRY] = str(job.public_id)
    poll.pop(RETRY, None)
    poll[JOB] = str(job.public_id)
    context: dict[str, Any] = {
        "job": job,
        "failed": job.status == BackgroundJob.Status.FAILED,
        # Done, yet its figures cannot be read here: a worker on another host, no shared cache.
        "unreadable": job.status == BackgroundJob.Status.DONE,
        "retry_query": retry.urlencode(),
        "poll_query": poll.urlencode(),
        "waiting_long": job.status == BackgroundJob.Status.QUEUED
        and clock.now() - job.created_at > WAITING_LONG,
    }
    return render(request, "analytics/dashboard.html", context)


@page(Op.PAGE_ANALYTICS)
def report_file(request: HttpRequest) -> HttpResponse:
    """The page's figures as one self-contained HTML file, once they are computed."""
    unavailable = _without_extra(request)
    if unavailable is not None:
        return unavailable
    shown = _figures(request)
    if isinstance(shown, HttpResponse):
        return shown
    if not shown["report"]:  # the filter was refused: the page says why
        return _page(shown, request)
    response = HttpResponse(shown["report"])
    response["Content-Disposition"] = 'attachment; filename="coxa-registry-report.html"'
    return response


@page(Op.PAGE_ANALYTICS)
def extract_file(request: HttpRequest) -> HttpResponse:
    """Every operated hip as a registry extract: pseudonyms, no names or numbers."""
    unavailable = _without_extra(request)
    if unavailable is not None:
        return unavailable
    from coxa.analytics.extract import table_of_rows, write_csv  # noqa: PLC0415 (extra)

    rows, close = registry_rows(user_of(request))
    buffer = io.BytesIO()
    write_csv(table_of_rows(rows), buffer)
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    name = f"coxa-extract-{close.isoformat()}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
