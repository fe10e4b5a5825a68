"""A booking's optional start time: the service, the operation page's form and the API."""

import datetime as dt

import pytest

from coxa.core.audit import Via
from coxa.core.models import AuditEvent
from coxa.surgery.models import Booking
from coxa.surgery.services.schedule import schedule
from coxa.surgery.tests.conftest import LISTED_ON, OPERATED_ON, at, ready

pytestmark = pytest.mark.django_db

BOOKED_ON = LISTED_ON + dt.timedelta(days=1)


def test_the_service_stores_the_start_time_and_records_it(bert, surgeon):
    episode = ready(bert, surgeon)
    with at(BOOKED_ON):
        done = schedule(
            episode=episode,
            operation_on=OPERATED_ON,
            surgeon=surgeon,
            theatre_list="Monday AM",
            by=surgeon,
            via=Via.WEB,
            starts_at=dt.time(8, 30),
        )
    assert done.booking.starts_at == dt.time(8, 30)
    event = AuditEvent.objects.filter(action="operation.schedule").latest("id")
    assert "starting 08:30" in event.summary


def test_the_start_time_is_optional(bert, surgeon):
    episode = ready(bert, surgeon)
    with at(BOOKED_ON):
        done = schedule(
            episode=episode,
            operation_on=OPERATED_ON,
            surgeon=surgeon,
            theatre_list="",
            by=surgeon,
            via=Via.WEB,
        )
    assert done.booking.starts_at is None


def test_the_operation_page_books_with_a_start_time_and_shows_it(bert, surgeon, web_as):
    episode = ready(bert, surgeon)
    client = web_as(surgeon)
    url = f"/staff/episodes/{episode.public_id}/operation/"
    form = {"operation_date": OPERATED_ON.isoformat(), "surgeon": "sam", "theatre_list": "AM"}
    with at(BOOKED_ON):
        bad = client.post(url + "schedule/", form | {"start_time": "25:99"})
        assert bad.status_code == 400
        assert not Booking.objects.filter(episode=episode).exists()
        assert 'value="25:99"' in bad.content.decode()  # what was typed stays
        done = client.post(url + "schedule/", form | {"start_time": "07:45"})
        assert done.status_code == 302, done.content
        page = client.get(url).content.decode()
    assert Booking.objects.get(episode=episode).starts_at == dt.time(7, 45)
    assert "starting at 07:45" in page
    assert 'name="start_time"' in page
    assert 'value="07:45"' in page


def test_the_api_takes_and_returns_the_start_time(bert, surgeon, api_as):
    episode = ready(bert, surgeon)
    base = f"/api/v1/episodes/{episode.public_id}/schedule"
    body = {"operation_date": OPERATED_ON.isoformat(), "surgeon": "sam"}
    client = api_as(surgeon)
    with at(BOOKED_ON):
        bad = client.post(base, body | {"start_time": "noon"}, content_type="application/json")
        assert bad.status_code in (400, 422)
        done = client.post(base, body | {"start_time": "14:15"}, content_type="application/json")
    assert done.status_code == 200, done.content
    assert done.json()["start_time"] == "14:15:00"
    assert Booking.objects.get(episode=episode).starts_at == dt.time(14, 15)
