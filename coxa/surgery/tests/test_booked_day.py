"""The booking's day as the episode keeps it (``Episode.booked_on``), and the lists that read it.

"Booked, but no longer scheduled" and the theatre lists' hips whose day passed are found
through the episodes' index of booked hips by state and day (issue 20): the day must be the
booking's, whatever the episode's planned date does after a move back (H104).
"""

import importlib

import pytest
from django.db import connection

from coxa.assessment.services import readiness
from coxa.core.audit import Via
from coxa.core.pagination import PageRequest
from coxa.pathways.domain import EpisodeState
from coxa.pathways.models import Episode
from coxa.surgery import worklist
from coxa.surgery.models import Booking
from coxa.surgery.tests.test_worklist import TODAY, clinic, day, every_day_open, hip  # noqa: F401
from tests.journeys import at_time

pytestmark = pytest.mark.django_db


def booked_on(episode):
    return Episode.objects.get(pk=episode.pk).booked_on


def not_ready(nurse):
    (listed,) = worklist.list_theatre_worklist(
        actor=nurse, today=TODAY, page=PageRequest(1, 50), only="not-ready", via=Via.WEB
    )
    return [(r.episode.patient.given_name, r.on) for r in listed.page.rows]


def test_booking_keeps_its_day_on_the_episode(nurse, surgeon):
    ann = hip(nurse, surgeon, "Ann", "scheduled", operated=day(5))
    assert booked_on(ann) == Booking.objects.get(episode=ann).operation_on == day(5)
    assert Episode.objects.filter(booked_on__isnull=False).count() == 1
    # Signing a note for another day moves both: coxa/surgery/tests/test_safety.py (H14).
    unbooked = hip(nurse, surgeon, "Una", "ready", operated=day(9))
    assert booked_on(unbooked) is None


@pytest.mark.usefixtures("clinic")
def test_a_hip_moved_back_and_replanned_stays_listed_on_its_booked_day(nurse, surgeon):
    jon = Episode.objects.get(patient__given_name="Jon")
    assert jon.state != EpisodeState.SCHEDULED
    with at_time(TODAY, 9):
        assert not_ready(nurse) == [("Jon", day(10))]
        readiness.plan_operation(
            episode=jon,
            operation_on=day(30),
            by=surgeon,
            via=Via.WEB,
            reason="Re-planned once the anaemia is treated.",
        )
        # The planned day moved; the booking (and the list) still say the booked day.
        assert Episode.objects.get(pk=jon.pk).operation_on == day(30)
        assert not_ready(nurse) == [("Jon", day(10))]
    with at_time(day(11), 9):  # the booked day passed: no longer on the list
        (listed,) = worklist.list_theatre_worklist(
            actor=nurse, today=day(11), page=PageRequest(1, 50), only="not-ready", via=Via.WEB
        )
        assert listed.page.rows == []


def test_a_hip_still_scheduled_after_its_day_stays_on_the_theatre_lists(nurse, surgeon):
    ivy = hip(nurse, surgeon, "Ivy", "scheduled", operated=day(-3))
    hip(nurse, surgeon, "Ann", "scheduled", operated=day(20))  # beyond the window
    with at_time(TODAY, 9):
        rows = worklist.theatre_lists(actor=nurse, first=TODAY, last=day(6))
        mine = worklist.theatre_lists(actor=nurse, first=TODAY, last=day(6), surgeon=surgeon)
    assert [b.episode_id for b in rows] == [b.episode_id for b in mine] == [ivy.pk]


@pytest.mark.usefixtures("clinic")
def test_the_migration_gives_each_booked_hip_its_day():
    Episode.objects.update(booked_on=None)
    migration = importlib.import_module("coxa.surgery.migrations.0010_fill_booked_on")
    with connection.cursor() as cursor:
        cursor.execute(migration.FILL)
    days = dict(Booking.objects.values_list("episode_id", "operation_on"))
    found = dict(Episode.objects.filter(booked_on__isnull=False).values_list("id", "booked_on"))
    assert found == days
    assert len(days) >= 4  # Amy, Ben, Ivy and Jon at least
