"""Completed questionnaires through the API: scored, compared with the baseline, refused
when wrong (nothing stored), and entered by clinicians or by the patient for their own hip."""

import datetime as dt

import pytest

from coxa.core import clock
from coxa.outcomes.models import QuestionnaireResponse
from tests.journeys import list_episode

pytestmark = pytest.mark.django_db
ITEMS = ("pain-stairs", "pain-uneven-ground", "rising-from-sitting", "bending-to-floor",
         "lying-in-bed", "sitting")  # fmt: skip


def hoos(*values):
    return dict(zip(ITEMS, values, strict=True))


def post(client, episode, instrument, answers, on):
    return client.post(
        f"/api/v1/episodes/{episode.public_id}/questionnaires/{instrument}/responses",
        {"answers": answers, "completed_on": on.isoformat()},
        content_type="application/json",
    )


@pytest.fixture
def hip(bert, surgeon):
    return list_episode(bert, surgeon)


def test_a_response_is_scored_and_later_ones_compared_with_the_baseline(api_as, nurse, hip):
    client = api_as(nurse)
    today = clock.today()
    first = post(client, hip, "hoos-jr", hoos(2, 2, 2, 2, 2, 2), today)
    assert first.status_code == 201
    body = first.json()
    assert (body["raw"], body["interval_score"], body["baseline"]) == (12, 52.965, True)
    assert body["change_from_baseline"] is None
    later = post(client, hip, "hoos-jr", hoos(1, 1, 1, 1, 0, 0), today).json()
    assert (later["raw"], later["interval_score"]) == (4, 76.776)
    assert later["change_from_baseline"] == {"points": 23.811, "better": True, "important": True}
    listed = client.get(f"/api/v1/episodes/{hip.public_id}/questionnaires").json()
    assert [r["raw"] for r in listed["completed"]] == [12, 4]
    assert [r["point"] for r in listed["completed"]] == ["baseline", "baseline"]


@pytest.mark.parametrize(
    ("instrument", "answers", "field", "code"),
    [
        ("pain-nrs", {"pain": 11}, "answers.pain", "invalid-value"),
        ("pain-nrs", {"pain": "3"}, "answers.pain", "invalid-value"),
        ("hoos-jr", hoos(0, 0, 0, 0, 0, 5), "answers.sitting", "invalid-value"),
        ("hoos-jr", dict.fromkeys(ITEMS[:5], 0), "answers.sitting", "required"),
    ],
)
def test_bad_answers_are_refused_on_their_item_and_nothing_is_stored(
    api_as, nurse, hip, instrument, answers, field, code
):
    refused = post(api_as(nurse), hip, instrument, answers, clock.today())
    assert refused.status_code == 400
    assert (refused.json()["field"], refused.json()["code"]) == (field, code)
    assert not QuestionnaireResponse.objects.exists()


def test_a_future_day_and_an_unknown_questionnaire_are_refused(api_as, nurse, hip):
    client = api_as(nurse)
    future = post(client, hip, "pain-nrs", {"pain": 3}, clock.today() + dt.timedelta(days=1))
    assert (future.status_code, future.json()["field"]) == (400, "completed_on")
    unknown = post(client, hip, "harris-hip", {"pain": 3}, clock.today())
    assert (unknown.status_code, unknown.json()["code"]) == (404, "unknown-instrument")
    assert not QuestionnaireResponse.objects.exists()


def test_who_may_record(api_as, analyst, physio, hip):
    assert post(api_as(analyst), hip, "pain-nrs", {"pain": 3}, clock.today()).status_code == 403
    done = post(api_as(physio), hip, "pain-nrs", {"pain": 3}, clock.today())
    assert done.status_code == 201
    assert done.json()["entered_by_patient"] is False


def test_a_patient_records_their_own_and_never_anothers(api_as, ada_user, ada, surgeon, hip):
    own = list_episode(ada, surgeon)
    client = api_as(ada_user)
    mine = post(client, own, "ucla", {"activity": 6}, clock.today())
    assert (mine.status_code, mine.json()["entered_by_patient"]) == (201, True)
    assert post(client, hip, "ucla", {"activity": 6}, clock.today()).status_code == 404
    assert QuestionnaireResponse.objects.count() == 1
    # Never another day: a backdated answer could replace their own baseline.
    backdated = post(client, own, "ucla", {"activity": 9}, clock.today() - dt.timedelta(days=1))
    assert (backdated.status_code, backdated.json()["field"]) == (400, "completed_on")
    assert QuestionnaireResponse.objects.count() == 1
