"""The staff questionnaires page and the portal's: who sees and records what, in plain words."""

import datetime as dt

import pytest

from coxa.core import clock
from coxa.outcomes.models import QuestionnaireResponse
from coxa.pathways.models import Episode
from tests.journeys import list_episode

pytestmark = pytest.mark.django_db
HOOS = ("pain-stairs", "pain-uneven-ground", "rising-from-sitting", "bending-to-floor",
        "lying-in-bed", "sitting")  # fmt: skip
CLINICIANS = ["surgeon", "nurse", "anaesthetist", "physio"]


@pytest.fixture
def hip(bert, surgeon):
    return list_episode(bert, surgeon)


def page(hip):
    return f"/staff/episodes/{hip.public_id}/questionnaires/"


def record(client, hip, values, on, instrument="hoos-jr"):
    data = {item: v for item, v in zip(HOOS, values, strict=True) if v is not None}
    data["completed_on"] = on.isoformat()
    return client.post(f"{page(hip)}{instrument}/", data)


@pytest.mark.parametrize("role", CLINICIANS)
def test_a_clinician_records_one_and_sees_score_change_and_whether_it_matters(
    request, web_as, hip, role
):
    client = web_as(request.getfixturevalue(role))
    today = clock.today()
    form = client.get(f"{page(hip)}hoos-jr/").content.decode()
    assert 'type="radio"' in form
    assert "Moderate" in form
    assert "Pain going up or down stairs" in form
    assert record(client, hip, (2,) * 6, today).status_code == 302
    assert record(client, hip, (1, 1, 1, 1, 0, 0), today).status_code == 302
    html = client.get(page(hip)).content.decode()
    # One decimal on the page (the API keeps the full value).
    assert ">53.0" in html
    assert ">76.8" in html
    assert "52.965" not in html
    assert "76.776" not in html
    assert "Before the operation (the baseline)" in html
    assert "23.8 points: better; a change that matters to patients" in html
    shown = html.split('data-testid="questionnaires"')[1].split("</table>")[0]
    assert '<th scope="col">Follow-up point</th>' in shown
    assert shown.count("<td>Before the operation</td>") == 2  # the point, never its code
    assert "baseline</td>" not in shown
    assert "HOOS JR: hip pain and function" in shown
    assert "hoos-jr" not in shown


def test_the_episode_page_links_to_the_questionnaires(web_as, surgeon, hip):
    html = web_as(surgeon).get(f"/staff/episodes/{hip.public_id}/").content.decode()
    assert page(hip) in html


@pytest.mark.parametrize("role", ["admin"])
def test_staff_who_do_not_record_outcomes_may_read_but_not_record(request, web_as, hip, role):
    client = web_as(request.getfixturevalue(role))
    html = client.get(page(hip)).content.decode()
    assert "No questionnaires have been completed" in html
    assert "Record a questionnaire" not in html
    assert record(client, hip, (1,) * 6, clock.today()).status_code == 403
    assert not QuestionnaireResponse.objects.exists()


@pytest.mark.parametrize("role", ["analyst", "ada_user"])
def test_analysts_and_patients_may_not_open_the_staff_page(request, web_as, hip, role):
    assert web_as(request.getfixturevalue(role)).get(page(hip)).status_code == 403


def test_bad_answers_and_dates_are_shown_beside_their_fields(web_as, nurse, hip):
    client = web_as(nurse)
    response = record(client, hip, (1, 1, 1, 1, 1, None), clock.today() + dt.timedelta(days=1))
    html = response.content.decode()
    assert response.status_code == 400
    assert 'id="id_sitting_error"' in html
    forged = client.post(
        f"{page(hip)}hoos-jr/",
        {**dict.fromkeys(HOOS, 1), "pain-stairs": 7, "completed_on": clock.today().isoformat()},
    )
    assert forged.status_code == 400
    assert 'id="id_pain-stairs_error"' in forged.content.decode()
    future = record(client, hip, (1,) * 6, clock.today() + dt.timedelta(days=1)).content.decode()
    assert 'id="id_completed_on_error"' in future
    assert "cannot be in the future" in future
    assert not QuestionnaireResponse.objects.exists()


def test_a_licensed_instrument_not_loaded_says_so_and_cannot_be_recorded(web_as, nurse, hip):
    client = web_as(nurse)
    assert "it can be given once the service has loaded" in client.get(page(hip)).content.decode()
    form = client.get(f"{page(hip)}oxford-hip/").content.decode()
    assert 'data-testid="not-loaded"' in form
    assert 'type="radio"' not in form
    assert client.get(f"{page(hip)}womac/").status_code == 404


def test_a_fall_after_the_operation_is_flagged_on_the_page_and_in_the_api(
    web_as, api_as, nurse, hip
):
    today = clock.today()
    Episode.objects.filter(pk=hip.pk).update(operation_on=today - dt.timedelta(days=400))
    client = web_as(nurse)
    record(client, hip, (0,) * 6, today - dt.timedelta(days=200))  # 100
    record(client, hip, (2, 2, 1, 1, 1, 1), today)  # raw 8: 64.664, a fall of 35.336
    html = client.get(page(hip)).content.decode()
    assert "Fall in score: please review." in html
    assert "35.3 points worse than the previous score after the operation (100 on" in html
    assert "35.336" not in html  # one decimal on the page; the API keeps the full value
    listed = (
        api_as(nurse).get(f"/api/v1/episodes/{hip.public_id}/questionnaires").json()["completed"]
    )
    assert listed[1]["fall"]["drop"] == pytest.approx(35.336, abs=1e-3)
    assert listed[0]["fall"] is None
    assert listed[1]["fall"]["rule"] == "post-operative-fall"
    assert listed[1]["fall"]["sources"] == ["mhra-mda-2017-018", "mcid-hoos-2024"]


# ------------------------------------------------------------------ the portal
def test_the_patient_answers_for_their_own_hip_and_sees_it_in_plain_words(
    web_as, ada, ada_user, surgeon
):
    hip = list_episode(ada, surgeon)
    client = web_as(ada_user)
    home = client.get("/portal/").content.decode()
    assert f"/portal/questionnaires/{hip.public_id}/" in home
    listing = client.get(f"/portal/questionnaires/{hip.public_id}/").content.decode()
    assert "Oxford Hip Score: not available here yet" in listing
    sent = client.post(f"/portal/questionnaires/{hip.public_id}/pain-nrs/", {"pain": 4})
    assert sent.status_code == 302
    stored = QuestionnaireResponse.objects.get()
    assert stored.entered_by_patient
    assert stored.recorded_by == ada_user
    mine = client.get(f"/portal/questionnaires/{hip.public_id}/").content.decode()
    assert f"Hip pain, 0 to 10: answered {clock.today():%-d %b %Y}, score 4" in mine


def test_a_patient_may_not_answer_for_another_patients_hip(web_as, ada_user, ada, hip):
    client = web_as(ada_user)
    assert client.get(f"/portal/questionnaires/{hip.public_id}/").status_code in (403, 404)
    posted = client.post(f"/portal/questionnaires/{hip.public_id}/pain-nrs/", {"pain": 99})
    assert posted.status_code in (403, 404)  # refused before the answers are read
    assert not QuestionnaireResponse.objects.exists()


def test_a_patients_bad_answer_is_shown_beside_the_question(web_as, ada, ada_user, surgeon):
    hip = list_episode(ada, surgeon)
    response = web_as(ada_user).post(
        f"/portal/questionnaires/{hip.public_id}/pain-nrs/", {"pain": 11}
    )
    assert response.status_code == 400
    assert 'id="id_pain_error"' in response.content.decode()
    assert not QuestionnaireResponse.objects.exists()


@pytest.mark.parametrize("role", CLINICIANS)
def test_staff_are_not_patients_in_the_portal(request, web_as, hip, role):
    response = web_as(request.getfixturevalue(role)).get(f"/portal/questionnaires/{hip.public_id}/")
    assert response.status_code == 403
