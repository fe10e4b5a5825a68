"""The analytics page is computed by a background worker, shows its progress, and is kept
until the records change (issue 18, ADR 0028, H84)."""

import datetime as dt

import pytest
import time_machine
from django.core.cache import cache
from django.core.management import call_command
from django.http import QueryDict
from django_tasks_db.models import DBTaskResult

from coxa.analytics.tasks import dashboard_key
from coxa.analytics.tests.test_records import operated
from coxa.core import clock
from coxa.core.models import AuditEvent, BackgroundJob
from coxa.core.versions import data_version

pytestmark = pytest.mark.django_db
PAGE = "/staff/analytics/"
REPORT = "/staff/analytics/report.html"
FIGURES = "4 hips, 2 revised, 1 died before any revision"


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()
    yield
    cache.clear()


def _work() -> None:
    call_command("worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)


@pytest.mark.django_db(transaction=True)  # the worker's loop closes a connection in one
@pytest.mark.usefixtures("database_queue")
def test_the_first_view_shows_progress_and_a_worker_computes_it_once_for_everyone(
    hips,
    analyst,
    surgeon,
    web_as,
):
    first = web_as(analyst).get(PAGE, {"by": "procedure"})
    assert first.status_code == 200
    text = first.content.decode()
    assert 'data-testid="computing"' in text
    assert "Waiting for a background worker" in text
    assert 'hx-trigger="every 2s"' in text  # it updates itself
    assert FIGURES not in text
    # Another analyst asking the same question joins the same job.
    again = web_as(surgeon).get(PAGE, {"by": "procedure"})
    assert 'data-testid="computing"' in again.content.decode()
    assert BackgroundJob.objects.count() == 1
    assert DBTaskResult.objects.count() == 1
    _work()
    job = BackgroundJob.objects.get()
    assert (job.status, job.done, job.total) == ("done", 4, 4)
    shown = web_as(surgeon).get(PAGE, {"by": "procedure"})
    assert shown.status_code == 200
    assert FIGURES in shown.content.decode()
    assert AuditEvent.objects.filter(action="analytics.view", actor=surgeon).exists()
    # The report is the same computation: it downloads at once.
    report = web_as(analyst).get(REPORT, {"by": "procedure"})
    assert "attachment" in report["Content-Disposition"]
    assert BackgroundJob.objects.count() == 1


def test_a_repeated_view_is_served_from_the_cache_without_reading_the_records(
    hips,
    analyst,
    web_as,
    monkeypatch,
):
    client = web_as(analyst)
    assert FIGURES in client.get(PAGE + "?by=procedure&min_at_risk=40").content.decode()
    assert FIGURES in client.get(PAGE).content.decode()

    def no_reading(*args, **kwargs):
        raise AssertionError("the records were read again")

    monkeypatch.setattr("coxa.analytics.tasks.registry_cohort", no_reading)
    # The same question, its fields in another order: the same figures.
    assert FIGURES in client.get(PAGE + "?min_at_risk=40&by=procedure").content.decode()
    assert FIGURES in client.get(PAGE).content.decode()


def test_a_question_the_form_refuses_never_shares_the_key_of_one_it_accepts(hips, analyst, web_as):
    client = web_as(analyst)
    assert client.get(PAGE, {"sex": ""}).status_code == 400  # an empty choice is refused
    plain = client.get(PAGE)
    assert (plain.status_code, FIGURES in plain.content.decode()) == (200, True)
    # A field sent twice is read as the form reads it (its last value), not sorted together.
    one = dashboard_key(QueryDict("by=procedure&by=sex"))
    assert one != dashboard_key(QueryDict("by=sex&by=procedure"))


def test_a_change_to_the_records_is_never_answered_from_the_cache(
    hips,
    analyst,
    surgeon,
    ada,
    web_as,
):
    client = web_as(analyst)
    assert FIGURES in client.get(PAGE).content.decode()
    before = dashboard_key(QueryDict(""))
    operated(ada, surgeon, side="right", procedure="core-decompression", on=dt.date(2021, 6, 1))
    assert dashboard_key(QueryDict("")) != before
    assert "5 hips, 2 revised" in client.get(PAGE).content.decode()


def test_a_read_does_not_move_the_data_version_and_a_change_does(hips, analyst, web_as):
    client = web_as(analyst)
    client.get(PAGE)
    seen = data_version()
    client.get(PAGE)
    client.get("/staff/")
    assert data_version() == seen  # reads are recorded, but change nothing
    client.post("/staff/patients/new/", {})  # refused: nothing saved, nothing moves
    assert data_version() == seen


def test_the_key_follows_the_day_and_the_extract_file(settings, tmp_path):
    settings.ANALYTICS_EXTRACTS_DIR = tmp_path
    (tmp_path / "national.csv").write_text("a\n")
    query = QueryDict("source=national.csv")
    first = dashboard_key(query)
    (tmp_path / "national.csv").write_text("a,b\n")
    assert dashboard_key(query) != first  # a new file: new figures
    today = dashboard_key(QueryDict(""))
    with time_machine.travel(clock.now() + dt.timedelta(days=1)):
        assert dashboard_key(QueryDict("")) != today  # follow-up closes on a new day


@pytest.mark.django_db(transaction=True)  # the worker's loop closes a connection in one
@pytest.mark.usefixtures("database_queue")
def test_a_job_that_fails_says_so_and_is_tried_again_only_when_asked(
    hips,
    analyst,
    web_as,
    monkeypatch,
):
    def broken(*args, **kwargs):
        raise RuntimeError("the disk is full")

    monkeypatch.setattr("coxa.analytics.tasks.registry_cohort", broken)
    client = web_as(analyst)
    client.get(PAGE)
    _work()
    failed = client.get(PAGE).content.decode()
    assert 'data-testid="failed"' in failed
    assert "RuntimeError: the disk is full" in failed
    assert "hx-trigger" not in failed  # it does not keep asking
    assert BackgroundJob.objects.count() == 1  # a plain reload does not start it again
    job = BackgroundJob.objects.get()
    retried = client.get(PAGE, {"retry": str(job.public_id)}).content.decode()
    assert 'data-testid="computing"' in retried
    assert BackgroundJob.objects.count() == 2


@pytest.mark.usefixtures("database_queue")
def test_a_job_whose_worker_died_is_started_again(hips, analyst, web_as, settings):
    settings.TASK_STALE_MINUTES = 30
    client = web_as(analyst)
    client.get(PAGE)
    BackgroundJob.objects.update(status="running")
    with time_machine.travel(clock.now() + dt.timedelta(minutes=31)):
        page = client.get(PAGE).content.decode()
    assert 'data-testid="computing"' in page
    lost, new = BackgroundJob.objects.order_by("created_at")
    assert (lost.status, new.status) == ("failed", "queued")
    assert "its worker was stopped or died" in lost.error


@pytest.mark.usefixtures("database_queue")
def test_a_job_whose_task_failed_before_any_worker_took_it_is_started_again(hips, analyst, web_as):
    client = web_as(analyst)
    first = client.get(PAGE).content.decode()
    job = BackgroundJob.objects.get()
    poll = {"job": str(job.public_id)}
    assert 'data-testid="computing"' in client.get(PAGE, poll).content.decode()
    assert BackgroundJob.objects.count() == 1  # waiting its turn: the same job
    # An old worker in a rolling upgrade could not import the task: the queue marks it failed.
    DBTaskResult.objects.filter(pk=job.task_id).update(status="FAILED", finished_at=clock.now())
    page = client.get(PAGE, poll).content.decode()  # the waiting page asks again
    assert 'data-testid="computing"' in first
    assert 'data-testid="computing"' in page
    assert 'hx-trigger="every 2s"' in page  # still waiting, now for work that will run
    lost, new = BackgroundJob.objects.order_by("created_at", "id")
    assert (lost.status, new.status) == ("failed", "queued")
    assert "never started" in lost.error
    assert DBTaskResult.objects.get(pk=new.task_id).status == "READY"


@pytest.mark.usefixtures("database_queue")
def test_a_job_no_worker_takes_says_so(hips, analyst, web_as):
    client = web_as(analyst)
    client.get(PAGE)
    assert 'data-testid="no-worker"' not in client.get(PAGE).content.decode()
    with time_machine.travel(clock.now() + dt.timedelta(minutes=2)):
        late = client.get(PAGE).content.decode()
    assert 'data-testid="no-worker"' in late
    assert "coxa worker" in late


def test_a_refused_filter_is_answered_400_from_the_cache_too(hips, analyst, web_as):
    client = web_as(analyst)
    query = {"operated_from": "2022", "operated_to": "2020"}
    for _ in range(2):
        bad = client.get(PAGE, query)
        assert bad.status_code == 400
        assert "The last year is before the first." in bad.content.decode()
    assert client.get(REPORT, query).status_code == 400


@pytest.mark.usefixtures("database_queue")
def test_a_change_while_it_computes_does_not_start_another_and_the_figures_say_so(
    hips, analyst, surgeon, ada, web_as
):
    client = web_as(analyst)
    waiting = client.get(PAGE).content.decode()
    job = BackgroundJob.objects.get()
    assert f"job={job.public_id}" in waiting  # the page follows its job
    operated(ada, surgeon, side="right", procedure="core-decompression", on=dt.date(2021, 6, 1))
    poll = client.get(PAGE, {"job": str(job.public_id)}, HTTP_HX_REQUEST="true")
    assert 'data-testid="computing"' in poll.content.decode()
    assert BackgroundJob.objects.count() == 1  # no second computation of its own accord
    from coxa.analytics.tasks import compute_dashboard

    compute_dashboard.call(
        job_id=str(job.public_id), user_id=analyst.pk, query="",
        cache_key=dashboard_key(QueryDict("")) + ":before",
    )  # fmt: skip
    shown = client.get(PAGE, {"job": str(job.public_id)}).content.decode()
    assert 'data-testid="changed"' in shown  # said, with a link to compute again
    assert "5 hips" in shown  # the task read the records as they were when it ran
    again = client.get(PAGE).content.decode()
    assert 'data-testid="computing"' in again  # asked afresh: a new job for the new records
    assert BackgroundJob.objects.count() == 2


@pytest.mark.usefixtures("database_queue")
def test_a_poll_that_ends_in_a_refused_filter_is_shown_and_stops(hips, analyst, web_as):
    from coxa.analytics.tasks import compute_dashboard

    client = web_as(analyst)
    query = {"operated_from": "2022", "operated_to": "2020"}
    client.get(PAGE, query)
    job = BackgroundJob.objects.get()
    asked = "operated_from=2022&operated_to=2020"
    compute_dashboard.call(job_id=str(job.public_id), user_id=analyst.pk, query=asked,
                           cache_key=dashboard_key(QueryDict(asked)))  # fmt: skip
    poll = client.get(PAGE, {**query, "job": str(job.public_id)}, HTTP_HX_REQUEST="true")
    assert poll.status_code == 200  # htmx swaps only a 2xx answer
    text = poll.content.decode()
    assert "The last year is before the first." in text
    assert "hx-trigger" not in text  # the polling ends
    assert client.get(PAGE, query).status_code == 400  # a plain view keeps its status


@pytest.mark.usefixtures("database_queue")
def test_a_queued_job_is_never_taken_as_lost_and_a_replaced_one_does_nothing(
    hips, analyst, web_as, settings
):
    from coxa.core import background

    settings.TASK_STALE_MINUTES = 30
    client = web_as(analyst)
    client.get(PAGE)
    with time_machine.travel(clock.now() + dt.timedelta(hours=2)):
        client.get(PAGE)
    assert BackgroundJob.objects.count() == 1  # still waiting its turn, not replaced
    job = BackgroundJob.objects.get()
    BackgroundJob.objects.update(status="failed")  # as if closed while it waited
    assert background.claim(str(job.public_id)) is False


def test_figures_done_but_unreadable_here_say_so_instead_of_computing_again(hips, analyst, web_as):
    client = web_as(analyst)
    client.get(PAGE)
    cache.clear()  # as a web server without the worker's cache sees it
    page = client.get(PAGE).content.decode()
    assert 'data-testid="unreadable"' in page
    assert "COXA_CACHE_URL" in page
    assert BackgroundJob.objects.count() == 1
    with time_machine.travel(clock.now() + dt.timedelta(minutes=2)):
        later = client.get(PAGE).content.decode()  # evicted long after: computed again
    assert FIGURES in later
    assert BackgroundJob.objects.count() == 2


def test_a_link_to_another_questions_job_shows_the_question_asked(hips, analyst, web_as):
    client = web_as(analyst)
    client.get(PAGE, {"by": "procedure"})
    other = BackgroundJob.objects.get()
    page = client.get(PAGE, {"operated_from": "2021", "job": str(other.public_id)})
    text = page.content.decode()
    assert 'data-testid="changed"' not in text  # not another filter's figures, nor the note
    assert "operated from 2021" in text  # the question asked, computed for itself
    assert BackgroundJob.objects.count() == 2
    report = client.get(REPORT, {"operated_from": "2021", "job": str(other.public_id)})
    assert "operated from 2021" in report.content.decode()


def test_an_old_link_to_a_job_whose_figures_expired_computes_them_again(hips, analyst, web_as):
    client = web_as(analyst)
    client.get(PAGE)
    job = BackgroundJob.objects.get()
    cache.clear()
    with time_machine.travel(clock.now() + dt.timedelta(hours=2)):
        page = client.get(PAGE, {"job": str(job.public_id)}).content.decode()
    assert 'data-testid="unreadable"' not in page
    assert FIGURES in page


@pytest.mark.parametrize("min_at_risk", ["1", "7"])
def test_hips_with_no_revision_are_drawn_and_the_report_builds(
    hips, analyst, surgeon, ada, web_as, min_at_risk
):
    """Issue 20: no revision among the hips asked about, a low threshold: figures, not a failure."""
    operated(ada, surgeon, side="right", procedure="total-hip-replacement", on=dt.date(2020, 1, 1))
    query = {"procedure": "total-hip-replacement", "by": "sex", "min_at_risk": min_at_risk}
    client = web_as(analyst)
    page = client.get(PAGE, query)
    text = page.content.decode()
    assert page.status_code == 200
    assert 'data-testid="failed"' not in text
    assert "2 hips, 0 revised, 1 died before any revision" in text
    assert "the log-rank test has nothing to compare" in text
    assert "Revision-free survival" in text  # the plot is drawn
    report = client.get(REPORT, query)
    assert report.status_code == 200
    assert "attachment" in report["Content-Disposition"]
    assert "2 hips, 0 revised" in report.content.decode()
