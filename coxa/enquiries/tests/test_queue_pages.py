"""The triage pages after review: the queue's cost and paging, refusals shown, the convert rule."""

import datetime as dt

import pytest
from django.contrib.messages import get_messages

from coxa.accounts.domain import ROLE_CAPABILITIES, Capability
from coxa.accounts.permissions import TABLE, Op
from coxa.core.audit import Via
from coxa.core.pagination import PageRequest
from coxa.enquiries import services, views, worklist
from coxa.enquiries.models import StatusChange
from coxa.enquiries.tests.conftest import receive
from coxa.patients.domain import PatientDetails

pytestmark = pytest.mark.django_db
QUEUE = "/staff/enquiries/"
# A page of rows and a capped count; the read's audit record (the chain's head, the record,
# the head moved on). The page adds the session, its user and their second factor.
QUERIES_PER_LIST = 2 + 3
QUERIES_PER_PAGE = QUERIES_PER_LIST + 3


def book(enquiry, by):
    details = PatientDetails(
        given_name="Bert", family_name="Okafor", date_of_birth=dt.date(1980, 5, 4), sex="male"
    )
    return services.convert_enquiry(
        enquiry=enquiry, details=details, side="left", procedure="bhr", by=by, via=Via.WEB
    )


# ------------------------------------------------------------------ the queue
@pytest.mark.parametrize("count", [3, 30])
def test_the_queue_costs_the_same_queries_for_3_or_30_requests(
    count, nurse, web_as, django_assert_max_num_queries
):
    for n in range(count):
        receive(name=f"Person {n:02d}", email=f"p{n}@example.org", client=f"192.0.2.{n + 1}")
    client = web_as(nurse)
    client.get(QUEUE)  # the session's first request stamps it
    with django_assert_max_num_queries(QUERIES_PER_PAGE):
        page = client.get(QUEUE).content.decode()
    with django_assert_max_num_queries(QUERIES_PER_LIST):
        listed = worklist.list_enquiries(
            actor=nurse, status="", page=PageRequest(1, 50), via=Via.WEB
        )
    assert (listed.count, len(listed.rows), listed.capped) == (count, count, False)
    assert page.count("Person ") == count


def test_the_pager_keeps_the_status_filter(web_as, nurse, monkeypatch):
    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    for n in range(3):
        receive(name=f"Person {n}", email=f"p{n}@example.org", client=f"192.0.2.{n + 1}")
    html = web_as(nurse).get(f"{QUEUE}?status=new&page=1").content.decode()
    assert 'href="?status=new&amp;page=2"' in html
    second = web_as(nurse).get(f"{QUEUE}?status=new&page=2").content.decode()
    assert 'href="?status=new&amp;page=1"' in second
    assert "page=1&amp;page" not in second


# ------------------------------------------------------------------ refusals, shown
def test_a_booked_request_sends_the_convert_page_to_its_page_with_no_flash(web_as, nurse, enquiry):
    book(enquiry, nurse)
    client = web_as(nurse)
    url = f"{QUEUE}{enquiry.public_id}/patient/"
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == f"{QUEUE}{enquiry.public_id}/"
    assert list(get_messages(response.wsgi_request)) == []  # ADR 0016: success only
    page = client.get(response["Location"]).content.decode()
    assert 'data-testid="booked"' in page  # the page says what the request became
    assert "This request became" in page


def test_a_status_posted_as_another_tab_books_the_request_is_refused_on_the_page(
    web_as, nurse, enquiry
):
    client = web_as(nurse)
    assert client.get(f"{QUEUE}{enquiry.public_id}/").status_code == 200  # the form, open
    book(enquiry, nurse)  # meanwhile, another tab turns it into care
    response = client.post(
        f"{QUEUE}{enquiry.public_id}/", {"status": "contacted", "note": "Rang, no answer."}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert 'data-testid="form-errors"' in html
    assert "it stays booked" in html
    assert "Rang, no answer." in html  # what was typed is kept
    assert "Save the status" in html
    assert 'data-testid="booked"' in html
    assert not StatusChange.objects.filter(to_status="contacted").exists()
    assert "Save the status" not in client.get(f"{QUEUE}{enquiry.public_id}/").content.decode()


def test_a_patient_offered_is_described_by_their_date_of_birth_in_words(
    web_as, nurse, bert, enquiry
):
    page = web_as(nurse).get(f"{QUEUE}{enquiry.public_id}/patient/").content.decode()
    assert "OKAFOR, Bert, born 14 Mar 1971, hospital number" in page


# ------------------------------------------------------------------ the convert rule
def test_every_role_that_triages_also_registers_patients_and_opens_episodes():
    """The convert page admits TRIAGE_ENQUIRIES (its Op row); convert_enquiry also needs
    EDIT_PATIENTS and CREATE_EPISODES. The view does not check them again: this keeps the
    table's rule the real one, so ``allowed.PAGE_ENQUIRY_CONVERT`` never offers a page that
    would refuse."""
    assert TABLE[Op.PAGE_ENQUIRY_CONVERT].any_of == {Capability.TRIAGE_ENQUIRIES}
    triaging = [r for r, caps in ROLE_CAPABILITIES.items() if Capability.TRIAGE_ENQUIRIES in caps]
    assert triaging
    for role in triaging:
        held = ROLE_CAPABILITIES[role]
        assert {Capability.EDIT_PATIENTS, Capability.CREATE_EPISODES} <= held, role
