"""Warning signs and whom to call, on every page and PDF a patient is given (issue 13).

The plan (staff page, PDF, portal) and the getting-ready letter (page, PDF, portal) show the
procedure's signs and the configured numbers from one partial; PDFs are tagged and print the
NHS number in 3-3-4 groups. The PDFs' words are read from the HTML each PDF is made from.
"""

import datetime as dt
from html import unescape

import pytest

from coxa.catalogue.registry import get_procedure
from coxa.core import clock
from coxa.core import pdf as pdf_module
from coxa.core.tests.test_contacts_and_pdf import is_tagged
from tests.journeys import walk_to

pytestmark = pytest.mark.django_db

WARD = ("Ward 12, day and night", "0300 555 0101")
OFFICE = ("Hip office, weekdays", "0300 555 0202")


@pytest.fixture(autouse=True)
def numbers(settings):
    settings.CONTACT_WARD_LABEL, settings.CONTACT_WARD_PHONE = WARD
    settings.CONTACT_OFFICE_LABEL, settings.CONTACT_OFFICE_PHONE = OFFICE


@pytest.fixture
def printed(monkeypatch):
    """The HTML each PDF is made from, in order."""
    pages: list[str] = []
    make = pdf_module.pdf_from_html

    def keep(html: str) -> bytes:
        pages.append(html)
        return make(html)

    monkeypatch.setattr("coxa.surgery.documents.pdf_from_html", keep)
    monkeypatch.setattr("coxa.assessment.documents.pdf_from_html", keep)
    return pages


def shows_signs_and_numbers(html: str, procedure: str) -> None:
    found = get_procedure(procedure)
    assert found is not None
    for sign in found.warning_signs:
        assert sign.text in unescape(html), sign.code  # "A&E" is written "A&amp;E"
    for label, phone in (WARD, OFFICE):
        assert label in html
        assert phone in html
    assert "Get help now: call 999" in html
    assert "get-help-now" not in html.replace('class="get-help-now"', "")  # no codes shown


def scheduled(patient, surgeon, procedure):
    return walk_to(
        "scheduled",
        patient=patient,
        by=surgeon,
        procedure=procedure,
        listed_on=clock.today() - dt.timedelta(days=3),
    )


def test_the_staff_plan_and_its_pdf_show_the_signs_the_numbers_and_the_grouped_nhs_number(
    web_as, surgeon, bert, printed
):
    episode = scheduled(bert, surgeon, "bhr")
    client = web_as(surgeon)
    page = client.get(f"/staff/episodes/{episode.public_id}/operation/").content.decode()
    shows_signs_and_numbers(page, "bhr")
    pdf = client.get(f"/staff/episodes/{episode.public_id}/recovery-plan.pdf").content
    assert is_tagged(pdf)
    (html,) = printed
    shows_signs_and_numbers(html, "bhr")
    assert "NHS number 943 476 5919" in html


def test_the_portal_plan_and_its_pdf_show_the_signs_and_the_numbers(
    web_as, ada_user, ada, surgeon, printed
):
    episode = scheduled(ada, surgeon, "core-decompression")
    client = web_as(ada_user)
    page = client.get(f"/portal/recovery/{episode.public_id}/").content.decode()
    shows_signs_and_numbers(page, "core-decompression")
    assert "come out of its socket" not in page  # no dislocation after core decompression
    pdf = client.get(f"/portal/recovery/{episode.public_id}/plan.pdf").content
    assert is_tagged(pdf)
    shows_signs_and_numbers(printed[0], "core-decompression")


def test_the_getting_ready_letter_page_pdf_and_portal_show_the_signs_and_the_numbers(
    web_as, nurse, surgeon, bert, ada, ada_user, printed
):
    episode = walk_to(
        "listed",
        patient=bert,
        by=surgeon,
        procedure="total-hip-replacement",
        listed_on=clock.today() - dt.timedelta(days=3),
    )
    staff = web_as(nurse)
    page = staff.get(f"/staff/episodes/{episode.public_id}/letter/").content.decode()
    shows_signs_and_numbers(page, "total-hip-replacement")
    assert '<h2 id="warning-signs-h">' in page  # a section of the letter, as its others are
    assert "NHS number 943 476 5919" in page
    pdf = staff.get(f"/staff/episodes/{episode.public_id}/letter.pdf").content
    assert is_tagged(pdf)
    (html,) = printed
    shows_signs_and_numbers(html, "total-hip-replacement")
    assert "NHS number 943 476 5919" in html

    own = scheduled(ada, surgeon, "core-decompression")
    letter = web_as(ada_user).get(f"/portal/letters/{own.public_id}/").content.decode()
    shows_signs_and_numbers(letter, "core-decompression")
    assert "NHS number" not in letter  # none recorded: nothing printed
