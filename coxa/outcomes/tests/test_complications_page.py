"""The complications page: the register with each grade's definition, the form that records
one (refusals shown beside their field, nothing stored), striking out, and who sees what."""

import datetime as dt
import re

import pytest

from coxa.outcomes.models import Complication
from tests.journeys import list_episode, walk_to

pytestmark = pytest.mark.django_db
LISTED_ON = dt.date(2026, 1, 5)


@pytest.fixture
def hip(bert, surgeon):
    return walk_to("recovering", patient=bert, by=surgeon, listed_on=LISTED_ON)


def url(episode):
    return f"/staff/episodes/{episode.public_id}/complications/"


def form(**overrides):
    return {
        "type": "deep-vein-thrombosis",
        "description": "",
        "found_on": "2026-02-03",
        "clavien_dindo": "II",
        "treatment": "Apixaban for three months",
        "outcome": "recovering",
    } | overrides


def test_the_episode_page_links_to_the_register(web_as, nurse, hip):
    page = web_as(nurse).get(f"/staff/episodes/{hip.public_id}/").content.decode()
    assert url(hip) in page


def test_a_clinician_records_one_and_sees_it_in_words(web_as, nurse, hip):
    client = web_as(nurse)
    shown = client.get(url(hip)).content.decode()
    assert "No complications recorded." in shown
    assert "operated on 26 Jan 2026" in shown
    # Each grade is offered with its definition; only the hip's operation's types.
    assert "Grade IIIb: needed an operation, endoscopy or radiological procedure under" in shown
    assert "Fracture of the femoral neck" in shown
    assert "collapsed despite core decompression" not in shown
    done = client.post(url(hip), form(disability="on"), follow=True)
    assert done.status_code == 200
    page = done.content.decode()
    assert "Complication recorded." in page
    assert "Blood clot in the leg (deep vein thrombosis)" in page
    assert "3 Feb 2026" in page
    assert "Getting better" in page
    assert ">IId<" in page
    assert Complication.objects.get().recorded_by == nurse


def test_a_refusal_is_shown_beside_its_field_and_nothing_is_stored(web_as, surgeon, hip):
    refused = web_as(surgeon).post(url(hip), form(found_on="2026-01-20"))
    assert refused.status_code == 400
    page = refused.content.decode()
    assert "the day it was found is before the operation (26 Jan 2026)" in page
    assert 'value="2026-01-20"' in page  # what was typed stays
    assert not Complication.objects.exists()
    other = web_as(surgeon).post(url(hip), form(type="other"))
    assert other.status_code == 400
    assert "say in words what the complication was" in other.content.decode()


def test_a_hip_not_operated_offers_no_form(web_as, surgeon, bert):
    listed = list_episode(bert, surgeon)
    page = web_as(surgeon).get(url(listed)).content.decode()
    assert "recorded once the operation note is signed" in page
    assert web_as(surgeon).post(url(listed), form()).status_code == 400
    assert not Complication.objects.exists()


def test_striking_out_keeps_the_entry_marked(web_as, surgeon, hip):
    client = web_as(surgeon)
    client.post(url(hip), form())
    entry = Complication.objects.get()
    strike = f"{url(hip)}{entry.public_id}/strike-out/"
    assert client.post(strike, {"reason": ""}).status_code == 400
    done = client.post(strike, {"reason": "Entered on the wrong patient's hip"}, follow=True)
    page = done.content.decode()
    assert "Struck out as made in error" in page
    assert "Entered on the wrong patient&#x27;s hip" in page
    entry.refresh_from_db()
    assert entry.struck_out_at is not None


def test_each_entrys_strike_out_form_has_its_own_ids(web_as, surgeon, hip):
    client = web_as(surgeon)
    client.post(url(hip), form())
    client.post(url(hip), form(type="superficial-infection", found_on="2026-02-04"))
    page = client.get(url(hip)).content.decode()
    ids = re.findall(r'id="(strike-[^"]*reason)"', page)
    assert len(ids) == 2
    assert len(set(ids)) == 2  # never one id twice on a page
    assert all(f'id="strike-{c.public_id}-reason"' in page for c in Complication.objects.all())


@pytest.mark.parametrize("role", ["physio", "admin"])
def test_staff_who_may_not_record_read_the_register_without_the_form(request, web_as, hip, role):
    client = web_as(request.getfixturevalue(role))
    page = client.get(url(hip))
    assert page.status_code == 200
    assert "Record a complication" not in page.content.decode()
    assert client.post(url(hip), form()).status_code == 403
    assert not Complication.objects.exists()


def test_analysts_and_patients_may_not_open_it(web_as, analyst, ada_user, hip):
    assert web_as(analyst).get(url(hip)).status_code == 403
    assert web_as(ada_user).get(url(hip)).status_code == 403
