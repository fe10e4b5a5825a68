"""The analytics pages.

A filtered cohort's survival, incidence, rates and funnel plots (computed in the background
and cached by the data's version: ``analytics.tasks``); the same as a self-contained report;
and the pseudonymised extract behind them.
"""

import datetime as dt
import io
from typing import Any

from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.safestring import mark_safe

from coxa.accounts.access import page, user_of
from coxa.accounts.permissions import Op
from coxa.analytics.extract import table_of_rows, write_csv
from coxa.analytics.selectors import record_view, registry_rows
from coxa.analytics.tasks import (
    KIND,
    RETRY,
    compute_dashboard,
    dashboard_key,
    question_query,
)
from coxa.core import background, clock
from coxa.core.models import BackgroundJob

WAITING_LONG = dt.timedelta(minutes=1)  # queued this long: say no worker seems to be running


def _figures(request: HttpRequest) -> dict[str, Any] | HttpResponse:
    """The figures for the filter asked, from the cache; else the page showing their progress.

    Computed in the background: a job is started, or one already open for them is joined.
    """
    user = user_of(request)
    key = dashboard_key(request.GET)
    shown: dict[str, Any] | None = cache.get(key)
    if shown is not None:
        record_view(user, str(shown["source"]))
        return shown
    job = background.latest(key)
    again = job is not None and (
        job.status == BackgroundJob.Status.DONE  # done, but the cache lost it
        or background.is_lost(job)
        or (
            job.status == BackgroundJob.Status.FAILED
            and request.GET.get(RETRY) == str(job.public_id)
        )
    )
    if job is None or again:
        job = background.start(
            KIND, key, compute_dashboard, by=user,
            user_id=user.pk, query=question_query(request.GET), cache_key=key,
        )  # fmt: skip
        shown = cache.get(key)  # there already when the task ran at once
        if shown is not None:
            return shown
    return _computing(request, job)


def _page(shown: dict[str, Any], request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "analytics/dashboard.html",
        {"body": mark_safe(shown["html"])},  # noqa: S308 (our own template's output)
        status=int(shown["status"]),
    )


@page(Op.PAGE_ANALYTICS)
def dashboard(request: HttpRequest) -> HttpResponse:
    shown = _figures(request)
    return shown if isinstance(shown, HttpResponse) else _page(shown, request)


def _computing(request: HttpRequest, job: BackgroundJob) -> HttpResponse:
    failed = job.status == BackgroundJob.Status.FAILED
    retry = request.GET.copy()
    retry[RETRY] = str(job.public_id)
    context: dict[str, Any] = {
        "job": job,
        "failed": failed,
        "retry_query": retry.urlencode(),
        "waiting_long": job.status == BackgroundJob.Status.QUEUED
        and clock.now() - job.created_at > WAITING_LONG,
    }
    return render(request, "analytics/dashboard.html", context)


@page(Op.PAGE_ANALYTICS)
def report_file(request: HttpRequest) -> HttpResponse:
    """The page's figures as one self-contained HTML file, once they are computed."""
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
    rows, close = registry_rows(user_of(request))
    buffer = io.BytesIO()
    write_csv(table_of_rows(rows), buffer)
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    name = f"coxa-extract-{close.isoformat()}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
