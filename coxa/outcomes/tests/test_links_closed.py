"""A dead patient is not surveyed, nor a hip no longer followed (H60, H64): no link is issued
for a closed episode (409, saying why), and a link issued before the hip's episode closed or
the patient died answers the same "cannot be used" page as an expired one, storing nothing."""

import datetime as dt

import pytest
from django.core import mail
from django.test import Client

from coxa.core import clock
from coxa.core.audit import Via
from coxa.core.errors import Conflict, NotFound
from coxa.outcomes.models import QuestionnaireLink, QuestionnaireResponse
from coxa.outcomes.services import links
from coxa.outcomes.services.endpoints import record_conversion, record_death
from coxa.outcomes.tests.test_links import answers, issue, issued_url
from coxa.pathways import services as pathways
from coxa.patients.models import Patient
from tests.journeys import list_episode, walk_to

pytestmark = pytest.mark.django_db


def today() -> dt.date:
    """Read at each use, never at import: a run that crosses midnight keeps its dates."""
    return clock.today()


def operated() -> dt.date:
    return today() - dt.timedelta(days=200)


def _withdraw(hip, surgeon, nurse):
    pathways.move_episode(
        episode=hip, to="withdrawn", reason="Chose not to go ahead", by=surgeon, via=Via.WEB
    )


def _die(hip, surgeon, nurse):
    record_death(patient=hip.patient, on=today(), related_to_hip="no", by=nurse, via=Via.WEB)


def _date_of_death_only(hip, surgeon, nurse):
    # Set on the patient's details alone: the episode itself is still open.
    Patient.objects.filter(pk=hip.patient_id).update(date_of_death=today())


def _convert(hip, surgeon, nurse):
    record_conversion(
        episode=hip,
        on=today(),
        reason="collapse",
        procedure="total-hip-replacement",
        by=surgeon,
        via=Via.WEB,
    )


def _discharge(hip, surgeon, nurse):
    pathways.move_episode(
        episode=hip, to="completed", reason="Nothing more needed", by=surgeon, via=Via.WEB
    )


def _listed(bert, surgeon):
    return list_episode(bert, surgeon)


def _followed(bert, surgeon):
    return walk_to(
        "follow-up",
        patient=bert,
        by=surgeon,
        procedure="core-decompression",
        listed_on=operated() - dt.timedelta(days=21),
        operated_on=operated(),
    )


CLOSINGS = [
    pytest.param(_listed, _withdraw, "episode-ended", "withdrawn", id="withdrawn"),
    pytest.param(_listed, _die, "patient-deceased", "death", id="died"),
    pytest.param(_followed, _die, "patient-deceased", "death", id="died-after-operation"),
    pytest.param(_listed, _date_of_death_only, "patient-deceased", "death", id="date-of-death"),
    pytest.param(_followed, _convert, "episode-ended", "converted", id="converted"),
    pytest.param(_followed, _discharge, "episode-ended", "discharged", id="discharged"),
]


@pytest.mark.parametrize(("make", "close", "code", "words"), CLOSINGS)
def test_no_link_is_issued_for_a_closed_hip(bert, surgeon, nurse, make, close, code, words):
    hip = make(bert, surgeon)
    close(hip, surgeon, nurse)
    hip.refresh_from_db()
    with pytest.raises(Conflict) as refused:
        links.issue_link(
            episode=hip,
            instruments=["pain-nrs"],
            by=nurse,
            via=Via.WEB,
            url_for=lambda token: f"/q/{token}/",
        )
    assert (refused.value.code.value, refused.value.status) == (code, 409)
    assert words in refused.value.message.lower()
    assert not QuestionnaireLink.objects.exists()
    assert not mail.outbox


@pytest.mark.parametrize("role", ["surgeon", "nurse", "anaesthetist", "physio"])
def test_the_page_says_why_no_link_can_be_sent_and_refuses_one(request, web_as, bert, role):
    surgeon = request.getfixturevalue("surgeon")
    hip = list_episode(bert, surgeon)
    _die(hip, surgeon, request.getfixturevalue("nurse"))
    client = web_as(request.getfixturevalue(role))
    page = client.get(f"/staff/episodes/{hip.public_id}/questionnaires/").content.decode()
    assert 'data-testid="link-closed"' in page
    assert "death is recorded" in page
    assert 'data-testid="issue-link"' not in page
    refused = issue(client, hip)
    assert refused.status_code == 400  # the page re-shows the form with the refusal
    assert "death is recorded" in refused.content.decode()
    assert not QuestionnaireLink.objects.exists()


def test_an_open_hip_still_gets_a_link(web_as, nurse, surgeon, bert):
    hip = _followed(bert, surgeon)
    page = web_as(nurse).get(f"/staff/episodes/{hip.public_id}/questionnaires/").content.decode()
    assert 'data-testid="link-closed"' not in page
    assert issue(web_as(nurse), hip).status_code == 200
    assert QuestionnaireLink.objects.count() == 1


@pytest.mark.parametrize(("make", "close", "code", "words"), CLOSINGS)
def test_a_link_issued_before_the_hip_closed_cannot_be_used(
    web_as, bert, surgeon, nurse, make, close, code, words
):
    hip = make(bert, surgeon)
    url = issued_url(issue(web_as(nurse), hip))
    close(hip, surgeon, nurse)
    patient = Client()
    shown = patient.get(url)
    assert shown.status_code == 404
    html = shown.content.decode()
    # The same page as an expired link: nothing about the death or the conversion.
    assert "has been used, has expired, or was not copied in full" in html
    for secret in ("died", "death", "convert", "discharg", "withdraw"):
        assert secret not in html.lower()
    sent = patient.post(url, answers())
    assert sent.status_code == 404
    assert "has been used, has expired, or was not copied in full" in sent.content.decode()
    assert not QuestionnaireResponse.objects.exists()
    assert QuestionnaireLink.objects.get().used_at is None
    # Staff see why.
    staff = web_as(nurse).get(f"/staff/episodes/{hip.public_id}/questionnaires/")
    assert "Cannot be used: the hip is no longer followed" in staff.content.decode()


def test_the_service_refuses_a_closed_link_as_unusable(web_as, bert, surgeon, nurse):
    hip = list_episode(bert, surgeon)
    url = issued_url(issue(web_as(nurse), hip))
    token = url.rstrip("/").rsplit("/", 1)[1]
    _die(hip, surgeon, nurse)
    with pytest.raises(NotFound) as refused:
        links.complete_by_link(token=token, answers={"pain-nrs": {"pain": 3}})
    assert refused.value.code.value == "link-not-usable"
    assert not QuestionnaireResponse.objects.exists()
