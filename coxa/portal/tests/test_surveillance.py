"""The patient's own metal-on-metal checks: when the next is due, what results mean (issue 15)."""

import datetime as dt
import re

import pytest

from coxa.core import clock
from coxa.core.audit import Via
from coxa.portal.domain import metal_result_meaning
from coxa.surveillance.domain.inputs import EnrolIn, MetalIonsIn
from coxa.surveillance.models import Enrolment
from coxa.surveillance.services import enrolment, records

pytestmark = pytest.mark.django_db
JARGON = ("µg/L", "ug/L", "whole-blood", "above-concern", "conservative-yearly", "MDA/", "ppb")


def enrol(patient, by, side="right"):
    entry = EnrolIn.model_validate(
        {"side": side, "implant": "resurfacing", "head_mm": 50, "operated_on": "2010-03-01"}
    )
    return enrolment.enrol_by_hand(patient=patient, entry=entry, by=by, via=Via.WEB).episode


def result(episode, by, days_ago, co, cr, matrix="whole-blood"):
    entry = MetalIonsIn.model_validate(
        {
            "sampled_on": clock.today() - dt.timedelta(days=days_ago),
            "matrix": matrix,
            "laboratory": "Trace metals lab",
            "cobalt": {"value": co, "unit": "ug/L"},
            "chromium": {"value": cr, "unit": "ug/L"},
        }
    )
    return records.record_metal_ions(episode=episode, entry=entry, by=by, via=Via.WEB)


def url(episode):
    return f"/portal/hip-checks/{episode.public_id}/"


def test_a_patient_sees_their_next_check_and_their_results_in_plain_words(
    web_as, ada_user, ada, surgeon
):
    hip = enrol(ada, surgeon)
    result(hip, surgeon, 300, 1.2, 0.9)
    result(hip, surgeon, 200, 25, 30, matrix="serum")
    result(hip, surgeon, 100, 8.4, 2.1)
    wrong = result(hip, surgeon, 50, 55, 60)
    records.strike_out(
        episode=hip, kind="result", record_id=wrong.public_id, reason="Another patient's sample",
        by=surgeon, via=Via.WEB,
    )  # fmt: skip
    client = web_as(ada_user)
    home = client.get("/portal/").content.decode()
    assert url(hip) in home
    due = Enrolment.objects.get(episode=hip).next_due_on
    assert f"your next check is due on {due.day} {due:%B %Y}" in home
    page = client.get(url(hip))
    assert page.status_code == 200
    html = page.content.decode()
    assert f"Your next check is due on <strong>{due.day} {due:%B %Y}</strong>" in html
    assert "a blood test for two metals, cobalt and chromium" in html
    assert "Your cobalt and chromium levels were below the level at which we look " in html
    assert (
        "Your cobalt level was higher than the level at which we look more closely. Your hip "
        "team will look at this and may repeat the test or arrange a scan" in html
    )
    assert "a different kind of blood sample" in html
    assert "We will ask you for another blood test." in html
    # A result struck out as made in error is never shown (the page's random form tokens are
    # left out of the search: one may contain the digits).
    shown = re.sub(r'<input[^>]*name="csrfmiddlewaretoken"[^>]*>', "", html)
    assert "55" not in shown
    assert not [word for word in JARGON if word in html]


def test_a_patient_may_not_read_another_patients_checks(web_as, ada_user, ada, bert, surgeon):
    other = enrol(bert, surgeon)
    assert web_as(ada_user).get(url(other)).status_code == 404


@pytest.mark.parametrize("role", ["surgeon", "nurse", "admin", "analyst"])
def test_the_portal_page_is_the_patients_own_and_staff_are_refused(
    request, web_as, role, ada, surgeon
):
    hip = enrol(ada, surgeon)
    assert web_as(request.getfixturevalue(role)).get(url(hip)).status_code == 403


def test_a_hip_not_under_surveillance_says_so_and_has_no_link(web_as, ada_user, ada, nurse):
    from coxa.pathways import services as pathways

    hip = pathways.open_episode(
        patient=ada, side="left", procedure="core-decompression", by=nurse, via=Via.WEB
    )
    client = web_as(ada_user)
    assert url(hip) not in client.get("/portal/").content.decode()
    html = client.get(url(hip)).content.decode()
    assert "This hip does not need metal-on-metal checks." in html


@pytest.mark.parametrize(
    ("matrix", "co", "cr", "rising", "says"),
    [
        ("whole-blood", 1.0, 2.0, False, "levels were below the level"),
        ("whole-blood", 7.0, 2.0, False, "at the level at which we look more closely, but not"),
        ("whole-blood", 7.1, 7.5, False, "cobalt and chromium levels were higher than the level"),
        ("whole-blood", None, 9.0, False, "Your chromium level was higher"),
        ("whole-blood", 3.0, None, True, "Your cobalt level was below"),
        ("whole-blood", 3.0, 2.0, True, "They have gone up since your last test"),
        ("serum", 30.0, 30.0, False, "a different kind of blood sample"),
        ("plasma", 1.0, 1.0, False, "we cannot compare it with your other results"),
    ],
)
def test_what_a_result_means_in_words(matrix, co, cr, rising, says):
    words = metal_result_meaning(matrix=matrix, cobalt=co, chromium=cr, rising=rising, concern=7)
    assert says in words
    assert not [word for word in JARGON if word in words]
