"""Follow-up programmes: enrolled at listing, kept current by responses, reviews and the
nightly sweep, closed when the episode ends; responses counted against the right point
(hazards H62 and H63)."""

import datetime as dt
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from coxa.core import clock
from coxa.core.audit import Via
from coxa.core.errors import Forbidden
from coxa.core.models import AuditEvent
from coxa.outcomes.domain.reviews import FindingIn, FollowUpReviewIn
from coxa.outcomes.models import FollowUpProgramme, ProgrammeStatus, QuestionnaireResponse
from coxa.outcomes.services import responses, reviews
from coxa.outcomes.services import schedule as follow_up
from coxa.pathways.models import Episode, EpisodeTransition
from tests.journeys import list_episode

pytestmark = pytest.mark.django_db
THR = "total-hip-replacement"


def operated(episode, days_ago, state="follow-up"):
    """The hip operated ``days_ago`` (state and day set directly: the schedule reads both)."""
    on = clock.today() - dt.timedelta(days=days_ago)
    Episode.objects.filter(pk=episode.pk).update(state=state, operation_on=on, operation_sort_on=on)
    EpisodeTransition.objects.filter(episode=episode).update(
        at=clock.now() - dt.timedelta(days=days_ago + 30)  # listed a month before
    )
    episode.refresh_from_db()
    return episode


def programme(episode):
    return FollowUpProgramme.objects.get(episode=episode)


def post(client, episode, instrument, answers, on, point=None):
    body = {"answers": answers, "completed_on": on.isoformat()}
    if point is not None:
        body["point"] = point
    return client.post(
        f"/api/v1/episodes/{episode.public_id}/questionnaires/{instrument}/responses",
        body,
        content_type="application/json",
    )


@pytest.fixture
def hip(bert, surgeon):
    return list_episode(bert, surgeon, procedure=THR)


def test_the_sweep_enrols_a_listed_hip_with_its_baseline_due_and_is_idempotent(hip):
    out = StringIO()
    call_command("refresh_follow_up", stdout=out)
    assert "Follow-up refreshed for 1 episodes." in out.getvalue()
    enrolled = programme(hip)
    assert (enrolled.status, enrolled.next_point, enrolled.schedule_version) == (
        ProgrammeStatus.ACTIVE,
        "baseline",
        "2026.1",
    )
    assert enrolled.window_opens_on == clock.today()  # listed today
    assert enrolled.status_on(clock.today()).value == "due"
    assert enrolled.overdue_from is None  # the baseline is due until the operation, not late
    # The Oxford score is licensed: never due until the service loads its wording.
    assert enrolled.next_questionnaires == ["hoos-jr", "pain-nrs"]
    records = AuditEvent.objects.filter(action__startswith="follow-up.")
    assert list(records.values_list("action", flat=True)) == ["follow-up.enrol"]
    assert records.get().details["schedule"] == f"{THR}@2026.1"
    follow_up.refresh_all()
    follow_up.refresh(hip)
    assert records.count() == 1  # nothing changed: nothing recorded


def test_the_due_list_and_completed_questionnaires_through_the_api(api_as, nurse, hip):
    hip = operated(hip, 44)
    client = api_as(nurse)
    done = post(client, hip, "pain-nrs", {"pain": 4}, clock.today())
    assert (done.status_code, done.json()["point"]) == (201, "6-weeks")
    body = client.get(f"/api/v1/episodes/{hip.public_id}/questionnaires").json()
    assert [r["point"] for r in body["completed"]] == ["6-weeks"]
    (due,) = body["due"]
    # The questionnaire is answered; the clinic review is still due, two days late.
    assert due["point"] == "6-weeks"
    assert (due["questionnaires"], due["clinic_review"], due["status"]) == ([], True, "overdue")
    assert due["due_on"] == (clock.today() - dt.timedelta(days=2)).isoformat()
    assert due["schedule"] == f"{THR}@2026.1"
    assert programme(hip).missed == ["baseline"]


def test_a_review_held_completes_its_point_and_the_next_one_follows(api_as, nurse, physio, hip):
    hip = operated(hip, 44)
    post(api_as(nurse), hip, "pain-nrs", {"pain": 4}, clock.today())
    # A physiotherapist's review of function is a contact, not the clinic's X-ray review.
    function = reviews.record_review(
        episode=hip, entry=FollowUpReviewIn(seen_on=clock.today(), pain=3), by=physio, via=Via.WEB
    )
    assert programme(hip).completed == []
    assert programme(hip).next_clinic_review
    xray = FollowUpReviewIn(
        seen_on=clock.today(),
        findings={"loosening": FindingIn(result="none"), "osteolysis": FindingIn(result="none")},
    )
    held = reviews.record_review(episode=hip, entry=xray, by=nurse, via=Via.WEB)
    moved = programme(hip)
    assert moved.completed == ["6-weeks"]
    assert (moved.next_point, moved.status_on(clock.today()).value) == ("6-months", "upcoming")
    assert moved.last_contact_on == clock.today()
    assert function.point == held.point == "6-weeks"
    # Struck out (the wrong hip): the point is due again.
    reviews.strike_out_review(
        episode=hip, review_id=held.public_id, reason="Wrong patient", by=nurse, via=Via.WEB
    )
    assert programme(hip).next_point == "6-weeks"


def test_a_discharged_hip_whose_follow_up_resumes_is_followed_again(hip, surgeon):
    hip = operated(hip, 44)
    follow_up.refresh(hip)
    Episode.objects.filter(pk=hip.pk).update(state="completed")
    follow_up.refresh(hip)
    assert (programme(hip).status, programme(hip).ended_reason) == ("ended", "discharged")
    Episode.objects.filter(pk=hip.pk).update(state="follow-up")
    follow_up.refresh(hip)
    assert (programme(hip).status, programme(hip).next_point) == ("active", "6-weeks")
    # A converted hip's programme stays ended whatever happens next.
    Episode.objects.filter(pk=hip.pk).update(state="converted")
    follow_up.refresh(hip)
    Episode.objects.filter(pk=hip.pk).update(state="follow-up")
    follow_up.refresh(hip)
    assert (programme(hip).status, programme(hip).ended_reason) == ("ended", "converted")


@pytest.mark.parametrize(
    ("days_ago", "point", "stored"),
    [
        (0, None, "baseline"),  # on the operation day: the baseline
        (1, None, ""),  # the day after: in no window, never the baseline
        (28, None, "6-weeks"),  # the window's first day
        (64, None, ""),  # the day after it closes
        (44, "6-weeks", "6-weeks"),
    ],
)
def test_a_response_is_counted_against_the_point_its_day_falls_in(
    api_as, nurse, hip, days_ago, point, stored
):
    hip = operated(hip, days_ago)
    answered = post(api_as(nurse), hip, "pain-nrs", {"pain": 2}, clock.today(), point)
    assert (answered.status_code, answered.json()["point"]) == (201, stored)


@pytest.mark.parametrize("point", ["6-months", "baseline", "9-months", "year-2", "x" * 500])
def test_a_point_whose_window_does_not_hold_the_day_is_refused(api_as, nurse, hip, point):
    hip = operated(hip, 44)
    refused = post(api_as(nurse), hip, "pain-nrs", {"pain": 2}, clock.today(), point)
    assert refused.status_code == 400
    assert (refused.json()["code"], refused.json()["field"]) == ("outside-window", "point")
    assert not QuestionnaireResponse.objects.exists()


def test_before_the_operation_every_response_is_the_baseline(nurse, hip):
    stored = responses.record_response(
        episode=hip,
        instrument="pain-nrs",
        answers={"pain": 6},
        completed_on=clock.today(),
        by=nurse,
        via=Via.WEB,
    )
    assert stored.point == "baseline"
    enrolled = programme(hip)  # recording refreshed (and so enrolled) the hip
    assert enrolled.next_point == "baseline"
    assert "pain-nrs" not in enrolled.next_questionnaires


def test_windows_closed_without_contact_are_missed_and_the_hip_is_lost_in_time(hip, settings):
    hip = operated(hip, 70)
    follow_up.refresh(hip)
    moved = programme(hip)
    assert (moved.missed, moved.next_point) == (["baseline", "6-weeks"], "6-months")
    assert moved.lost_on == clock.today() - dt.timedelta(days=70 - 548)
    settings.FOLLOW_UP_LOST_AFTER_DAYS = 60
    follow_up.refresh(hip)
    assert programme(hip).status_on(clock.today()).value == "lost"


def test_close_ends_the_programme_once_and_an_ended_episode_closes_it(hip, surgeon, nurse):
    hip = operated(hip, 44)
    follow_up.refresh(hip)
    ended = follow_up.close(hip, "converted", by=surgeon, via=Via.API)
    assert (ended.status, ended.ended_reason, ended.ended_on) == (
        ProgrammeStatus.ENDED,
        "converted",
        clock.today(),
    )
    assert ended.shows_from is None
    follow_up.close(hip, "died")  # already ended: kept as it ended
    follow_up.refresh(hip)  # the episode is still in follow-up: the sweep does not reopen it
    assert programme(hip).status == ProgrammeStatus.ENDED
    assert programme(hip).ended_reason == "converted"
    assert AuditEvent.objects.filter(action="follow-up.close").count() == 1
    # A discharged hip: the next refresh closes its programme.
    other = operated(list_episode(hip.patient, surgeon, side="right", procedure=THR), 44)
    follow_up.refresh(other)
    Episode.objects.filter(pk=other.pk).update(state="completed")
    other.refresh_from_db()
    follow_up.refresh(other)
    assert (programme(other).status, programme(other).ended_reason) == ("ended", "discharged")


def test_only_outcome_recorders_close_by_hand(hip, analyst):
    follow_up.refresh(hip)
    with pytest.raises(Forbidden):
        follow_up.close(hip, "other", by=analyst, via=Via.WEB)
    with pytest.raises(ValueError, match="unknown reason"):
        follow_up.close(hip, "bored")  # type: ignore[arg-type]


def test_a_resurfaced_hip_is_followed_for_life(bert, surgeon):
    bhr = operated(list_episode(bert, surgeon, procedure="bhr"), 365 * 30 + 8)
    follow_up.refresh(bhr)
    followed = programme(bhr)
    assert followed.status == ProgrammeStatus.ACTIVE
    assert followed.next_point == "year-30"  # thirty years on, its window still open
    assert followed.next_clinic_review


def test_the_scoring_baseline_and_the_schedule_baseline_are_the_same_response(api_as, nurse, hip):
    hip = operated(hip, 1)
    client = api_as(nurse)
    yesterday = clock.today() - dt.timedelta(days=1)
    post(client, hip, "pain-nrs", {"pain": 7}, yesterday - dt.timedelta(days=3))
    post(client, hip, "pain-nrs", {"pain": 6}, yesterday)  # the operation day: the baseline
    post(client, hip, "pain-nrs", {"pain": 5}, clock.today())  # after: never the baseline
    completed = client.get(f"/api/v1/episodes/{hip.public_id}/questionnaires").json()["completed"]
    assert [(r["point"], r["baseline"]) for r in completed] == [
        ("baseline", False),
        ("baseline", True),
        ("", False),
    ]
    assert completed[2]["change_from_baseline"]["points"] == -1  # against the operation day


def test_a_patient_posting_to_anothers_hip_learns_nothing_whatever_the_point(api_as, ada_user, hip):
    refused = post(api_as(ada_user), hip, "pain-nrs", {"pain": 2}, clock.today(), "x" * 500)
    assert refused.status_code == 404


def test_a_licensed_questionnaire_is_due_only_once_the_service_loads_its_wording(hip, admin):
    """A service that holds no Oxford licence would otherwise see every point left open."""
    follow_up.refresh(hip)
    assert "oxford-hip" not in programme(hip).next_questionnaires
    fixture = Path(__file__).parent / "fixtures" / "licensed-oxford-hip.yaml"
    call_command("instruments", "load", str(fixture), "--by", admin.username)
    follow_up.refresh(hip)
    assert programme(hip).next_questionnaires == ["oxford-hip", "hoos-jr", "pain-nrs"]


def test_a_refresh_that_moves_only_the_worklist_columns_moves_the_data_version(hip):
    """Not recorded (nothing a person reads changed), yet the list's rows did (H103)."""
    from coxa.core import versions

    follow_up.refresh(hip)
    stored = programme(hip)
    FollowUpProgramme.objects.filter(pk=stored.pk).update(shows_from=dt.date(2001, 1, 1))
    before, records = versions.data_version(), AuditEvent.objects.count()
    follow_up.refresh(hip)
    assert programme(hip).shows_from == stored.shows_from
    assert AuditEvent.objects.count() == records
    assert versions.data_version() > before
    before = versions.data_version()
    follow_up.refresh(hip)  # nothing changed: nothing moves
    assert versions.data_version() == before
