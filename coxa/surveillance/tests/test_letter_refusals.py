"""One invitation letter is refused as a print run's is: the same rule, the same reasons (H92).

Issue 18: a death or a revision reaches the enrolment and the worklist only with the nightly
sweep, and a patient may have no postal address; a print run left such hips out, the single
letter's page and PDF did not. Both now ask ``documents.letter_for``: the page says why no
letter is made, the PDF is refused (409) and no copy is recorded as taken away.
"""

from html import unescape

import pytest

from coxa.core import clock
from coxa.core.audit import Via
from coxa.core.models import AuditEvent, BackgroundJob
from coxa.outcomes.services.endpoints import record_conversion, record_death
from coxa.surveillance.models import Enrolment
from coxa.surveillance.services import programme
from coxa.surveillance.tests.test_worklist_pages import READERS, enrolled_by_hand

pytestmark = pytest.mark.django_db

ADDRESS = {"address": "1 High Street\nLeeds", "postcode": "LS1 4AB"}
DEAD = "the patient's death is recorded"
REVISED = "the hip was revised or converted, which ends its surveillance"
NO_ADDRESS = "no postal address is recorded (add it to the patient's details first)"


def _dead(nurse, surgeon):
    hip = enrolled_by_hand(nurse, **ADDRESS)
    record_death(patient=hip.patient, on=clock.today(), related_to_hip="no", by=surgeon,
                 via=Via.WEB)  # fmt: skip
    return hip


def _revised(nurse, surgeon):
    hip = enrolled_by_hand(nurse, **ADDRESS)
    record_conversion(
        episode=hip,
        on=clock.today(),
        reason="adverse-reaction-to-metal-debris",
        procedure="total-hip-replacement",
        by=surgeon,
        via=Via.WEB,
    )
    return hip


CASES = {
    "dead": (_dead, DEAD),
    "revised": (_revised, REVISED),
    "no-address": (lambda nurse, surgeon: enrolled_by_hand(nurse), NO_ADDRESS),
    "no-postcode": (
        lambda nurse, surgeon: enrolled_by_hand(nurse, address="1 High St"),
        NO_ADDRESS,
    ),
    "no-street": (lambda nurse, surgeon: enrolled_by_hand(nurse, postcode="LS1 4AB"), NO_ADDRESS),
}


def _page(hip) -> str:
    return f"/staff/episodes/{hip.public_id}/surveillance/letter/"


def _pdf(hip) -> str:
    return f"/staff/episodes/{hip.public_id}/surveillance/letter.pdf"


def _refused(html: str, why: str) -> None:
    assert f"No letter is made: {why}." in unescape(html)
    assert "An invitation to your hip check" not in html  # no letter on the page
    assert "Dear " not in html
    assert "letter.pdf" not in html  # and no link to one


@pytest.mark.parametrize("case", CASES)
def test_the_page_says_why_no_letter_is_made(web_as, nurse, surgeon, case):
    make, why = CASES[case]
    hip = make(nurse, surgeon)
    # Before the nightly sweep: the enrolment still stands, and would still invite.
    assert Enrolment.objects.get(episode=hip).status == "active"
    page = web_as(nurse).get(_page(hip))
    assert page.status_code == 200
    _refused(page.content.decode(), why)


@pytest.mark.parametrize("case", CASES)
def test_the_pdf_is_refused_saying_why_and_no_copy_is_recorded(web_as, nurse, surgeon, case):
    make, why = CASES[case]
    hip = make(nurse, surgeon)
    refused = web_as(nurse).get(_pdf(hip))
    assert refused.status_code == 409
    assert refused["Content-Type"].startswith("text/html")
    assert not refused.content.startswith(b"%PDF")
    _refused(refused.content.decode(), why)
    assert not AuditEvent.objects.filter(action="surveillance.copy").exists()


def test_after_the_nightly_sweep_the_letter_is_refused_for_the_same_reason(web_as, nurse, surgeon):
    hip = _dead(nurse, surgeon)
    programme.refresh_all()
    assert Enrolment.objects.get(episode=hip).status == "ended"
    client = web_as(nurse)
    _refused(client.get(_page(hip)).content.decode(), DEAD)
    assert client.get(_pdf(hip)).status_code == 409


def test_with_an_address_the_letter_is_made(web_as, nurse):
    hip = enrolled_by_hand(nurse, **ADDRESS)
    client = web_as(nurse)
    assert "No letter is made" not in client.get(_page(hip)).content.decode()
    pdf = client.get(_pdf(hip))
    assert (pdf.status_code, pdf.content[:5]) == (200, b"%PDF-")


def test_a_print_run_leaves_the_hip_out_for_the_reason_its_page_gives(web_as, nurse):
    enrolled_by_hand(nurse, **ADDRESS)
    alone = enrolled_by_hand(nurse)  # no postal address
    client = web_as(nurse)
    client.post("/staff/worklists/surveillance/letters/", {"submission_key": "k" * 32})
    skipped = BackgroundJob.objects.get().file.details["skipped"]
    assert [(s["episode_id"], s["why"]) for s in skipped] == [(str(alone.public_id), NO_ADDRESS)]
    _refused(client.get(_page(alone)).content.decode(), NO_ADDRESS)


@pytest.mark.parametrize("role", READERS)
def test_every_role_that_may_print_a_letter_is_refused_one_for_the_dead(
    request, web_as, nurse, surgeon, role
):
    hip = _dead(nurse, surgeon)
    client = web_as(request.getfixturevalue(role))
    _refused(client.get(_page(hip)).content.decode(), DEAD)
    assert client.get(_pdf(hip)).status_code == 409
    assert not AuditEvent.objects.filter(action="surveillance.copy").exists()


@pytest.mark.parametrize("role", ["analyst", "ada_user"])
def test_roles_that_may_not_see_the_letter_learn_nothing_of_why(
    request, web_as, nurse, surgeon, role
):
    hip = _dead(nurse, surgeon)
    client = web_as(request.getfixturevalue(role))
    for url in (_page(hip), _pdf(hip)):
        answer = client.get(url)
        assert answer.status_code in (403, 404)
        assert DEAD not in unescape(answer.content.decode())
