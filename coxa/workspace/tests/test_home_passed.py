"""A booked hip whose day passed with no signed note stays on its surgeon's list (H75)."""

import datetime as dt

import pytest
from django.urls import reverse

from coxa.core import clock
from tests.journeys import walk_to

pytestmark = pytest.mark.django_db


def test_a_scheduled_hip_whose_day_passed_stays_on_the_surgeons_list(web_as, surgeon, bert):
    today = clock.today()
    episode = walk_to(
        "scheduled",
        patient=bert,
        by=surgeon,
        listed_on=today - dt.timedelta(days=30),
        operated_on=today - dt.timedelta(days=3),
    )
    assert episode.state == "scheduled"
    html = web_as(surgeon).get(reverse("staff-home")).content.decode()
    operation = reverse("surgery:operation", args=[episode.public_id])
    assert operation in html
    assert "the day has passed and the operation note is not signed" in html
