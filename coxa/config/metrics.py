"""``/metrics`` for Prometheus (issue 18, ADR 0031): what Coxa measures, and who may read it.

- **Requests**: one histogram of answer times by route template, method and status class,
  observed by ``config.middleware.RequestLog`` (the route template, never the path: a path
  may hold a one-time link's token). Under gunicorn, ``PROMETHEUS_MULTIPROC_DIR`` (set by
  ``deploy/gunicorn.conf.py``) makes every worker write its counts to a file there, and a
  scrape adds up every worker's; without it (``coxa runserver``, tests) a scrape reads this
  process's own.
- **The database**, read at each scrape by ``DatabaseCollector`` in a fixed number of queries
  whatever the number of rows: the task queue (waiting, the oldest's age, running), open
  background jobs by kind and status, each nightly job's last success and whether it is
  overdue (``core.jobs.states``, as ``/healthz/ready``), the audit chain's length and the
  data's version.
- **Who may read it**: with ``COXA_METRICS_TOKEN`` set, a request bearing it
  (``Authorization: Bearer ...``, compared in constant time), else 401; unset, only a request
  made on this host straight to Coxa (a loopback address and no proxy's forwarding header),
  else 404, as for a page that does not exist. Never a session; never cached; the token is
  never logged.
"""

import hmac
import ipaddress
import logging
import os
from collections.abc import Iterable, Iterator

from django.conf import settings
from django.db import DatabaseError
from django.db.models import Count, Min
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.views.decorators.cache import never_cache
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult
from prometheus_client import (
    CollectorRegistry,
    Histogram,
    disable_created_metrics,
    generate_latest,
)
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4
from prometheus_client.metrics_core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

import coxa
from coxa.accounts.access import public
from coxa.accounts.permissions import Op
from coxa.core import clock
from coxa.core.background import OPEN
from coxa.core.jobs import states
from coxa.core.models import AuditChainHead, BackgroundJob
from coxa.core.versions import data_version

log = logging.getLogger(__name__)
MULTIPROCESS_DIR = "PROMETHEUS_MULTIPROC_DIR"  # prometheus_client's own variable

# ------------------------------------------------------------------ requests
# No "_created" series (the time each series began): gunicorn's workers' files do not keep
# them, so one process shows what many do.
disable_created_metrics()  # type: ignore[no-untyped-call]
# This process's metrics (its own registry: no process or platform collectors, whose values
# would be one worker's under gunicorn).
REGISTRY = CollectorRegistry(auto_describe=True)
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
UNMATCHED = "(unmatched)"  # a path no route matched (a 404 before any view): one series
REQUEST_SECONDS = Histogram(
    "coxa_http_request_duration_seconds",
    "Time Coxa took to answer a request, by route template, method and status class.",
    ["route", "method", "status_class"],
    # Up to gunicorn's timeout (COXA_WEB_TIMEOUT, 30 s), finer where pages should answer.
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
    registry=REGISTRY,
)


def observe(method: str | None, route: str, status: int, seconds: float) -> None:
    """Count one answer: its route template (never a path), method, status class and time."""
    REQUEST_SECONDS.labels(
        route=route or UNMATCHED,
        method=method if method in METHODS else "other",
        status_class=f"{status // 100}xx",
    ).observe(seconds)


class _ThisProcess(Collector):
    def collect(self) -> Iterable[Metric]:
        return REGISTRY.collect()


# ------------------------------------------------------------------ the database
def _gauge(name: str, documentation: str, value: float) -> GaugeMetricFamily:
    return GaugeMetricFamily(name, documentation, value=value)


def _tasks() -> Iterator[Metric]:
    """The task queue (django-tasks-db's table): one grouped query."""
    found = {
        row["status"]: row
        for row in DBTaskResult.objects.filter(
            status__in=[TaskResultStatus.READY, TaskResultStatus.RUNNING]
        )
        .values("status")
        .annotate(n=Count("pk"), oldest=Min("enqueued_at"))
        .order_by()  # the model's ordering would join the GROUP BY
    }
    ready = found.get(TaskResultStatus.READY, {"n": 0, "oldest": None})
    oldest = ready["oldest"]
    age = 0.0 if oldest is None else max((clock.now() - oldest).total_seconds(), 0.0)
    yield _gauge("coxa_task_queue_depth", "Tasks waiting in the queue for a worker.", ready["n"])
    yield _gauge(
        "coxa_task_queue_oldest_age_seconds",
        "How long the oldest waiting task has waited (0 when none waits).",
        age,
    )
    running = found.get(TaskResultStatus.RUNNING, {"n": 0})["n"]
    yield _gauge("coxa_tasks_running", "Tasks a worker has taken and not finished.", running)


def _background_jobs() -> Iterator[Metric]:
    """Open jobs a person asked for (core.BackgroundJob), by kind and status: one query."""
    family = GaugeMetricFamily(
        "coxa_background_jobs_open",
        "Background jobs people asked for that are queued or running, by kind and status.",
        labels=["kind", "status"],
    )
    rows = (
        BackgroundJob.objects.filter(status__in=OPEN)
        .values("kind", "status")
        .annotate(n=Count("pk"))
        .order_by("kind", "status")
    )
    for row in rows:
        family.add_metric([row["kind"], row["status"]], row["n"])
    yield family


def _nightly_jobs() -> Iterator[Metric]:
    """Each nightly job's last success and whether it is overdue, as /healthz/ready judges."""
    success = GaugeMetricFamily(
        "coxa_nightly_job_last_success_timestamp_seconds",
        "When each nightly job last succeeded, in Unix seconds (0: never).",
        labels=["job"],
    )
    overdue = GaugeMetricFamily(
        "coxa_nightly_job_overdue",
        "1 when a nightly job's last success is older than it may be (/healthz/ready is 503).",
        labels=["job"],
    )
    for job in states():
        last = job.last_success_at.timestamp() if job.last_success_at else 0.0
        success.add_metric([job.name], last)
        overdue.add_metric([job.name], 1.0 if job.overdue else 0.0)
    yield success
    yield overdue


def _records() -> Iterator[Metric]:
    head = AuditChainHead.objects.filter(pk=1).values_list("last_id", flat=True).first()
    yield _gauge(
        "coxa_audit_chain_length",
        "The id of the audit chain's last record: grows with every recorded read and change.",
        head or 0,
    )
    yield _gauge(
        "coxa_data_version",
        "The data's version: moved by every change a service records (ADR 0028).",
        data_version(),
    )


class DatabaseCollector(Collector):
    """Read at each scrape: a fixed number of indexed queries, never one a row."""

    def collect(self) -> Iterable[Metric]:
        yield from self.build_info()
        try:
            found = [*_tasks(), *_background_jobs(), *_nightly_jobs(), *_records()]
        except DatabaseError as error:
            log.warning("metrics: the database did not answer: %s", error)
            found = []
        yield _gauge(
            "coxa_database_up", "1 when the scrape could read the database.", 1 if found else 0
        )
        yield from found

    @staticmethod
    def build_info() -> Iterator[Metric]:
        info = GaugeMetricFamily(
            "coxa_build_info", "The Coxa release answering (always 1).", labels=["version"]
        )
        info.add_metric([coxa.__version__], 1)
        yield info


def exposition() -> bytes:
    """Every metric in Prometheus's text format: every gunicorn worker's requests, if many."""
    registry = CollectorRegistry(auto_describe=False)
    if os.environ.get(MULTIPROCESS_DIR):
        # Every worker's files, the stopped ones' too (prometheus_client leaves it untyped).
        MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    else:
        registry.register(_ThisProcess())
    registry.register(DatabaseCollector())
    return generate_latest(registry)


# ------------------------------------------------------------------ the page
_FORWARDED = ("HTTP_X_FORWARDED_FOR", "HTTP_FORWARDED", "HTTP_X_REAL_IP")


def straight_from_this_host(request: HttpRequest) -> bool:
    """A loopback address, and no proxy's header: not through the reverse proxy."""
    try:
        address = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:  # a unix socket's empty address, or nothing
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_loopback and not any(request.META.get(h) for h in _FORWARDED)


def bears(request: HttpRequest, token: str) -> bool:
    """The request's ``Authorization: Bearer`` token is ``token`` (constant-time)."""
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(
        given.strip().encode(), token.encode()
    )


def _token_refused() -> HttpResponse:
    response = HttpResponse(
        "The Authorization header must bear the metrics token "
        "(Authorization: Bearer, the value of COXA_METRICS_TOKEN): it is missing or wrong.\n",
        status=401,
        content_type="text/plain; charset=utf-8",
    )
    response["WWW-Authenticate"] = 'Bearer realm="coxa-metrics"'
    return response


@public(Op.METRICS)
@never_cache
def metrics(request: HttpRequest) -> HttpResponse:
    """Prometheus's scrape: the token first (no answer says more to a caller without it)."""
    token = settings.METRICS_TOKEN
    if token is None:
        if not straight_from_this_host(request):
            raise Http404("no metrics token is set: answered on this host only")
    elif not bears(request, token):
        return _token_refused()
    if request.method not in {"GET", "HEAD"}:
        return HttpResponseNotAllowed(["GET", "HEAD"])
    return HttpResponse(exposition(), content_type=CONTENT_TYPE_PLAIN_0_0_4)
