"""``/metrics`` for Prometheus (issue 18, ADR 0031): what it says, and to whom.

Run in one process (no ``PROMETHEUS_MULTIPROC_DIR``): the request histogram is this
process's. tests/deploy/test_web_process.py scrapes a real gunicorn with two workers.
"""

import datetime as dt
import logging
from unittest import mock

import pytest
import time_machine
from django.core.exceptions import ImproperlyConfigured
from django.db import DatabaseError, connection
from django.test.utils import CaptureQueriesContext
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult
from prometheus_client.parser import text_string_to_metric_families

import coxa
from coxa.assessment.tasks import refresh_readiness
from coxa.config import env
from coxa.core import clock
from coxa.core.jobs import NIGHTLY
from coxa.core.models import AuditChainHead, BackgroundJob
from coxa.core.versions import data_version

pytestmark = pytest.mark.django_db
URL = "/metrics"
TOKEN = "a-metrics-token-for-the-tests-only-0123456789"
HISTOGRAM = "coxa_http_request_duration_seconds"


def scrape(client, **extra) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    """Every sample of a successful scrape, by name and labels (the text must parse)."""
    response = client.get(URL, **extra)
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/plain; version=0.0.4")
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(response.content.decode())
        for sample in family.samples
    }


def value(found, name: str, **labels: str) -> float:
    return found.get((name, frozenset(labels.items())), 0.0)


def answers(client, route: str, method: str = "GET", status_class: str = "2xx") -> float:
    labels = {"route": route, "method": method, "status_class": status_class}
    return value(scrape(client), f"{HISTOGRAM}_count", **labels)


# ---------------------------------------------------------------- what it says
def test_the_exposition_parses_and_names_the_release(client):
    found = scrape(client)
    assert value(found, "coxa_build_info", version=coxa.__version__) == 1
    assert value(found, "coxa_database_up") == 1
    names = {name for name, _ in found}
    for expected in (
        "coxa_task_queue_depth",
        "coxa_task_queue_oldest_age_seconds",
        "coxa_tasks_running",
        "coxa_nightly_job_overdue",
        "coxa_nightly_job_last_success_timestamp_seconds",
        "coxa_audit_chain_length",
        "coxa_data_version",
    ):
        assert expected in names, expected


def test_a_page_is_timed_under_its_route_template(client):
    before = answers(client, "procedures/<slug:code>/")
    assert client.get("/procedures/core-decompression/").status_code == 200
    assert answers(client, "procedures/<slug:code>/") == before + 1
    found = scrape(client)
    buckets = [
        v
        for (name, labels), v in found.items()
        if name == f"{HISTOGRAM}_bucket" and ("route", "procedures/<slug:code>/") in labels
    ]
    assert buckets  # a histogram: buckets, a count and a sum


def test_a_questionnaire_link_is_counted_by_its_template_never_its_token(client):
    secret = "NotARealLinkTokenButSecret0123456789abcdef"
    before = answers(client, "questionnaire/<str:token>/", status_class="4xx")
    response = client.get(f"/questionnaire/{secret}/")
    assert response.status_code == 404  # no such link
    assert answers(client, "questionnaire/<str:token>/", status_class="4xx") == before + 1
    assert secret not in client.get(URL).content.decode()


def test_a_path_no_route_matches_is_one_series(client):
    before = answers(client, "(unmatched)", status_class="4xx")
    client.get("/no-such-page/with/a-name-in-it/")
    client.get("/another-unknown-path/")
    text = client.get(URL).content.decode()
    assert "a-name-in-it" not in text
    assert answers(client, "(unmatched)", status_class="4xx") == before + 2


@pytest.mark.usefixtures("database_queue")
def test_the_queue_depth_and_its_oldest_task_age_and_running_tasks(client):
    start = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False):
        for _ in range(3):
            refresh_readiness.enqueue()
    with time_machine.travel(start + dt.timedelta(minutes=5), tick=False):
        refresh_readiness.enqueue()
    taken = DBTaskResult.objects.order_by("enqueued_at").first()
    DBTaskResult.objects.filter(pk=taken.pk).update(status=TaskResultStatus.RUNNING)
    DBTaskResult.objects.create(  # finished tasks are not waiting
        task_path="x", args_kwargs={}, backend_name="default", run_after=start,
        status=TaskResultStatus.SUCCESSFUL,
    )  # fmt: skip
    with time_machine.travel(start + dt.timedelta(minutes=15), tick=False):
        found = scrape(client)
    assert value(found, "coxa_task_queue_depth") == 3
    assert value(found, "coxa_task_queue_oldest_age_seconds") == 15 * 60
    assert value(found, "coxa_tasks_running") == 1


@pytest.mark.usefixtures("database_queue")
def test_an_empty_queue_is_zero_deep_and_zero_old(client):
    found = scrape(client)
    assert value(found, "coxa_task_queue_depth") == 0
    assert value(found, "coxa_task_queue_oldest_age_seconds") == 0
    assert value(found, "coxa_tasks_running") == 0


def _job(kind: str, status: str, n: int) -> None:
    now = clock.now()
    for i in range(n):
        BackgroundJob.objects.create(
            kind=kind, key=f"{kind}-{status}-{i}", status=status, created_at=now, updated_at=now
        )


def test_open_background_jobs_by_kind_and_status(client):
    _job("analytics", "queued", 2)
    _job("analytics", "running", 1)
    _job("analytics", "done", 4)
    _job("report", "failed", 1)
    found = scrape(client)
    jobs = {
        dict(labels)["kind"] + "/" + dict(labels)["status"]: v
        for (name, labels), v in found.items()
        if name == "coxa_background_jobs_open"
    }
    assert jobs == {"analytics/queued": 2, "analytics/running": 1}


def test_an_overdue_nightly_job_shows_overdue_and_its_last_success(client):
    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(hours=27), tick=False):
        late = scrape(client)
    assert {value(late, "coxa_nightly_job_overdue", job=name) for name in NIGHTLY} == {1}
    refresh_readiness.call()  # the night's run, by hand
    found = scrape(client)
    assert value(found, "coxa_nightly_job_overdue", job="refresh_readiness") == 0
    success = value(
        found, "coxa_nightly_job_last_success_timestamp_seconds", job="refresh_readiness"
    )
    assert abs(success - clock.now().timestamp()) < 3600  # today's run, not "never" (0)
    assert (
        value(found, "coxa_nightly_job_last_success_timestamp_seconds", job="refresh_follow_up")
        == 0
    )


def test_the_audit_chain_length_and_the_data_version(client, bert):
    found = scrape(client)
    head = AuditChainHead.objects.get(pk=1).last_id
    assert head > 0
    assert value(found, "coxa_audit_chain_length") == head
    assert value(found, "coxa_data_version") == data_version() > 0


def test_a_database_that_does_not_answer_still_leaves_the_request_metrics(client):
    client.get("/procedures/")
    with mock.patch("coxa.config.metrics.states", side_effect=DatabaseError("gone")):
        found = scrape(client)
    assert value(found, "coxa_database_up") == 0
    assert "coxa_task_queue_depth" not in {name for name, _ in found}
    assert value(found, f"{HISTOGRAM}_count", route="procedures/", method="GET", status_class="2xx")


@pytest.mark.usefixtures("database_queue")
def test_a_scrape_costs_the_same_queries_whatever_the_rows(client, django_assert_max_num_queries):
    refresh_readiness.enqueue()
    _job("analytics", "queued", 1)
    with CaptureQueriesContext(connection) as few:
        scrape(client)
    assert len(few) == 6  # ADR 0031: the queue, open jobs, two for the nightly jobs, two more
    for _ in range(30):
        refresh_readiness.enqueue()
    for kind in ("analytics", "report", "letters", "export"):
        _job(kind, "running", 5)
    with django_assert_max_num_queries(len(few)):
        scrape(client)


# ---------------------------------------------------------------- who may read it
def test_without_a_token_this_host_straight_to_coxa_may_read_it(client, settings):
    settings.METRICS_TOKEN = None
    for address in ("127.0.0.1", "127.0.0.2", "::1", "::ffff:127.0.0.1"):
        assert client.get(URL, REMOTE_ADDR=address).status_code == 200, address


@pytest.mark.parametrize(
    "extra",
    [
        {"REMOTE_ADDR": "10.0.0.5"},
        {"REMOTE_ADDR": "192.168.1.20"},
        {"REMOTE_ADDR": "2001:db8::1"},
        {"REMOTE_ADDR": ""},  # a unix socket
        # Through a proxy on this host (nginx): its client is elsewhere.
        {"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": "203.0.113.9"},
        {"REMOTE_ADDR": "127.0.0.1", "HTTP_FORWARDED": "for=203.0.113.9"},
        {"REMOTE_ADDR": "127.0.0.1", "HTTP_X_REAL_IP": "203.0.113.9"},
    ],
    ids=["ten-net", "home-net", "ipv6", "no-address", "x-forwarded-for", "forwarded", "real-ip"],
)
def test_without_a_token_anyone_else_finds_no_such_page(client, settings, extra):
    settings.METRICS_TOKEN = None
    response = client.get(URL, **extra)
    assert response.status_code == 404
    assert client.post(URL, **extra).status_code == 404  # nor by another method
    assert "coxa_" not in response.content.decode()


@pytest.mark.parametrize(
    "authorization",
    [
        "",
        f"Basic {TOKEN}",
        "Bearer",
        "Bearer wrong-token",
        f"Bearer {TOKEN}x",
        f"Bearer {TOKEN[:-1]}",
    ],
    ids=["missing", "basic", "empty", "wrong", "longer", "shorter"],
)
def test_with_a_token_a_request_without_it_is_refused_401(client, settings, authorization):
    settings.METRICS_TOKEN = TOKEN
    headers = {"Authorization": authorization} if authorization else {}
    response = client.get(URL, headers=headers)  # from loopback too: the token is the key
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="coxa-metrics"'
    assert "COXA_METRICS_TOKEN" in response.content.decode()
    assert "coxa_" not in response.content.decode().replace("COXA_METRICS_TOKEN", "")
    assert response["Cache-Control"] == "no-store"


@pytest.mark.parametrize("scheme", ["Bearer", "bearer"])
def test_with_a_token_the_right_one_is_answered_from_anywhere(client, settings, scheme):
    settings.METRICS_TOKEN = TOKEN
    headers = {"Authorization": f"{scheme} {TOKEN}"}
    response = client.get(URL, headers=headers, REMOTE_ADDR="10.0.0.5")
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    assert client.post(URL, headers=headers).status_code == 405


def test_the_token_is_never_logged(client, settings, caplog):
    settings.METRICS_TOKEN = TOKEN
    with caplog.at_level(logging.DEBUG):
        client.get(URL, headers={"Authorization": f"Bearer {TOKEN}"})
        client.get(URL, headers={"Authorization": f"Bearer {TOKEN}-wrong"})
    assert caplog.records  # the request lines were written
    assert TOKEN not in caplog.text


def test_a_signed_in_session_is_no_key(web_as, admin, settings):
    settings.METRICS_TOKEN = TOKEN
    assert web_as(admin).get(URL).status_code == 401


# ---------------------------------------------------------------- the setting
@pytest.mark.parametrize(
    "raw", ["short", "a" * 31, "a token with spaces in it, long enough though", "é" * 40]
)
def test_a_weak_or_unsendable_token_stops_start_up_naming_the_variable(monkeypatch, raw):
    monkeypatch.setenv("COXA_METRICS_TOKEN", raw)
    with pytest.raises(ImproperlyConfigured, match="COXA_METRICS_TOKEN must be at least 32"):
        env.env_token("COXA_METRICS_TOKEN", minimum=32)


def test_a_token_is_read_from_the_variable_or_its_file(monkeypatch, tmp_path):
    monkeypatch.delenv("COXA_METRICS_TOKEN", raising=False)
    assert env.env_token("COXA_METRICS_TOKEN", minimum=32) is None
    monkeypatch.setenv("COXA_METRICS_TOKEN", "a" * 32)
    assert env.env_token("COXA_METRICS_TOKEN", minimum=32) == "a" * 32
    monkeypatch.delenv("COXA_METRICS_TOKEN")
    (tmp_path / "token").write_text(TOKEN + "\n")
    monkeypatch.setenv("COXA_METRICS_TOKEN_FILE", str(tmp_path / "token"))
    assert env.env_token("COXA_METRICS_TOKEN", minimum=32) == TOKEN
