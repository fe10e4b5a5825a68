"""Two web processes and two workers on one PostgreSQL database and one Redis (issue 18).

What a hospital running Coxa on more than one machine relies on, shown with real processes
(gunicorn with the deployment kit's configuration, `coxa worker`, `coxa scheduler --once`):
a session made by one web process is honoured and ended by the other; a question asked of
either is computed once, by either worker, and its figures are served by both from the
shared cache until a change through either moves the data's version; audited writes through
both at once keep one whole chain; two schedulers queue each nightly job once.

It manages its own database, so it runs in the PostgreSQL pass of `make test` only.
"""

import datetime as dt
import logging
import re
import subprocess
import sys
import threading
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Any, TypeVar

import pytest
from django.db import connection

from coxa.core.jobs import NIGHT, NIGHTLY
from tests.multiprocess.cluster import Cluster, wait_until
from tests.multiprocess.web import Answer, Browser, api_post, send, token_for

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="starts processes on a PostgreSQL database of its own: runs in the PostgreSQL "
    "pass (make test-postgres)",
)
log = logging.getLogger(__name__)
T = TypeVar("T")

ANALYTICS = "/staff/analytics/"
PATIENTS = "/api/v1/patients"
COMPUTING = 'data-testid="computing"'
FIGURES = 'data-testid="outcome-figures"'
COMPUTE = "coxa.analytics.tasks.compute_dashboard"
COMPUTED_WITHIN = 120.0  # seconds for a worker to take and finish the work asked


def together(works: list[Callable[[], T]]) -> list[T]:
    """Run each in its own thread, released at the same moment."""
    start = threading.Barrier(len(works))

    def run(work: Callable[[], T]) -> T:
        start.wait()
        return work()

    with ThreadPoolExecutor(max_workers=len(works)) as pool:
        return list(pool.map(run, works))


def signed_in(cluster: Cluster, username: str = "surgeon") -> Browser:
    browser = Browser()
    browser.sign_in(cluster.web["web-a"], username)
    return browser


def analytics(browser: Browser, base: str, query: str) -> Answer:
    """The analytics page: its figures, or the progress of their computing (never else)."""
    answer = Browser(dict(browser.cookies)).get(base, f"{ANALYTICS}?{query}")
    assert answer.status == 200, answer.status
    assert (FIGURES in answer.text) != (COMPUTING in answer.text), answer.text[:2000]
    failed = re.search(r'data-testid="failed">([^<]*)<', answer.text)
    assert failed is None, f"the figures for {query} could not be computed: {failed.group(1)}"
    return answer


def figures(browser: Browser, base: str, query: str) -> Answer:
    """The page once it shows the figures (asked again every half second meanwhile)."""

    def shown() -> Answer | None:
        answer = analytics(browser, base, query)
        return answer if FIGURES in answer.text else None

    return wait_until(f"the figures for {query} on {base}", shown, COMPUTED_WITHIN, every=0.5)


def last_job(cluster: Cluster) -> int:
    return int(cluster.one("SELECT coalesce(max(id), 0) FROM core_backgroundjob"))


def jobs_since(cluster: Cluster, last: int) -> list[tuple[Any, ...]]:
    """The jobs made after ``last``: public id, key, status, and their tasks in the queue."""
    return cluster.sql(
        "SELECT j.public_id::text, j.key, j.status, count(t.id), "
        "  array_agg(t.status ORDER BY t.enqueued_at), array_agg(t.worker_ids::text) "
        "FROM core_backgroundjob j LEFT JOIN django_tasks_database_dbtaskresult t "
        "  ON t.task_path = %s AND t.args_kwargs->'kwargs'->>'job_id' = j.public_id::text "
        "WHERE j.id > %s GROUP BY j.id ORDER BY j.id",
        COMPUTE,
        last,
    )


def finished(cluster: Cluster, last: int, count: int) -> list[tuple[Any, ...]] | None:
    jobs = jobs_since(cluster, last)
    closed = [j for j in jobs if j[2] in ("done", "failed")]
    return jobs if len(jobs) >= count and len(closed) == len(jobs) else None


def data_version(cluster: Cluster) -> int:
    return int(cluster.one("SELECT coalesce(max(version), 0) FROM core_dataversion"))


def test_a_session_made_by_one_web_process_is_honoured_and_ended_by_the_other(
    cluster: Cluster,
) -> None:
    a, b = cluster.web["web-a"], cluster.web["web-b"]
    browser = Browser()
    assert browser.get(b, "/staff/").status == 302  # no session yet: to the sign-in page

    signing_in = browser.sign_in(a, "surgeon")
    session = browser.cookies["sessionid"]
    on_b = browser.get(b, "/staff/")
    assert on_b.status == 200
    assert "Sign out" in on_b.text
    kept = Browser(dict(browser.cookies))  # the same cookie, kept after signing out

    signing_out = browser.sign_out(b)
    assert signing_out.status == 302
    assert "sessionid" not in browser.cookies
    refused = kept.get(a, "/staff/")
    assert refused.status == 302
    assert refused.location.startswith("/accounts/login/")
    assert cluster.one("SELECT count(*) FROM django_session WHERE session_key = %s", session) == 0
    log.info(
        "sessions: signed in on A in %.3f s; staff page on B %.3f s; signed out on B %.3f s; "
        "the old cookie refused by A in %.3f s",
        signing_in.seconds,
        on_b.seconds,
        signing_out.seconds,
        refused.seconds,
    )


def test_a_question_asked_of_both_is_computed_once_by_a_worker_and_shown_by_both(
    cluster: Cluster,
) -> None:
    a, b = cluster.web["web-a"], cluster.web["web-b"]
    browser = signed_in(cluster, "analyst")
    query = "min_at_risk=12"
    last = last_job(cluster)

    asked = analytics(browser, a, query)
    assert COMPUTING in asked.text  # never inside the request: a worker computes it
    joined = analytics(browser, b, query)  # while it is computed: B joins A's job
    shown = figures(browser, b, query)

    ((_, _, status, tasks, task_states, workers),) = jobs_since(cluster, last)
    assert status == "done"
    assert tasks == 1
    assert task_states == ["SUCCESSFUL"]
    log.info(
        "one question: asked on A %.3f s (computing), B %.3f s (%s), figures on B after "
        "polling (%.3f s for that answer); one job, one task, run by %s",
        asked.seconds,
        joined.seconds,
        "computing" if COMPUTING in joined.text else "figures",
        shown.seconds,
        workers[0],
    )


def test_many_questions_asked_of_both_at_once_each_run_exactly_once(cluster: Cluster) -> None:
    a, b = cluster.web["web-a"], cluster.web["web-b"]
    browser = signed_in(cluster, "analyst")
    questions = [f"min_at_risk={n}" for n in range(31, 37)]
    last = last_job(cluster)

    # Each question asked of both web processes at the same moment: 12 requests, 6 jobs.
    asked = together([partial(analytics, browser, w, q) for q in questions for w in (a, b)])
    jobs = wait_until(
        "every question computed", lambda: finished(cluster, last, 6), COMPUTED_WITHIN
    )

    assert len({key for _, key, *_ in jobs}) == 6  # one job a question
    assert [status for _, _, status, *_ in jobs] == ["done"] * 6
    assert [tasks for *_, tasks, _, _ in jobs] == [1] * 6  # each task queued once...
    assert [states for *_, states, _ in jobs] == [["SUCCESSFUL"]] * 6  # ...and run once
    taken = [workers[0] for *_, workers in jobs]
    assert all(re.fullmatch(r'\["worker-[12]"\]', w) for w in taken), taken
    for question in questions:
        for web in (a, b):
            assert FIGURES in analytics(browser, web, question).text
    log.info(
        "six questions at once: answers %s s; taken by %s",
        ", ".join(f"{x.seconds:.2f}" for x in asked),
        ", ".join(taken),
    )


def test_cached_figures_are_served_by_both_until_a_change_through_either(cluster: Cluster) -> None:
    a, b = cluster.web["web-a"], cluster.web["web-b"]
    token = token_for(a, "surgeon")
    browser = signed_in(cluster, "surgeon")
    query = "min_at_risk=9"
    last = last_job(cluster)
    assert COMPUTING in analytics(browser, a, query).text
    figures(browser, b, query)
    ((_, computed_key, *_),) = jobs_since(cluster, last)
    version = data_version(cluster)
    last = last_job(cluster)
    tasks = cluster.one("SELECT count(*) FROM django_tasks_database_dbtaskresult")

    cached = [analytics(browser, web, query) for web in (a, b, a, b)]
    assert all(FIGURES in answer.text for answer in cached)
    assert jobs_since(cluster, last) == []  # from the cache: no job, no task
    assert cluster.one("SELECT count(*) FROM django_tasks_database_dbtaskresult") == tasks
    assert data_version(cluster) == version  # viewing is recorded but moves nothing

    registered = api_post(a, PATIENTS, token, _patient(0), str(uuid.uuid4()))
    assert registered.status == 201, registered.text
    assert data_version(cluster) > version
    after = analytics(browser, b, query)
    assert COMPUTING in after.text  # the change is seen: nothing stale is shown
    ((_, new_key, *_),) = jobs_since(cluster, last)
    assert new_key != computed_key
    figures(browser, a, query)
    log.info(
        "cache: figures from the cache in %s s (A, B, A, B); after a registration through A "
        "(version %d to %d), B started a new job in %.3f s",
        ", ".join(f"{x.seconds:.3f}" for x in cached),
        version,
        data_version(cluster),
        after.seconds,
    )


def _patient(number: int) -> dict[str, Any]:
    return {
        "given_name": "Multi",
        "family_name": f"Process{'abcdefghijklmnopqrstuvwxyz'[number]}",
        "date_of_birth": (dt.date(1970, 1, 1) + dt.timedelta(days=number)).isoformat(),
        "sex": "female",
    }


def _verified(cluster: Cluster) -> int:
    said = cluster.coxa("audit", "verify")
    found = re.search(r"Audit chain verified: (\d+) records", said)
    assert found, said
    return int(found.group(1))


def test_audited_writes_through_both_at_once_keep_one_whole_chain(cluster: Cluster) -> None:
    a, b = cluster.web["web-a"], cluster.web["web-b"]
    token = token_for(b, "surgeon")  # made by B, used on both
    before = _verified(cluster)
    last = cluster.one("SELECT max(id) FROM core_auditevent")
    writes = 12

    def register(number: int) -> Answer:  # even numbers through A, odd through B
        return api_post((a, b)[number % 2], PATIENTS, token, _patient(number + 1), f"k{number}")

    answers = together([partial(register, n) for n in range(writes)])
    assert [x.status for x in answers] == [201] * writes, [x.text for x in answers]

    after = _verified(cluster)  # exits non-zero, failing the test, on a broken link
    added = cluster.sql(
        "SELECT action, via, count(*) FROM core_auditevent WHERE id > %s GROUP BY 1, 2", last
    )
    assert ("patient.create", "api", writes) in added
    assert after - before == sum(count for *_, count in added)
    log.info(
        "audit: %d registrations through A and B at once in %s s; chain %d to %d records "
        "(%s), verified",
        writes,
        ", ".join(f"{x.seconds:.2f}" for x in answers),
        before,
        after,
        added,
    )


def _schedulers(cluster: Cluster, count: int) -> list[str]:
    """Run ``count`` `coxa scheduler --once` at the same time; the jobs each queued."""
    runs = [
        subprocess.Popen(
            [sys.executable, "-m", "coxa", "scheduler", "--once"],
            env=cluster.env,
            cwd=cluster.folder,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for _ in range(count)
    ]
    said = [run.communicate(timeout=120)[0] for run in runs]
    assert [run.returncode for run in runs] == [0] * count, said
    return [name for text in said for name in re.findall(r"Queued: (.*)", text)]


def test_two_schedulers_queue_each_nightly_job_once_and_the_workers_run_them(
    cluster: Cluster,
) -> None:
    paths = [NIGHT]  # the night is one task: its jobs run in order, by one worker
    queued = ", ".join(_schedulers(cluster, 2)).split(", ")
    assert sorted(queued) == sorted(NIGHTLY)  # each job queued by one of the two
    assert _schedulers(cluster, 1) == []  # the night's slot is taken: nothing more

    def ran() -> list[tuple[Any, ...]] | None:
        rows = cluster.sql(
            "SELECT task_path, status, worker_ids::text FROM django_tasks_database_dbtaskresult "
            "WHERE task_path = ANY(%s) ORDER BY enqueued_at",
            paths,
        )
        return rows if all(status in ("SUCCESSFUL", "FAILED") for _, status, _ in rows) else None

    rows = wait_until("the nightly jobs run", ran, COMPUTED_WITHIN)
    assert sorted(path for path, _, _ in rows) == sorted(paths)  # once
    assert [status for _, status, _ in rows] == ["SUCCESSFUL"] * len(paths)
    succeeded = cluster.sql("SELECT name FROM core_jobrun WHERE last_success_at IS NOT NULL")
    assert sorted(name for (name,) in succeeded) == sorted(NIGHTLY)
    for web in (cluster.web["web-a"], cluster.web["web-b"]):
        ready = send(web, "GET", "/healthz/ready")
        assert ready.status == 200, ready.text
        assert all(job["last_success"] for job in ready.json()["jobs"].values())
    log.info(
        "scheduler: two at once queued %s; a third queued nothing; run by %s",
        ", ".join(queued),
        ", ".join(f"{path.rsplit('.', 1)[1]}: {workers}" for path, _, workers in rows),
    )
