"""What is due, where clinicians and patients look; a fall in score on the follow-up worklist
(hazards H62 and H65): the staff questionnaires page, the portal, the link and review forms,
and the worklist's fall filter, row and API field."""

import dataclasses
import datetime as dt
import importlib

import pytest
from django.db import connection

from coxa.core import clock
from coxa.core.audit import Via
from coxa.core.models import AuditEvent
from coxa.core.pagination import PageRequest
from coxa.outcomes.domain.reviews import FollowUpReviewIn
from coxa.outcomes.models import FollowUpProgramme, QuestionnaireLink, QuestionnaireResponse
from coxa.outcomes.services import responses, reviews
from coxa.outcomes.services import schedule as follow_up
from coxa.outcomes.tests.test_follow_up import operated
from coxa.outcomes.tests.test_follow_up_worklist import QUERIES_PER_LIST, QUERIES_PER_PAGE, hips
from coxa.outcomes.worklist import FollowUpQuery, list_follow_up_worklist
from tests.journeys import list_episode

pytestmark = pytest.mark.django_db

CLINICIANS = ["surgeon", "nurse", "anaesthetist", "physio"]
WORKLIST = "/staff/worklists/follow-up/"
API = "/api/v1/follow-up"
DAY = dt.timedelta(days=1)


def page(hip):
    return f"/staff/episodes/{hip.public_id}/questionnaires/"


def programme(hip):
    return FollowUpProgramme.objects.get(episode=hip)


def pain(hip, user, score, on):
    return responses.record_response(
        episode=hip,
        instrument="pain-nrs",
        answers={"pain": score},
        completed_on=on,
        by=user,
        via=Via.WEB,
    )


def fallen(hip, surgeon, *, days_ago=44):
    """A hip operated ``days_ago`` whose pain went from 1 to 6 (a fall in score, flagged)."""
    hip = operated(hip, days_ago)
    pain(hip, surgeon, 1, clock.today() - 14 * DAY)
    worse = pain(hip, surgeon, 6, clock.today())
    assert worse.fall is not None
    return hip


@pytest.fixture
def hip(bert, surgeon):
    return list_episode(bert, surgeon)


def due_section(html):
    return html.split('id="due-h"')[1].split("</section>")[0]


# --- 1. what is due, on the staff page and the portal ------------------------------------


@pytest.mark.parametrize("role", CLINICIANS)
def test_the_staff_page_shows_first_what_is_due_in_words(request, web_as, hip, role):
    hip = operated(hip, 44)  # six weeks (day 42, window days 28 to 63): overdue
    follow_up.refresh(hip)
    html = web_as(request.getfixturevalue(role)).get(page(hip)).content.decode()
    assert html.index('id="due-h"') < html.index('id="done-h"')
    due = due_section(html)
    op = hip.operation_on
    assert "<strong>Six weeks</strong>" in due
    assert "Overdue" in due
    assert "Questionnaires still to answer: Hip pain, 0 to 10" in due
    assert "A clinic review too" in due
    assert f"Due on {op + 42 * DAY:%-d %b %Y}" in due
    assert f"from {op + 28 * DAY:%-d %b %Y} to {op + 63 * DAY:%-d %b %Y}" in due
    assert "6-weeks" not in due
    assert "pain-nrs" not in due


def test_an_upcoming_point_and_a_hip_with_nothing_due(web_as, surgeon, hip):
    client = web_as(surgeon)
    assert (
        "Nothing is due on this hip's follow-up schedule now"
        in client.get(page(hip)).content.decode()
    )  # no programme yet
    hip = operated(hip, 10)
    follow_up.refresh(hip)
    due = due_section(client.get(page(hip)).content.decode())
    assert "<strong>Six weeks</strong>" in due
    assert "Upcoming" in due


def test_the_page_is_refused_to_roles_without_access(web_as, analyst, ada_user, hip):
    hip = operated(hip, 44)
    follow_up.refresh(hip)
    for user in (analyst, ada_user):
        response = web_as(user).get(page(hip))
        assert response.status_code in (403, 404)
        assert "Six weeks" not in response.content.decode()


def test_an_administrator_reads_what_is_due_but_is_offered_no_link(web_as, admin, hip):
    hip = operated(hip, 44)
    follow_up.refresh(hip)
    html = web_as(admin).get(page(hip)).content.decode()
    assert "<strong>Six weeks</strong>" in due_section(html)
    assert 'data-testid="issue-link"' not in html


def test_the_patient_is_offered_first_what_is_due_now(web_as, ada, ada_user, surgeon):
    hip = operated(list_episode(ada, surgeon), 44)
    follow_up.refresh(hip)
    html = web_as(ada_user).get(f"/portal/questionnaires/{hip.public_id}/").content.decode()
    due = html.split('data-testid="due-now"')[1].split("</ul>")[0]
    assert "Hip pain, 0 to 10" in due
    assert "Oxford" not in due  # not due at six weeks: offered below, not first
    assert f"Please answer them by {hip.operation_on + 63 * DAY:%-d %b %Y}" in html
    assert html.index('data-testid="due-now"') < html.index('id="todo-h"')
    assert "pain-nrs</" not in html
    assert "6-weeks" not in html


def test_the_patient_is_told_when_the_next_ones_are_due(web_as, ada, ada_user, surgeon):
    hip = operated(list_episode(ada, surgeon), 100)  # six weeks missed; six months upcoming
    pain(hip, surgeon, 2, clock.today() - 60 * DAY)
    follow_up.refresh(hip)
    assert programme(hip).next_point == "6-months"
    html = web_as(ada_user).get(f"/portal/questionnaires/{hip.public_id}/").content.decode()
    assert 'data-testid="due-now"' not in html
    opens = hip.operation_on + (182 - 28) * DAY
    assert f"are due on {hip.operation_on + 182 * DAY:%-d %b %Y}" in html
    assert f"You can answer them from {opens:%-d %b %Y}" in html


def test_another_patient_sees_nothing_of_the_hip(web_as, bert, ada_user, surgeon):
    hip = operated(list_episode(bert, surgeon), 44)
    follow_up.refresh(hip)
    response = web_as(ada_user).get(f"/portal/questionnaires/{hip.public_id}/")
    assert response.status_code in (403, 404)
    assert "Six weeks" not in response.content.decode()


# --- 2. no typed point: the link names the programme's next point --------------------------


def test_the_link_form_preselects_what_is_due_and_asks_no_point(web_as, nurse, hip):
    hip = operated(hip, 44)
    follow_up.refresh(hip)
    html = web_as(nurse).get(page(hip)).content.decode()
    form = html.split('data-testid="issue-link"')[1].split("</form>")[0]
    assert 'name="schedule_point"' not in form
    checked = [part.split('value="')[1].split('"')[0] for part in form.split("<input")[1:]
               if "checked" in part.split(">")[0]]  # fmt: skip
    assert checked == ["pain-nrs"]


def test_a_link_stores_the_next_point_not_what_is_typed(web_as, nurse, hip):
    hip = operated(hip, 44)
    follow_up.refresh(hip)
    client = web_as(nurse)
    posted = {"instruments": ["pain-nrs"], "schedule_point": "1-year"}
    assert client.post(f"{page(hip)}links/", posted).status_code == 200
    assert QuestionnaireLink.objects.get().schedule_point == "6-weeks"
    assert "(for the six weeks questionnaires)" in client.get(page(hip)).content.decode()


def test_a_link_for_a_hip_not_enrolled_names_no_point(web_as, nurse, hip):
    assert (
        web_as(nurse).post(f"{page(hip)}links/", {"instruments": ["pain-nrs"]}).status_code == 200
    )
    assert QuestionnaireLink.objects.get().schedule_point == ""


def test_the_review_form_asks_no_point_and_a_review_answers_its_days_window(web_as, surgeon, hip):
    hip = operated(hip, 44)
    html = web_as(surgeon).get(f"/staff/episodes/{hip.public_id}/reviews/").content.decode()
    assert 'name="point"' not in html
    review = reviews.record_review(
        episode=hip, entry=FollowUpReviewIn(seen_on=clock.today(), pain=2), by=surgeon, via=Via.WEB
    )
    assert review.point == "6-weeks"
    html = web_as(surgeon).get(f"/staff/episodes/{hip.public_id}/reviews/").content.decode()
    assert "(six weeks)" in html
    assert "(6-weeks)" not in html


# --- 3. a fall in score on the worklist ----------------------------------------------------


def test_a_flagged_fall_is_stored_and_listed_with_its_day(web_as, api_as, nurse, surgeon, hip):
    hip = fallen(hip, surgeon)
    assert programme(hip).fall_on == clock.today()
    assert AuditEvent.objects.filter(action="follow-up.refresh").last().details["fall_on"] == str(
        clock.today()
    )
    html = web_as(nurse).get(WORKLIST, {"status": "fall"}).content.decode()
    assert f"Fall in score on {clock.today():%-d %b %Y}: please review" in html
    assert page(hip) in html
    rows = api_as(nurse).get(API, {"status": "fall"}).json()["items"]
    assert [(r["episode_id"], r["fall_on"]) for r in rows] == [
        (str(hip.public_id), clock.today().isoformat())
    ]


def test_the_fall_filter_leaves_out_hips_without_one(api_as, nurse, surgeon, hip):
    hips(nurse, surgeon, 2)  # due, no fall
    fallen(hip, surgeon)
    everything = api_as(nurse).get(API).json()
    assert everything["count"] == 3
    assert sum(1 for r in everything["items"] if r["fall_on"]) == 1
    assert api_as(nurse).get(API, {"status": "fall"}).json()["count"] == 1


def test_a_hip_with_a_fall_is_listed_even_when_nothing_else_is_due(api_as, nurse, surgeon, hip):
    hip = operated(hip, 20)  # the six-week window opens on day 28: nothing due yet
    pain(hip, surgeon, 1, clock.today() - 10 * DAY)
    assert pain(hip, surgeon, 6, clock.today()).fall is not None
    rows = api_as(nurse).get(API).json()["items"]
    assert [(r["episode_id"], r["status"], r["fall_on"]) for r in rows] == [
        (str(hip.public_id), "", clock.today().isoformat())
    ]
    for status in ("due", "overdue", "lost"):
        assert api_as(nurse).get(API, {"status": status}).json()["count"] == 0


def test_a_fall_with_nothing_else_ahead_is_ordered_by_its_day(
    api_as, nurse, surgeon, hip, monkeypatch
):
    """Every listed row has its sort day (the lists walk the index past rows with none)."""
    hip = fallen(hip, surgeon)
    real = follow_up.standing

    def nothing_ahead(*args, **kwargs):  # the schedule behind it: finished, not lost
        return dataclasses.replace(real(*args, **kwargs), next=None, finished=True, lost_on=None)

    monkeypatch.setattr(follow_up, "standing", nothing_ahead)
    follow_up.refresh(hip, by=surgeon, via=Via.WEB)
    stored = programme(hip)
    assert (stored.status, stored.next_due_on, stored.sort_on) == (
        "finished",
        None,
        clock.today(),
    )
    rows = api_as(nurse).get(API, {"due": "clinic-review"}).json()["items"]
    assert [(r["episode_id"], r["fall_on"]) for r in rows] == [
        (str(hip.public_id), clock.today().isoformat())
    ]


def test_the_migration_gives_a_row_listed_for_a_fall_its_sort_day(surgeon, hip):
    hip = fallen(hip, surgeon)
    FollowUpProgramme.objects.update(sort_on=None)
    migration = importlib.import_module("coxa.outcomes.migrations.0009_sort_on_fall")
    with connection.cursor() as cursor:
        cursor.execute(migration.FILL)
    assert programme(hip).sort_on == clock.today()


def test_a_clinic_review_after_the_fall_takes_it_off(api_as, nurse, surgeon, hip):
    hip = fallen(hip, surgeon)
    reviews.record_review(
        episode=hip, entry=FollowUpReviewIn(seen_on=clock.today(), pain=5), by=surgeon, via=Via.WEB
    )
    assert programme(hip).fall_on is None
    assert api_as(nurse).get(API, {"status": "fall"}).json()["count"] == 0


def test_a_review_before_the_fall_does_not_take_it_off(surgeon, hip):
    hip = operated(hip, 44)
    pain(hip, surgeon, 1, clock.today() - 14 * DAY)
    reviews.record_review(
        episode=hip,
        entry=FollowUpReviewIn(seen_on=clock.today() - 5 * DAY, pain=1),
        by=surgeon,
        via=Via.WEB,
    )
    pain(hip, surgeon, 6, clock.today())
    assert programme(hip).fall_on == clock.today()


def test_a_struck_out_fall_counts_for_nothing(api_as, nurse, surgeon, hip):
    hip = fallen(hip, surgeon)
    worse = QuestionnaireResponse.objects.get(episode=hip, completed_on=clock.today())
    responses.strike_out_response(
        episode=hip, response_id=worse.public_id, reason="the wrong hip", by=surgeon, via=Via.WEB
    )
    assert programme(hip).fall_on is None
    assert api_as(nurse).get(API, {"status": "fall"}).json()["count"] == 0


def test_an_ended_programme_carries_no_fall(surgeon, hip):
    hip = fallen(hip, surgeon)
    follow_up.close(hip, "withdrawn", by=surgeon, via=Via.WEB)
    assert programme(hip).fall_on is None


@pytest.mark.parametrize("count", [3, 30])
def test_hips_with_falls_cost_the_same_queries_for_3_or_30(
    count, nurse, surgeon, web_as, django_assert_max_num_queries
):
    made = hips(nurse, surgeon, count, days_ago=10)  # nothing due yet: listed for their falls
    FollowUpProgramme.objects.update(fall_on=clock.today())
    client = web_as(nurse)
    client.get(WORKLIST)
    with django_assert_max_num_queries(QUERIES_PER_PAGE):
        html = client.get(WORKLIST, {"status": "fall"}).content.decode()
    with django_assert_max_num_queries(QUERIES_PER_LIST):
        listed = list_follow_up_worklist(
            actor=nurse, query=FollowUpQuery(status="fall"), page=PageRequest(1, 50), via=Via.WEB
        )
    assert listed.count == len(made) == count
    assert html.count('data-testid="fall"') == count


def test_roles_that_may_not_see_the_worklist(web_as, api_as, analyst, ada_user):
    assert web_as(analyst).get(WORKLIST, {"status": "fall"}).status_code == 403
    assert api_as(ada_user).get(API, {"status": "fall"}).status_code == 403
    user = analyst
    assert web_as(user).get(WORKLIST, {"status": "fall"}).status_code == 403
    assert api_as(user).get(API, {"status": "fall"}).status_code == 403
