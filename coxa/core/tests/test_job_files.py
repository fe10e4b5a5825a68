"""What a background job made, kept in the database for a while; many documents in one PDF.

Issue 18 (ADR 0028): a file a worker made is served by a web process that may be on another
machine, so it is kept in the database, and never given back after its time.
"""

import datetime as dt
import io

import pytest
import time_machine
from pypdf import PdfReader

from coxa.core import background, clock
from coxa.core.models import BackgroundJob, JobFile
from coxa.core.pdf import Bundle
from coxa.core.tests.test_contacts_and_pdf import is_tagged

BLANK = "<html lang='en-GB'><title>blank</title><style>@page { size: A4 }</style></html>"


def _document(name: str, paragraphs: int) -> str:
    body = "".join(f"<p>{name}, paragraph {n}.</p>" for n in range(paragraphs))
    return (
        "<html lang='en-GB'><title>Letters</title><style>@page { size: A4 }</style>"
        f"<body><h1>For {name}</h1>{body}</body></html>"
    )


def test_a_bundle_starts_each_document_on_a_new_sheet_and_stays_tagged():
    bundle = Bundle(blank=BLANK)
    # One page, then about two, then about three: each evened out to whole sheets.
    taken = [bundle.add(_document(n, p)) for n, p in (("Ann", 3), ("Bob", 60), ("Cy", 110))]
    assert all(pages % 2 == 0 for pages in taken)
    assert taken[0] == 2  # a one-page document and a blank page
    pdf = bundle.pdf()
    assert is_tagged(pdf)
    texts = [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]
    assert len(texts) == bundle.pages == sum(taken)
    starts = [n for n, text in enumerate(texts) if text.startswith("For ")]
    assert [texts[n].split("\n")[0] for n in starts] == ["For Ann", "For Bob", "For Cy"]
    assert starts == [0, taken[0], taken[0] + taken[1]]
    assert texts[1].strip() == ""  # the page that evens Ann's letter out is blank


def test_a_bundle_with_no_document_has_no_pdf():
    with pytest.raises(ValueError, match="no document"):
        Bundle(blank=BLANK).pdf()


def _job(key: str) -> BackgroundJob:
    now = clock.now()
    return BackgroundJob.objects.create(kind="test", key=key, created_at=now, updated_at=now)


@pytest.mark.django_db
def test_a_kept_file_is_given_back_until_its_time_and_never_after(settings):
    settings.JOB_FILE_HOURS = 2
    job = _job("a")
    kept = background.keep_file(
        str(job.public_id), name="a.pdf", content_type="application/pdf", data=b"%PDF-x",
        details={"letters": ["one"]},
    )  # fmt: skip
    assert kept.expires_at == kept.created_at + dt.timedelta(hours=2)
    assert kept.size == len(b"%PDF-x")
    shown = background.file_of(job)
    assert shown is not None
    assert shown.details == {"letters": ["one"]}
    assert "data" in shown.get_deferred_fields()  # the page does not read the bytes
    assert bytes(background.file_of(job, with_data=True).data) == b"%PDF-x"
    with time_machine.travel(kept.expires_at - dt.timedelta(seconds=1), tick=False):
        assert background.file_of(job) is not None
    with time_machine.travel(kept.expires_at, tick=False):
        assert background.file_of(job, with_data=True) is None
    assert not JobFile.objects.exists()  # deleted when asked for past its time


@pytest.mark.django_db
def test_keeping_a_file_deletes_every_file_past_its_time(settings):
    settings.JOB_FILE_HOURS = 1
    old, new = _job("old"), _job("new")
    background.keep_file(str(old.public_id), name="o", content_type="x", data=b"o", details={})
    with time_machine.travel(clock.now() + dt.timedelta(hours=1, seconds=1)):
        background.keep_file(str(new.public_id), name="n", content_type="x", data=b"n", details={})
    assert list(JobFile.objects.values_list("name", flat=True)) == ["n"]
    assert background.purge_expired_files(clock.now() + dt.timedelta(days=1)) == 1
