"""The follow-up worklist (page and API): due, overdue and lost hips by due day, filtered,
paged and audited, costing the same queries for 3 or 30 hips (ADR 0018; hazard H62)."""

import datetime as dt
import itertools

import pytest

from coxa.conftest import details
from coxa.core import clock
from coxa.core.audit import Via
from coxa.core.models import AuditEvent
from coxa.core.pagination import PageRequest
from coxa.outcomes.services import schedule as follow_up
from coxa.outcomes.tests.test_follow_up import operated
from coxa.outcomes.worklist import FollowUpQuery, list_follow_up_worklist
from coxa.patients import services as patients
from tests.journeys import list_episode

pytestmark = pytest.mark.django_db

URL = "/staff/worklists/follow-up/"
API = "/api/v1/follow-up"
NUMBERS = itertools.count()


# A page of rows read in two parts (active, finished) and then whole, and a capped count;
# the read's audit record (the chain's head, the record, the head moved on). The page adds
# the session, its user and their second factor.
QUERIES_PER_LIST = 4 + 3
QUERIES_PER_PAGE = QUERIES_PER_LIST + 3


def hips(nurse, surgeon, count, *, days_ago=44, procedure="bhr"):
    """``count`` hips operated ``days_ago``, each refreshed (the nightly sweep's work)."""
    made = []
    for n in range(count):
        number = next(NUMBERS)
        patient = patients.register_patient(
            details=details(
                given_name=f"P{number:02d}", nhs_number="", hospital_number=f"F{number:06d}"
            ),
            by=nurse,
            via=Via.WEB,
        )
        # Days apart, all within the window of the same point (6 weeks: days 28 to 63).
        episode = operated(list_episode(patient, surgeon, procedure=procedure), days_ago + n % 15)
        follow_up.refresh(episode)
        made.append(episode)
    return made


@pytest.mark.parametrize("count", [3, 30])
def test_the_page_and_the_list_cost_the_same_queries_for_3_or_30_hips(
    count, nurse, surgeon, web_as, django_assert_max_num_queries
):
    hips(nurse, surgeon, count)
    client = web_as(nurse)
    client.get(URL)  # the session's first request stamps it
    with django_assert_max_num_queries(QUERIES_PER_PAGE):
        page = client.get(URL).content.decode()
    with django_assert_max_num_queries(QUERIES_PER_LIST):
        listed = list_follow_up_worklist(
            actor=nurse, query=FollowUpQuery(), page=PageRequest(1, 50), via=Via.WEB
        )
    assert (listed.count, len(listed.rows), listed.capped) == (count, count, False)
    assert page.count("<tr>\n      <td><a") == count


def test_rows_by_due_day_with_what_is_due_in_plain_words(nurse, surgeon, web_as):
    later, late = hips(nurse, surgeon, 2, days_ago=44)  # 6 weeks: due 2 and 3 days ago
    page = web_as(nurse).get(URL).content.decode()
    # The earlier due day first.
    assert page.index(str(late.public_id)) < page.index(str(later.public_id))
    assert "Six weeks" in page
    assert "Hip pain, 0 to 10, Clinic review" in page
    due_on = clock.today() - dt.timedelta(days=2)
    assert f"{due_on.day} {due_on:%b %Y}" in page  # "28 Nov 2026", never ISO
    assert "Overdue" in page
    assert "6-weeks" not in page  # no raw codes
    assert "pain-nrs" not in page


def test_filters_by_status_procedure_and_what_is_due(nurse, surgeon, api_as, settings):
    (soon,) = hips(nurse, surgeon, 1, days_ago=30)  # 6 weeks due in 12 days: window open
    (late,) = hips(nurse, surgeon, 1, days_ago=50, procedure="total-hip-replacement")
    (gone,) = hips(nurse, surgeon, 1, days_ago=800)
    (quiet,) = hips(nurse, surgeon, 1, days_ago=100)  # 6 months: window not open yet
    client = api_as(nurse)

    def shown(**filters):
        body = client.get(API, filters).json()
        return {row["episode_id"] for row in body["items"]}, body

    ids = {h: str(h.public_id) for h in (soon, late, gone, quiet)}
    everything, body = shown()
    assert everything == {ids[soon], ids[late], ids[gone]}  # never the quiet hip
    assert body["count"] == 3
    assert shown(status="due")[0] == {ids[soon]}
    assert shown(status="overdue")[0] == {ids[late]}
    assert shown(status="lost")[0] == {ids[gone]}
    assert shown(procedure="total-hip-replacement")[0] == {ids[late]}
    assert shown(due="clinic-review")[0] == {ids[soon], ids[late], ids[gone]}
    row = next(r for r in body["items"] if r["episode_id"] == ids[gone])
    assert (row["status"], row["schedule"]) == ("lost", "bhr@2026.1")
    assert row["last_contact_on"] == (clock.today() - dt.timedelta(days=800)).isoformat()


@pytest.mark.parametrize(
    ("query", "field", "code"),
    [
        ("status=late", "status", "invalid-value"),
        ("procedure=knee", "procedure", "unknown-procedure"),
        ("due=letters", "due", "invalid-value"),
    ],
)
def test_bad_filters_are_refused_on_the_page_and_in_the_api(
    nurse, web_as, api_as, query, field, code
):
    page = web_as(nurse).get(f"{URL}?{query}")
    assert page.status_code == 400
    assert "There is a problem" in page.content.decode()
    refused = api_as(nurse).get(f"{API}?{query}")
    assert (refused.status_code, refused.json()["field"], refused.json()["code"]) == (
        400,
        field,
        code,
    )


def test_every_read_is_audited_naming_the_hips_shown(nurse, surgeon, api_as):
    made = hips(nurse, surgeon, 2)
    api_as(nurse).get(API, {"status": "overdue"})
    record = AuditEvent.objects.get(action="worklist.follow-up.list")
    assert set(record.details["shown"]) == {str(e.public_id) for e in made}
    assert record.details["filters"] == {"status": "overdue"}


def test_an_ended_programme_or_a_discharged_hip_leaves_the_list(nurse, surgeon, api_as):
    converted, discharged = hips(nurse, surgeon, 2)
    follow_up.close(converted, "converted")
    type(discharged).objects.filter(pk=discharged.pk).update(state="completed")
    assert api_as(nurse).get(API).json()["items"] == []  # before the sweep closes it too


def test_who_may_see_it(nurse, physio, analyst, ada_user, web_as, api_as):
    assert web_as(physio).get(URL).status_code == 200
    assert web_as(analyst).get(URL).status_code == 403
    assert api_as(ada_user).get(API).status_code == 403
    assert api_as(nurse).get(API).status_code == 200
    assert 'href="/staff/worklists/follow-up/"' in web_as(nurse).get("/staff/").content.decode()
