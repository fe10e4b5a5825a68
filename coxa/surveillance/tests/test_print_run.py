"""The invitation letters for the hips a worklist shows, printed in the background as one PDF.

Issue 18 (ADR 0028, H89): the worklist's form starts a print run; a worker reads each hip as
it is then, as the person who asked (audited), leaves out and names the hips with nothing to
invite to, and keeps one tagged PDF in the database for that person alone, for a while.
"""

import dataclasses
import datetime as dt
import io
import re
import uuid

import pytest
import time_machine
from django.core.management import call_command
from django_tasks_db.models import DBTaskResult
from pypdf import PdfReader

from coxa.core import clock
from coxa.core.audit import Via
from coxa.core.models import AuditEvent, BackgroundJob, JobFile
from coxa.core.tests.test_contacts_and_pdf import is_tagged
from coxa.outcomes.services.endpoints import record_death
from coxa.patients import services as patients
from coxa.surveillance.documents import invitations_bundle
from coxa.surveillance.tests.test_worklist_pages import enrolled_by_hand

pytestmark = pytest.mark.django_db

WORKLIST = "/staff/worklists/surveillance/"
START = "/staff/worklists/surveillance/letters/"
KEYS = iter(f"print-run-{n:04d}" for n in range(10_000))
ADDRESS = {"address": "1 High Street\nLeeds", "postcode": "LS1 4AB"}


def _post(client, status: str = "", key: str | None = None):
    return client.post(START, {"status": status, "submission_key": key or next(KEYS)})


def _work() -> None:
    call_command("worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)


def _texts(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


@pytest.fixture
def due(nurse):
    """Three hips due a check, whose patients have a postal address, and one whose has none."""
    with_address = [enrolled_by_hand(nurse, **ADDRESS) for _ in range(3)]
    return with_address, enrolled_by_hand(nurse)


# ---------------------------------------------------------------- the whole run, at once
def test_the_list_prints_as_one_pdf_of_its_letters_each_from_a_new_sheet(web_as, nurse, due):
    printed, no_address = due
    client = web_as(nurse)
    form = client.get(WORKLIST).content.decode()
    assert 'data-testid="print-letters"' in form
    assert f'action="{START}"' in form
    assert 'name="submission_key"' in form
    started = _post(client)
    assert started.status_code == 302
    job = BackgroundJob.objects.get()
    assert started["Location"] == f"/staff/surveillance/letters/{job.public_id}/"
    assert (job.kind, job.status, job.requested_by) == ("surveillance.letters", "done", nurse)
    page = client.get(started["Location"]).content.decode()
    assert "hx-trigger" not in page  # done: it stops asking
    download = re.search(
        r'href="([^"]+letters\.pdf)"[^>]*>Download the letters \(PDF, (.+?)\)', page
    )
    assert download is not None
    answer = client.get(download.group(1))
    assert answer.status_code == 200
    assert answer["Content-Type"] == "application/pdf"
    assert "attachment" in answer["Content-Disposition"]
    pdf = answer.content
    assert pdf.startswith(b"%PDF-")
    assert is_tagged(pdf)  # a screen reader can follow it, as the single letter
    texts = _texts(pdf)
    assert download.group(2) == f"3 letters, {len(texts)} pages"
    assert len({tuple(page.mediabox) for page in PdfReader(io.BytesIO(pdf)).pages}) == 1
    # One letter per patient, in the list's order, each from a new sheet (an even page).
    firsts = [n for n, text in enumerate(texts) if "Why we are inviting you" in text]
    assert len(firsts) == 3
    assert all(n % 2 == 0 for n in firsts)
    assert len(texts) % 2 == 0
    for hip, first in zip(printed, firsts, strict=True):
        name = f"{hip.patient.given_name} {hip.patient.family_name}"
        assert f"Dear {name}" in texts[first].replace("\n", " ")
        assert f"Invitation for {name}" in texts[first]  # every page names its addressee
    assert no_address.patient.given_name not in "".join(texts)
    # The hip with no postal address is left out and named, with the reason.
    skipped = re.search(r'<ul data-testid="skipped">(.*?)</ul>', page, re.S).group(1)
    assert no_address.patient.display_name in skipped
    assert "no postal address is recorded" in skipped


def test_each_letter_and_the_download_are_recorded_as_copies_taken_away(web_as, nurse, due):
    printed, no_address = due
    client = web_as(nurse)
    run = _post(client)["Location"]
    assert client.get(run + "letters.pdf").status_code == 200
    # Each letter was read as the nurse, by the task, and recorded as a copy taken away;
    # the download too, naming every hip in it.
    for hip in printed:
        copies = AuditEvent.objects.filter(
            action="surveillance.copy", object_id=str(hip.public_id), actor=nurse, via="task"
        )
        assert copies.count() == 1
    assert not AuditEvent.objects.filter(
        action="surveillance.copy", object_id=str(no_address.public_id)
    ).exists()
    taken = AuditEvent.objects.get(action="surveillance.letters.copy")
    assert (taken.actor, taken.via) == (nurse, "web")
    assert taken.details["shown"] == [str(h.public_id) for h in printed]
    # The run's page names the hip left out: a read of that hip, recorded.
    assert client.get(run).status_code == 200
    seen = AuditEvent.objects.get(action="surveillance.letters.view")
    assert (seen.actor, seen.details["shown"]) == (nurse, [str(no_address.public_id)])


def test_the_page_that_evens_out_a_letter_is_blank_and_of_the_letters_size():
    bundle = invitations_bundle()
    one_page = "<html lang='en-GB'><title>t</title><style>@page { size: A4 }</style><p>Hi</p>"
    assert bundle.add(one_page) == 2
    letter, blank = PdfReader(io.BytesIO(bundle.pdf())).pages
    assert letter.mediabox == blank.mediabox
    assert blank.extract_text().strip() == ""


def test_a_run_in_which_every_hip_is_left_out_has_nothing_to_download(web_as, nurse):
    alone = enrolled_by_hand(nurse)  # no postal address
    client = web_as(nurse)
    run = _post(client)["Location"]
    page = client.get(run).content.decode()
    assert 'data-testid="no-letters"' in page
    assert "letters.pdf" not in page
    assert alone.patient.display_name in page
    assert client.get(run + "letters.pdf")["Location"] == run
    assert not AuditEvent.objects.filter(
        action__in=["surveillance.copy", "surveillance.letters.copy"]
    ).exists()


def test_a_get_of_the_form_goes_back_to_the_list(web_as, nurse):
    answer = web_as(nurse).get(START, {"status": "overdue"})
    assert (answer.status_code, answer["Location"]) == (302, WORKLIST + "?status=overdue")


def test_the_same_form_sent_twice_is_one_run(web_as, nurse, due):
    client = web_as(nurse)
    first = _post(client, key="k" * 32)
    again = _post(client, key="k" * 32)
    assert first["Location"] == again["Location"]
    assert BackgroundJob.objects.count() == 1


# ---------------------------------------------------------------- the cap, and bad lists
def test_a_list_over_the_cap_is_refused_naming_the_field_and_nothing_starts(
    web_as, nurse, due, monkeypatch
):
    for module in ("coxa.surveillance.worklist", "coxa.surveillance.views.worklist"):
        monkeypatch.setattr(f"{module}.LETTERS_MAX", 3)
    client = web_as(nurse)
    refused = _post(client)  # four hips on the list
    assert refused.status_code == 400
    html = refused.content.decode()
    assert "status: this list holds more than 3 hips" in html
    assert "at most 3 letters are printed at once" in html
    assert 'data-testid="surveillance-worklist"' in html  # the list is shown again
    assert not BackgroundJob.objects.exists()
    page = client.get(WORKLIST).content.decode()
    assert 'data-testid="too-many-letters"' in page  # the page says so, with no button
    assert f'action="{START}"' not in page
    # At the cap it prints.
    monkeypatch.setattr("coxa.surveillance.worklist.LETTERS_MAX", 4)
    assert _post(client).status_code == 302
    assert BackgroundJob.objects.get().status == "done"


@pytest.mark.parametrize(
    ("status", "says"),
    [
        ("flagged", "status: no hip is on this list now"),
        ("soon", "status must be one of"),
    ],
)
def test_an_empty_or_unknown_list_is_refused_naming_the_field(web_as, nurse, due, status, says):
    refused = _post(web_as(nurse), status)
    assert refused.status_code == 400
    assert says in refused.content.decode()
    assert not BackgroundJob.objects.exists()


# ---------------------------------------------------------------- only the one who asked
@pytest.mark.parametrize("other", ["surgeon", "admin"])
def test_another_member_of_staff_is_told_there_is_no_such_run(request, web_as, nurse, due, other):
    run = _post(web_as(nurse))["Location"]
    intruder = web_as(request.getfixturevalue(other))
    assert intruder.get(run).status_code == 404
    assert intruder.get(run + "letters.pdf").status_code == 404
    assert not AuditEvent.objects.filter(action="surveillance.letters.copy").exists()


@pytest.mark.parametrize("role", ["analyst", "ada_user"])
def test_those_who_may_not_print_letters_are_refused(request, web_as, nurse, due, role):
    run = _post(web_as(nurse))["Location"]
    client = web_as(request.getfixturevalue(role))
    assert client.get(run).status_code == 403
    assert client.get(run + "letters.pdf").status_code == 403
    assert _post(client).status_code == 403


def test_a_run_of_no_such_id_is_not_found(web_as, nurse):
    assert web_as(nurse).get(f"/staff/surveillance/letters/{uuid.uuid4()}/").status_code == 404


# ---------------------------------------------------------------- kept for a while only
def test_a_file_past_its_time_is_never_served_and_is_deleted(web_as, nurse, due, settings):
    settings.JOB_FILE_HOURS = 24
    client = web_as(nurse)
    run = _post(client)["Location"]
    made = JobFile.objects.get().created_at
    # Signed in afresh each time: a session a day old has ended.
    with time_machine.travel(made + dt.timedelta(hours=24) - dt.timedelta(seconds=1)):
        assert web_as(nurse).get(run + "letters.pdf").status_code == 200  # a second before
    with time_machine.travel(made + dt.timedelta(hours=24)):
        client = web_as(nurse)
        late = client.get(run + "letters.pdf")
        assert (late.status_code, late["Location"]) == (302, run)
        page = client.get(run).content.decode()
        assert 'data-testid="expired"' in page
        assert "letters.pdf" not in page
        assert not JobFile.objects.exists()
        assert _post(client)["Location"] != run  # printing again is a new run
    assert AuditEvent.objects.filter(action="surveillance.letters.copy").count() == 1


# ---------------------------------------------------------------- with a real queue
@pytest.mark.django_db(transaction=True)  # the worker's loop closes a connection in one
@pytest.mark.usefixtures("database_queue")
def test_a_worker_prints_the_list_as_it_is_when_it_runs(web_as, nurse, surgeon, due):
    printed, _ = due
    client = web_as(nurse)
    run = _post(client)["Location"]
    waiting = client.get(run).content.decode()
    assert "Waiting for a background worker" in waiting
    assert 'hx-trigger="every 2s"' in waiting  # it updates itself
    assert "Download the letters" not in waiting
    assert client.get(run + "letters.pdf")["Location"] == run  # nothing to download yet
    assert _post(client)["Location"] == run  # a second click joins the same run
    assert BackgroundJob.objects.count() == 1
    # Before the worker runs, one patient's details are corrected and another dies.
    moved, died, kept = printed
    details = dataclasses.replace(moved.patient.to_details(), family_name="Renamed")
    patients.update_patient(patient=moved.patient, details=details, by=nurse, via=Via.WEB)
    record_death(patient=died.patient, on=clock.today(), related_to_hip="no", by=surgeon,
                 via=Via.WEB)  # fmt: skip
    _work()
    job = BackgroundJob.objects.get()
    assert (job.status, job.done, job.total) == ("done", 4, 4)  # 3 hips, then the PDF
    page = client.get(run).content.decode()
    assert "Download the letters (PDF, 2 letters," in page
    text = " ".join(_texts(client.get(run + "letters.pdf").content)).replace("\n", " ")
    assert f"Dear {moved.patient.given_name} Renamed" in text
    assert f"Dear {kept.patient.given_name} {kept.patient.family_name}" in text
    assert died.patient.given_name not in text


@pytest.mark.usefixtures("database_queue")
def test_a_run_whose_task_left_the_queue_says_so_and_a_second_click_prints_again(
    web_as, nurse, due
):
    client = web_as(nurse)
    run = _post(client)["Location"]
    assert 'hx-trigger="every 2s"' in client.get(run).content.decode()
    job = BackgroundJob.objects.get()
    DBTaskResult.objects.filter(pk=job.task_id).delete()  # no worker will ever take the run
    page = client.get(run).content.decode()
    assert 'data-testid="failed"' in page
    assert "hx-trigger" not in page  # it stops waiting
    assert "Waiting for a background worker" not in page
    again = _post(client)["Location"]
    assert again != run  # a new run, with a task that will take it
    new = BackgroundJob.objects.exclude(pk=job.pk).get()
    assert DBTaskResult.objects.filter(pk=new.task_id).exists()
    job.refresh_from_db()
    assert (job.status, "never started" in job.error) == ("failed", True)


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("database_queue")
def test_a_run_that_fails_says_why_and_keeps_nothing(web_as, nurse, due, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("the fonts are missing")

    monkeypatch.setattr("coxa.surveillance.tasks.invitation_html", broken)
    client = web_as(nurse)
    run = _post(client)["Location"]
    _work()
    page = client.get(run).content.decode()
    assert 'data-testid="failed"' in page
    assert "RuntimeError: the fonts are missing" in page
    assert "hx-trigger" not in page
    assert not JobFile.objects.exists()
    assert not AuditEvent.objects.filter(action="surveillance.copy").exists()
    assert _post(client)["Location"] != run  # asked again: a new run


def test_a_run_closed_while_it_ran_keeps_no_file_and_records_no_copy(
    web_as, nurse, due, monkeypatch
):
    from coxa.surveillance import tasks

    made = tasks.invitation_html

    def closed_meanwhile(letter):  # as if its page took it as lost and a new run replaced it
        BackgroundJob.objects.update(status="failed")
        return made(letter)

    monkeypatch.setattr("coxa.surveillance.tasks.invitation_html", closed_meanwhile)
    _post(web_as(nurse))
    assert not JobFile.objects.exists()
    assert not AuditEvent.objects.filter(action="surveillance.copy").exists()
