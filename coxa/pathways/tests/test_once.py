"""Opening an episode once: the form sent twice, and the API retried with its key."""

import pytest

from coxa.pathways.models import Episode
from tests.concurrency import clients_like, postgres_only, together

OPEN = {"side": "right", "procedure": "bhr"}


def page_of(patient):
    return f"/staff/patients/{patient.public_id}/episodes/new/"


@pytest.mark.django_db
def test_the_open_episode_form_carries_a_one_time_key(web_as, nurse, bert):
    page = web_as(nurse).get(page_of(bert)).content.decode()
    assert page.count('name="submission_key"') == 1


@pytest.mark.django_db
def test_the_form_sent_twice_opens_one_episode_and_leads_to_it(web_as, nurse, bert):
    client = web_as(nurse)
    data = OPEN | {"submission_key": "open-right-hip"}
    first = client.post(page_of(bert), data)
    second = client.post(page_of(bert), data, follow=True)
    episode = Episode.objects.get()
    assert first.url == f"/staff/episodes/{episode.public_id}/"
    assert second.redirect_chain[0][0] == first.url
    assert "already been sent" in second.content.decode()


@pytest.mark.django_db
def test_without_the_key_a_second_sending_is_still_refused_by_the_one_open_episode_rule(
    web_as, nurse, bert
):
    client = web_as(nurse)
    client.post(page_of(bert), OPEN)
    again = client.post(page_of(bert), OPEN)
    assert "already has an open episode" in again.context["form"].errors["side"][0]
    assert Episode.objects.count() == 1


@pytest.mark.django_db
def test_the_api_replays_an_opened_episode_to_its_key(api_as, nurse, bert):
    client = api_as(nurse)
    url = f"/api/v1/patients/{bert.public_id}/episodes"
    sent = [
        client.post(url, OPEN, content_type="application/json", headers={"Idempotency-Key": "o1"})
        for _ in range(2)
    ]
    assert [r.status_code for r in sent] == [201, 201]
    assert sent[0].json()["id"] == sent[1].json()["id"]
    left = client.post(
        url,
        OPEN | {"side": "left"},
        content_type="application/json",
        headers={"Idempotency-Key": "o1"},
    )
    assert (left.status_code, left.json()["code"]) == (409, "idempotency-key-reused")
    assert Episode.objects.count() == 1


@pytest.mark.django_db
def test_roles_that_may_not_open_episodes_are_refused_before_any_key_is_kept(
    api_as, physio, analyst, bert
):
    from coxa.core.models import IdempotencyKey

    for user in (physio, analyst):
        response = api_as(user).post(
            f"/api/v1/patients/{bert.public_id}/episodes",
            OPEN,
            content_type="application/json",
            headers={"Idempotency-Key": "not-yours"},
        )
        assert response.status_code == 403
    assert not IdempotencyKey.objects.exists()
    assert not Episode.objects.exists()


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_one_key_sent_ten_times_at_once_opens_one_episode(api_as, nurse, bert):
    url = f"/api/v1/patients/{bert.public_id}/episodes"
    clients = clients_like(api_as(nurse), 10)
    answers = together(
        10,
        lambda i: clients[i].post(
            url, OPEN, content_type="application/json", headers={"Idempotency-Key": "same"}
        ),
    )
    assert {a.status_code for a in answers} == {201}
    assert len({a.json()["id"] for a in answers}) == 1
    assert Episode.objects.count() == 1
