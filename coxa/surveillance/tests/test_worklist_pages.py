"""The surveillance worklist, the recall and the invitation letter, as pages (issue 15).

Rendered for each role that may see them and refused (403) to the rest; the worklist costs
the same queries for 3 or 30 hips; the banner enrols hips signed and not yet enrolled; a
recall finds hips by product and lot from signed notes and from hips enrolled by hand, and
records a contact; the letter says what the check is, and its PDF is a PDF, recorded.
"""

import datetime as dt
import itertools
import re

import pytest

from coxa.conftest import details
from coxa.core import clock
from coxa.core.audit import Via
from coxa.core.models import AuditEvent
from coxa.core.pagination import PageRequest
from coxa.core.tests.test_contacts_and_pdf import is_tagged
from coxa.patients import services as patients
from coxa.surgery.models import Implant
from coxa.surveillance.domain.inputs import EnrolIn, MetalIonsIn
from coxa.surveillance.models import Enrolment, RecallContact
from coxa.surveillance.services import enrolment, records
from coxa.surveillance.worklist import SurveillanceQuery, list_surveillance_worklist
from tests.journeys import walk_to

pytestmark = pytest.mark.django_db

WORKLIST = "/staff/worklists/surveillance/"
RECALL = "/staff/surveillance/recall/"
NUMBERS = itertools.count()
READERS = ["surgeon", "nurse", "anaesthetist", "physio", "admin"]
RECORDERS = ["surgeon", "nurse"]
# A page of rows and a capped count; the read's audit record (the chain's head, the record,
# the head moved on). The page adds the session, its user, their second factor, and the
# count of hips signed and not yet enrolled.
QUERIES_PER_LIST = 2 + 3
QUERIES_PER_PAGE = QUERIES_PER_LIST + 3 + 1


def enrolled_by_hand(by, *, product="BHR femoral head", lot="L42", **fields):
    """A patient with a resurfacing from elsewhere, enrolled by hand (due on enrolment)."""
    number = next(NUMBERS)
    patient = patients.register_patient(
        details=details(
            given_name=f"Pat{number:02d}",
            nhs_number="",
            hospital_number=f"S{number:06d}",
            **fields,
        ),
        by=by,
        via=Via.WEB,
    )
    entry = EnrolIn.model_validate(
        {
            "side": "right",
            "implant": "resurfacing",
            "head_mm": 50,
            "operated_on": "2012-05-01",
            "operated_where": "Another hospital",
            "implants": [
                {"component": "femoral", "manufacturer": "Smith & Nephew", "product": product,
                 "lot": lot},
            ],
        }
    )  # fmt: skip
    return enrolment.enrol_by_hand(patient=patient, entry=entry, by=by, via=Via.WEB).episode


@pytest.fixture
def signed(bert, surgeon):
    """Bert's resurfacing, signed a year less a fortnight ago: due soon once enrolled."""
    operated = clock.today() - dt.timedelta(days=351)
    hip = walk_to(
        "operated",
        patient=bert,
        by=surgeon,
        listed_on=operated - dt.timedelta(days=21),
        operated_on=operated,
    )
    Implant.objects.filter(note__episode=hip).update(product="BHR femoral head")
    Implant.objects.filter(note__episode=hip, component="acetabular").update(product="BHR cup")
    return hip


# ------------------------------------------------------------------------- the worklist
@pytest.mark.parametrize("role", READERS)
def test_the_worklist_renders_for_clinical_staff(request, web_as, role, nurse):
    hip = enrolled_by_hand(nurse)
    page = web_as(request.getfixturevalue(role)).get(WORKLIST)
    assert page.status_code == 200
    html = page.content.decode()
    assert hip.patient.display_name in html
    # Every row names its rule in words, with the table's version in small text.
    assert "conservative-yearly@" not in html
    assert "Yearly review with blood metal levels (the conservative default)" in html
    assert re.search(r'<small class="muted">\(version \d{4}\.\d+', html)
    assert f'href="/staff/episodes/{hip.public_id}/surveillance/"' in html  # the hip's page
    assert "Surveillance review" in html
    assert "Due" in html
    assert 'data-testid="unchecked"' in html  # the table is not checked: the page says so
    assert f"/staff/episodes/{hip.public_id}/surveillance/letter/" in html


@pytest.mark.parametrize("role", ["analyst", "ada_user"])
def test_the_worklist_is_refused_to_others(request, web_as, role):
    assert web_as(request.getfixturevalue(role)).get(WORKLIST).status_code == 403


def test_the_worklist_is_linked_from_the_staff_menu(web_as, nurse):
    assert f'href="{WORKLIST}"' in web_as(nurse).get("/staff/").content.decode()


@pytest.mark.parametrize("count", [3, 30])
def test_the_page_and_the_list_cost_the_same_queries_for_3_or_30_hips(
    count, nurse, web_as, django_assert_max_num_queries
):
    for _ in range(count):
        enrolled_by_hand(nurse)
    client = web_as(nurse)
    client.get(WORKLIST)  # the session's first request stamps it
    with django_assert_max_num_queries(QUERIES_PER_PAGE):
        page = client.get(WORKLIST).content.decode()
    with django_assert_max_num_queries(QUERIES_PER_LIST):
        listed = list_surveillance_worklist(
            actor=nurse, query=SurveillanceQuery(), page=PageRequest(1, 50), via=Via.WEB
        )
    assert (listed.count, len(listed.rows), listed.capped) == (count, count, False)
    assert page.count('<tr>\n      <td><a href="/staff/episodes/') == count


def test_the_filter_shows_flagged_hips_with_their_flag(web_as, nurse, surgeon):
    quiet, raised = enrolled_by_hand(nurse), enrolled_by_hand(nurse)
    today = clock.today()
    entry = MetalIonsIn.model_validate(
        {
            "sampled_on": today,
            "matrix": "whole-blood",
            "laboratory": "Trace metals lab",
            "cobalt": {"value": 9.2, "unit": "ug/L"},
            "chromium": {"value": 2.0, "unit": "ug/L"},
        }
    )
    records.record_metal_ions(episode=raised, entry=entry, by=surgeon, via=Via.WEB)
    html = web_as(nurse).get(WORKLIST + "?status=flagged").content.decode()
    assert raised.patient.display_name in html
    assert quiet.patient.display_name not in html
    assert "Cobalt 9.2 µg/L is above 7 µg/L" in html
    assert "Awaiting a repeat" in html
    shown = AuditEvent.objects.filter(action__startswith="worklist", actor=nurse).last()
    assert shown is not None
    assert str(raised.public_id) in str(shown.details)


def test_an_unknown_filter_is_shown_on_the_page(web_as, nurse):
    page = web_as(nurse).get(WORKLIST + "?status=soon")
    assert page.status_code == 400
    assert "status must be one of" in page.content.decode()


def test_the_banner_counts_hips_signed_not_enrolled_and_enrols_them(web_as, nurse, signed):
    client = web_as(nurse)
    html = client.get(WORKLIST).content.decode()
    assert "1 resurfaced hip signed and not yet enrolled" in html
    assert "Enrol them now" in html
    done = client.post(WORKLIST)
    assert done.status_code == 302
    assert Enrolment.objects.filter(episode=signed).exists()
    after = client.get(done["Location"]).content.decode()
    assert "1 hip enrolled for lifelong surveillance" in after
    assert 'data-testid="pending"' not in after
    assert signed.patient.display_name in after  # due within the invitation window


def test_the_banner_names_the_hips_waiting_each_linking_to_its_page(web_as, nurse, signed):
    html = web_as(nurse).get(WORKLIST).content.decode()
    waiting = html.split('data-testid="waiting"')[1].split("</ul>")[0]
    assert f'href="/staff/episodes/{signed.public_id}/surveillance/"' in waiting
    assert signed.patient.display_name in waiting
    assert "more</li>" not in waiting


def test_a_physiotherapist_sees_the_banner_but_may_not_enrol(web_as, physio, signed):
    client = web_as(physio)
    html = client.get(WORKLIST).content.decode()
    assert "1 resurfaced hip signed" in html
    assert "Enrol them now" not in html
    assert RECALL not in html  # the recall is for those who contact patients
    assert client.get(RECALL).status_code == 403
    assert client.post(WORKLIST).status_code == 403
    assert not Enrolment.objects.exists()


@pytest.mark.parametrize("role", RECORDERS)
def test_those_who_contact_patients_are_offered_the_recall(request, web_as, role):
    assert (
        f'href="{RECALL}"' in web_as(request.getfixturevalue(role)).get(WORKLIST).content.decode()
    )


def test_last_seen_is_the_latest_review_result_or_imaging(web_as, nurse):
    hip = enrolled_by_hand(nurse)
    today = clock.today()
    Enrolment.objects.filter(episode=hip).update(
        lost_on=today - dt.timedelta(days=1),
        last_review_on=dt.date(2024, 1, 5),
        last_result_on=dt.date(2024, 3, 9),
        last_imaging_on=None,
    )
    html = web_as(nurse).get(WORKLIST + "?status=lost").content.decode()
    assert "Last seen 9 Mar 2024" in html
    Enrolment.objects.filter(episode=hip).update(last_imaging_on=dt.date(2024, 6, 1))
    html = web_as(nurse).get(WORKLIST + "?status=lost").content.decode()
    assert "Last seen 1 Jun 2024" in html


# ------------------------------------------------------------------------- the recall
def search(client, product, lot=""):
    posted = client.post(RECALL, {"product": product, "lot": lot})
    assert posted.status_code == 302
    assert posted["Location"] == RECALL  # the terms are in the session, never the address
    return client.get(RECALL).content.decode()


def test_a_recall_finds_hips_from_signed_notes_and_from_hips_enrolled_by_hand(
    web_as, nurse, signed
):
    by_hand = enrolled_by_hand(
        nurse,
        lot="F1",
        phone="07700 900123",
        email="pat@example.org",
        address="1 High Street\nTown",
        postcode="AB1 2CD",
    )
    other_lot = enrolled_by_hand(nurse, lot="Z9")
    html = search(web_as(nurse), "bhr femoral head", "f1")
    assert "2 hips with bhr femoral head, lot f1" in html
    assert signed.patient.display_name in html  # the note's femoral head, lot F1
    assert "943 476 5919" in html  # the NHS number as 3-3-4
    assert by_hand.patient.display_name in html
    for detail in ("07700 900123", "pat@example.org", "AB1 2CD"):
        assert detail in html
    assert "1 High Street<br>Town" in html
    assert other_lot.patient.display_name not in html
    assert "BHR cup" not in html  # the note's other component is not the product named
    assert "No contact recorded yet." in html
    # Nothing typed is in any link (the lot, F1, is hex: a UUID may hold it by chance).
    links = re.findall(r'(?:href|action)="([^"]*)"', html)
    assert not [link for link in links if "femoral" in link.lower() or "lot=" in link]


def test_every_lot_when_none_is_given(web_as, nurse, signed):
    enrolled_by_hand(nurse, lot="Z9")
    html = search(web_as(nurse), "BHR femoral head")
    assert "2 hips with BHR femoral head (any lot)" in html


def test_a_contact_is_recorded_once_and_shown(web_as, nurse, signed):
    client = web_as(nurse)
    search(client, "BHR femoral head", "F1")
    url = f"{RECALL}{signed.public_id}/contact/"
    form = {
        "notice": "FSN-2026-01",
        "method": "phone",
        "contacted_on": clock.today().isoformat(),
        "note": "Booked for bloods next week",
        "submission_key": "k" * 32,
    }
    done = client.post(url, form)
    assert done.status_code == 302, done.content.decode()
    assert done["Location"] == f"{RECALL}#hip-{signed.public_id}"
    again = client.post(url, form)  # a double click records one contact
    assert again.status_code == 302
    contact = RecallContact.objects.get()
    assert (contact.product, contact.lot, contact.notice, contact.method) == (
        "BHR femoral head",
        "F1",
        "FSN-2026-01",
        "phone",
    )
    html = client.get(RECALL).content.decode()
    assert "by phone, about FSN-2026-01: Booked for bloods next week" in html
    assert 'value="FSN-2026-01"' in html  # the notice is offered again for the next hip


def test_a_contact_in_the_future_is_refused_beside_its_field(web_as, nurse, signed):
    client = web_as(nurse)
    search(client, "BHR femoral head", "F1")
    tomorrow = clock.today() + dt.timedelta(days=1)
    refused = client.post(
        f"{RECALL}{signed.public_id}/contact/",
        {"notice": "FSN-2026-01", "method": "letter", "contacted_on": tomorrow.isoformat()},
    )
    assert refused.status_code == 400
    html = refused.content.decode()
    assert f'id="contact-{signed.public_id}-contacted_on_error"' in html
    assert "cannot be in the future" in html
    assert not RecallContact.objects.exists()


@pytest.mark.parametrize("role", ["anaesthetist", "physio", "admin", "analyst", "ada_user"])
def test_the_recall_is_refused_to_those_who_do_not_contact_patients(request, web_as, role):
    client = web_as(request.getfixturevalue(role))
    assert client.get(RECALL).status_code == 403
    assert client.post(RECALL, {"product": "BHR"}).status_code == 403


@pytest.mark.parametrize("role", RECORDERS)
def test_the_recall_renders_for_those_who_contact_patients(request, web_as, role):
    page = web_as(request.getfixturevalue(role)).get(RECALL)
    assert page.status_code == 200
    assert 'role="search"' in page.content.decode()


def test_a_search_with_no_product_is_refused_beside_it(web_as, nurse):
    refused = web_as(nurse).post(RECALL, {"product": "", "lot": "F1"})
    assert refused.status_code == 400
    assert 'id="recall-product_error"' in refused.content.decode()


# ------------------------------------------------------------------------- the letter
@pytest.mark.parametrize("role", READERS)
def test_the_invitation_says_what_when_and_whom_to_call(request, web_as, role, nurse, settings):
    settings.CONTACT_OFFICE_PHONE = "0121 496 0555"
    hip = enrolled_by_hand(nurse, address="1 High Street", postcode="AB1 2CD")
    page = web_as(request.getfixturevalue(role)).get(
        f"/staff/episodes/{hip.public_id}/surveillance/letter/"
    )
    assert page.status_code == 200
    html = page.content.decode()
    due = Enrolment.objects.get(episode=hip).next_due_on
    assert f"{due:%A} {due.day} {due:%B %Y}" in html
    assert "cobalt and chromium" in html
    assert "A list of the medicines you take" in html
    assert "0121 496 0555" in html  # the setting, never a number in the template
    assert "AB1 2CD" in html
    assert "metal-on-metal implant in your <strong>right hip</strong>" in html
    assert "scan of your hip" not in html  # the default asks for bloods, not imaging


@pytest.mark.parametrize("role", ["analyst", "ada_user"])
def test_the_invitation_is_refused_to_others(request, web_as, role, nurse):
    hip = enrolled_by_hand(nurse)
    url = f"/staff/episodes/{hip.public_id}/surveillance/letter/"
    assert web_as(request.getfixturevalue(role)).get(url).status_code in (403, 404)
    assert web_as(request.getfixturevalue(role)).get(url[:-1] + ".pdf").status_code in (403, 404)


def test_the_invitation_pdf_is_a_pdf_and_a_recorded_copy(web_as, nurse):
    hip = enrolled_by_hand(nurse, address="1 High Street", postcode="AB1 2CD")
    response = web_as(nurse).get(f"/staff/episodes/{hip.public_id}/surveillance/letter.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    body = response.content
    assert body.startswith(b"%PDF-")
    assert is_tagged(body)  # a screen reader can follow it
    copied = AuditEvent.objects.filter(action="surveillance.copy", object_id=str(hip.public_id))
    assert copied.count() == 1


def test_a_hip_not_under_surveillance_has_no_invitation(web_as, nurse, signed):
    client = web_as(nurse)
    html = client.get(f"/staff/episodes/{signed.public_id}/surveillance/letter/").content.decode()
    assert "No letter is made: it is not under surveillance now, or no check is due." in html
    assert "not yet enrolled" in html
    pdf = client.get(f"/staff/episodes/{signed.public_id}/surveillance/letter.pdf")
    assert pdf.status_code == 409  # refused, as for any hip that gets no letter (H92)
    assert "not yet enrolled" in pdf.content.decode()
    assert not AuditEvent.objects.filter(action="surveillance.copy").exists()
