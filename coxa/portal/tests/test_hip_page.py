"""The patient's hip page (issue 17): the journey, dates, exercises, letters and checks.

H82: every date shown is the engine's (the letter's medicine stops, the plan's phases and
appointments). H83: another patient's hip is answered as one that does not exist.
"""

import datetime as dt
import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from coxa.assessment.domain.entries import Kind
from coxa.assessment.services import entries, readiness
from coxa.assessment.services.letters import letter_of
from coxa.core import clock
from coxa.core.audit import Via
from coxa.core.models import AuditEvent
from coxa.core.words import long_date
from coxa.pathways.domain import EpisodeState
from coxa.portal.domain import StepStatus, journey
from coxa.portal.tests.test_surveillance import enrol
from coxa.surgery.domain.recovery import PhysioReviewIn
from coxa.surgery.selectors import plan_of
from coxa.surgery.services import recovery
from coxa.surveillance.models import Enrolment
from tests.journeys import list_episode, walk_to

pytestmark = pytest.mark.django_db
S = EpisodeState


def url(episode):
    return f"/portal/hips/{episode.public_id}/"


def naproxen(episode, by):
    entries.record_entry(
        kind=Kind.MEDICATION,
        episode=episode,
        payload={
            "name": "Naproxen",
            "class": "nsaid",
            "atc": "M01AE02",
            "recorded_on": clock.today(),
        },
        by=by,
        via=Via.WEB,
    )


def review(episode, by, day, exercises):
    entry = PhysioReviewIn.model_validate(
        {"reviewed_on": day, "walking_aid": "crutches", "weight_bearing": "offloaded",
         "exercises_progressed": exercises}
    )  # fmt: skip
    recovery.record_review(episode=episode, entry=entry, by=by, via=Via.WEB)


@pytest.fixture
def listed(ada, surgeon, nurse):
    """Ada's left hip listed for a resurfacing, an NSAID to stop, the operation planned."""
    hip = list_episode(ada, surgeon)
    naproxen(hip, nurse)
    readiness.plan_operation(
        episode=hip, operation_on=clock.today() + dt.timedelta(days=30), by=nurse, via=Via.WEB
    )
    hip.refresh_from_db()
    return hip


@pytest.fixture
def recovering(ada, surgeon):
    return walk_to("recovering", patient=ada, by=surgeon, side="right",
                   procedure="core-decompression",
                   listed_on=clock.today() - dt.timedelta(days=40))  # fmt: skip


def test_a_hip_before_its_operation_shows_the_letter_s_medicine_dates(web_as, ada_user, listed):
    """H82: the stop dates are the letter's own, from the same evaluation."""
    page = web_as(ada_user).get(url(listed)).content.decode()
    stop = next(s for s in letter_of(listed).stops if s.medication == "Naproxen")
    assert stop.stop_on is not None
    assert f"{long_date(stop.last_dose_on)}</time>: Last dose of Naproxen" in page
    assert f"{long_date(stop.stop_on)}</time>: Do not take Naproxen from today" in page
    assert f"{long_date(listed.operation_on)}</time>: Your operation" in page
    assert 'aria-current="step"' in page
    assert page.count('aria-current="step"') == 1
    assert 'data-step="getting-ready" aria-current="step"' in page
    assert f"/portal/letters/{listed.public_id}/letter.pdf" in page
    assert f"/portal/recovery/{listed.public_id}/" not in page  # no plan before it is booked
    assert 'data-step="metal-checks"' in page  # a resurfacing is followed for life
    assert "None" not in page


def test_an_operated_hip_shows_the_plan_s_dates_and_the_physio_s_exercises(
    web_as, ada_user, recovering, physio
):
    """H82: each phase's first day and each appointment is the plan's, as signed."""
    review(recovering, physio, clock.today() - dt.timedelta(days=1), "Added straight leg raises")
    page = web_as(ada_user).get(url(recovering)).content.decode()
    plan, final = plan_of(recovering)
    assert final
    for appointment in plan.appointments:
        assert f"{long_date(appointment.due_on)}</time>: {appointment.title}" in page
    phase = plan.phases[0]
    assert (
        f"{long_date(phase.starts_on)}</time>: From the day of your operation: {phase.title}"
        in page
    )
    assert plan.exercise in page
    assert "Added straight leg raises" in page
    assert 'data-step="recovery" aria-current="step"' in page
    assert f"/portal/recovery/{recovering.public_id}/plan.pdf" in page
    assert "/letter.pdf" not in page  # the getting-ready letter no longer applies
    assert "Warning signs after your operation" in page


def test_a_resurfaced_hip_shows_its_metal_checks_as_a_step(web_as, ada_user, ada, surgeon):
    hip = enrol(ada, surgeon)  # resurfaced elsewhere, followed here
    page = web_as(ada_user).get(url(hip)).content.decode()
    assert 'data-step="follow-up" aria-current="step"' in page
    assert 'data-step="metal-checks"' in page
    assert f"/portal/hip-checks/{hip.public_id}/" in page
    due = Enrolment.objects.get(episode=hip).next_due_on
    assert f"{long_date(due)}</time>: Your next metal-on-metal hip check" in page
    steps = {s.code: s.status for s in journey(S.FOLLOW_UP, followed_for_life=True)}
    assert steps["metal-checks"] is StepStatus.UNDER_WAY
    completed = {s.code: s.status for s in journey(S.COMPLETED, followed_for_life=True)}
    assert completed["metal-checks"] is StepStatus.NOW


def test_another_patient_s_hip_is_answered_as_a_missing_one(web_as, ada_user, bert, surgeon):
    """H83: by changing the id in the address, a patient reaches nothing of another's hip."""
    other = walk_to("listed", patient=bert, by=surgeon,
                    listed_on=clock.today() - dt.timedelta(days=2))  # fmt: skip
    client = web_as(ada_user)
    missing = client.get(f"/portal/hips/{uuid.uuid4()}/")
    theirs = client.get(url(other))
    assert (theirs.status_code, missing.status_code) == (404, 404)
    assert theirs.content == missing.content
    assert client.get(f"/portal/letters/{other.public_id}/letter.pdf").status_code == 404
    assert not AuditEvent.objects.filter(action="letter.pdf").exists()


def test_the_letter_pdf_is_a_pdf_and_is_recorded_as_a_copy(web_as, ada_user, ada, listed):
    answer = web_as(ada_user).get(f"/portal/letters/{listed.public_id}/letter.pdf")
    assert answer["Content-Type"] == "application/pdf"
    assert answer.content[:4] == b"%PDF"
    event = AuditEvent.objects.get(action="letter.pdf")
    assert (event.actor_username, event.patient_id) == (ada_user.username, ada.public_id)


def test_staff_are_sent_to_their_workspace(web_as, surgeon, listed):
    client = web_as(surgeon)
    answer = client.get("/portal/")
    assert answer.status_code == 302
    assert answer["Location"] == "/staff/"
    assert client.get(url(listed)).status_code == 403  # a patient's own page


def test_the_records_page_links_each_hip_and_its_papers(web_as, ada_user, listed, recovering):
    page = web_as(ada_user).get("/portal/").content.decode()
    assert page.count('data-testid="hip-card"') == 2
    for hip in (listed, recovering):
        assert url(hip) in page
    assert f"/portal/letters/{listed.public_id}/letter.pdf" in page
    assert f"/portal/recovery/{recovering.public_id}/plan.pdf" in page


def test_the_hip_page_costs_the_same_queries_however_many_records(
    web_as, ada_user, recovering, physio, django_assert_max_num_queries
):
    client = web_as(ada_user)
    day = clock.today() - dt.timedelta(days=5)
    for n in range(3):
        review(recovering, physio, day + dt.timedelta(days=n), f"Exercise {n}")
    with CaptureQueriesContext(connection) as three:
        assert client.get(url(recovering)).status_code == 200
    for n in range(3, 9):
        review(recovering, physio, day + dt.timedelta(days=n % 5), f"Exercise {n}")
    with django_assert_max_num_queries(len(three.captured_queries)):
        page = client.get(url(recovering)).content.decode()
    assert "Exercise 8" in page


@pytest.mark.parametrize("state", list(EpisodeState))
def test_the_journey_marks_at_most_one_current_step(state):
    for followed in (True, False):
        steps = journey(state, followed_for_life=followed)
        current = [s for s in steps if s.status is StepStatus.NOW]
        assert len(current) <= 1
        assert ("metal-checks" in [s.code for s in steps]) == (followed and bool(steps))
        if state not in (S.WITHDRAWN, S.CONVERTED, S.DIED, S.COMPLETED):
            assert len(current) == 1
