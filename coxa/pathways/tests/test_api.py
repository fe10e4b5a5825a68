"""The API contract of issue 2: shapes, statuses and the error body."""

import datetime as dt
import uuid

import pytest

from coxa.core import clock
from coxa.core.models import AuditEvent
from coxa.pathways.models import Episode
from coxa.patients.models import Patient
from tests.journeys import walk_to

pytestmark = pytest.mark.django_db

NEW_PATIENT = {
    "given_name": "Cara",
    "family_name": "Nwosu",
    "date_of_birth": "1979-02-03",
    "sex": "female",
    "nhs_number": "401 023 2137",
    "hospital_number": "H555",
}


def post(client, url, body):
    return client.post(url, body, content_type="application/json")


def assert_error(response, status, code, field):
    assert response.status_code == status, response.content
    body = response.json()
    assert (body["code"], body["field"]) == (code, field)
    assert body["message"]


@pytest.fixture
def nurse_api(api_as, nurse):
    return api_as(nurse)


def test_a_token_is_issued_for_good_credentials_only(client, nurse):
    good = post(
        client, "/api/v1/auth/token", {"username": "nia", "password": "a-long-test-password"}
    )
    assert good.status_code == 200
    assert good.json()["token"].startswith("coxa_")
    bad = post(client, "/api/v1/auth/token", {"username": "nia", "password": "wrong"})
    assert_error(bad, 401, "invalid-credentials", "password")


def test_requests_without_credentials_are_refused(client):
    assert_error(client.get("/api/v1/patients?q=x"), 401, "not-authenticated", None)
    bogus = client.get("/api/v1/patients", headers={"Authorization": "Bearer coxa_nope"})
    assert bogus.status_code == 401


def test_the_session_of_a_signed_in_browser_also_works(web_as, nurse, bert):
    response = web_as(nurse).get(f"/api/v1/patients/{bert.public_id}")
    assert response.status_code == 200


def test_create_read_and_search_a_patient(nurse_api):
    created = post(nurse_api, "/api/v1/patients", NEW_PATIENT)
    assert created.status_code == 201
    body = created.json()
    assert body["nhs_number"] == "4010232137"
    patient_id = uuid.UUID(body["id"])
    read = nurse_api.get(f"/api/v1/patients/{patient_id}")
    assert read.json()["family_name"] == "Nwosu"
    found = nurse_api.get("/api/v1/patients?q=nwo").json()
    assert (found["count"], found["items"][0]["id"]) == (1, str(patient_id))


@pytest.mark.parametrize(
    ("change", "status", "code", "field"),
    [
        ({"nhs_number": "401 023 2138"}, 400, "invalid-nhs-number", "nhs_number"),
        ({"date_of_birth": "2999-01-01"}, 400, "date-in-future", "date_of_birth"),
        ({"date_of_birth": "1979-02-30"}, 400, "invalid-value", "date_of_birth"),
        ({"sex": "bloke"}, 400, "unknown-sex", "sex"),
        ({"given_name": ""}, 400, "required", "given_name"),
        ({"favourite_colour": "blue"}, 400, "unknown-field", "favourite_colour"),
    ],
)
def test_bad_patients_are_refused_naming_the_field(nurse_api, change, status, code, field):
    response = post(nurse_api, "/api/v1/patients", NEW_PATIENT | change)
    assert_error(response, status, code, field)
    assert not Patient.objects.exists()


def test_a_duplicate_nhs_number_is_a_conflict(nurse_api):
    post(nurse_api, "/api/v1/patients", NEW_PATIENT)
    again = post(nurse_api, "/api/v1/patients", NEW_PATIENT | {"hospital_number": "H556"})
    assert_error(again, 409, "duplicate-nhs-number", "nhs_number")
    assert Patient.objects.count() == 1


def test_several_problems_are_listed_together(nurse_api):
    response = post(nurse_api, "/api/v1/patients", NEW_PATIENT | {"sex": "?", "email": "x"})
    assert {e["field"] for e in response.json()["errors"]} == {"sex", "email"}


def test_a_patients_details_can_be_corrected_with_a_reason(nurse_api, bert):
    body = NEW_PATIENT | {
        "given_name": "Bertram",
        "nhs_number": "9434765919",
        "hospital_number": "H100200",
        "reason": "Full name on passport",
    }
    response = nurse_api.put(
        f"/api/v1/patients/{bert.public_id}", body, content_type="application/json"
    )
    assert response.json()["given_name"] == "Bertram"
    assert AuditEvent.objects.get(action="patient.update").reason == "Full name on passport"


def test_episodes_open_list_read_and_move(nurse_api, api_as, surgeon, bert):
    url = f"/api/v1/patients/{bert.public_id}/episodes"
    left = post(nurse_api, url, {"side": "left", "procedure": "bhr"})
    right = post(nurse_api, url, {"side": "right", "procedure": "core-decompression"})
    assert (left.status_code, right.status_code) == (201, 201)
    episode_id = left.json()["id"]
    read = nurse_api.get(f"/api/v1/episodes/{episode_id}").json()
    assert {k: read[k] for k in ("id", "side", "procedure", "state")} == {
        "id": episode_id,
        "side": "left",
        "procedure": "bhr",
        "state": "referred",
    }
    assert read["allowed_transitions"] == ["assessed", "withdrawn"]
    moved = post(
        api_as(surgeon),
        f"/api/v1/episodes/{episode_id}/transitions",
        {"to": "assessed", "reason": "Seen in clinic"},
    )
    assert moved.json()["episode"]["state"] == "assessed"
    history = nurse_api.get(f"/api/v1/episodes/{episode_id}/transitions").json()
    assert [(h["from_state"], h["to_state"], h["by"]) for h in history] == [
        ("", "referred", "nia"),
        ("referred", "assessed", "sam"),
    ]
    listed = nurse_api.get("/api/v1/episodes?state=assessed&side=left&procedure=bhr").json()
    assert [e["id"] for e in listed["items"]] == [episode_id]
    assert len(nurse_api.get(url).json()) == 2


def test_unknown_side_is_refused(nurse_api, bert):
    response = post(
        nurse_api,
        f"/api/v1/patients/{bert.public_id}/episodes",
        {"side": "both", "procedure": "bhr"},
    )
    assert_error(response, 400, "unknown-side", "side")
    assert not Episode.objects.exists()


def test_an_illegal_transition_is_a_conflict(nurse_api, bert):
    episode = post(
        nurse_api,
        f"/api/v1/patients/{bert.public_id}/episodes",
        {"side": "left", "procedure": "bhr"},
    ).json()
    response = post(nurse_api, f"/api/v1/episodes/{episode['id']}/transitions", {"to": "operated"})
    assert_error(response, 409, "illegal-transition", "to")
    assert Episode.objects.get().state == "referred"


def test_the_api_refuses_every_step_owned_move_to_every_role(api_as, physio, nurse, surgeon, bert):
    # Issue 10: POST .../transitions took a physiotherapist's hip from listed to recovering.
    episode = walk_to("listed", patient=bert, by=surgeon, listed_on=clock.today())
    # Issue 11: a physiotherapist only ends rehabilitation; other moves by hand are refused.
    refused = post(
        api_as(physio),
        f"/api/v1/episodes/{episode.public_id}/transitions",
        {"to": "withdrawn", "reason": "Patient moved away"},
    )
    assert refused.status_code == 403
    assert refused.json()["field"] == "to"
    for user in (nurse, surgeon):
        for state in ("optimising", "ready", "scheduled", "operated", "recovering"):
            response = post(
                api_as(user), f"/api/v1/episodes/{episode.public_id}/transitions", {"to": state}
            )
            assert response.status_code == 409, (user.role, state)
            assert response.json()["code"] in ("own-step", "illegal-transition")
    assert Episode.objects.get(pk=episode.pk).state == "listed"


@pytest.mark.parametrize(("target", "where"), [("converted", "conversion"), ("died", "death")])
def test_conversion_and_death_are_not_moves_by_hand(api_as, surgeon, bert, target, where):
    # Issue 14: each is reached only through its record, which the refusal names.
    api = api_as(surgeon)
    walked = walk_to(
        "recovering", patient=bert, by=surgeon, listed_on=clock.today() - dt.timedelta(days=40)
    )
    refused = post(
        api,
        f"/api/v1/episodes/{walked.public_id}/transitions",
        {"to": target, "reason": "Pseudotumour on MARS MRI"},
    )
    assert (refused.status_code, refused.json()["code"]) == (409, "own-step")
    assert f"record the {where}" in refused.json()["message"]
    assert (
        target not in api.get(f"/api/v1/episodes/{walked.public_id}").json()["allowed_transitions"]
    )
    assert Episode.objects.get(pk=walked.pk).state == "recovering"


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("state=cured", "state"),
        ("side=up", "side"),
        ("procedure=knee", "procedure"),
        ("page=0", "page"),
        ("page_size=1000", "page_size"),
    ],
)
def test_bad_list_filters_are_refused(nurse_api, query, field):
    assert_error(
        nurse_api.get(f"/api/v1/episodes?{query}"),
        400,
        nurse_api.get(f"/api/v1/episodes?{query}").json()["code"],
        field,
    )


def test_episode_lists_are_paginated(nurse_api, nurse, bert, ada):
    for patient in (bert, ada):
        for side in ("left", "right"):
            post(
                nurse_api,
                f"/api/v1/patients/{patient.public_id}/episodes",
                {"side": side, "procedure": "bhr"},
            )
    page = nurse_api.get("/api/v1/episodes?page=2&page_size=3").json()
    assert (page["count"], len(page["items"]), page["has_next"]) == (4, 1, False)
    assert page["count_capped"] is False


def test_the_episode_count_stops_at_the_cap_page_and_api_say_so(
    nurse_api, nurse, web_as, bert, ada, monkeypatch
):
    from coxa.core import worklists

    for patient in (bert, ada):
        for side in ("left", "right"):
            post(
                nurse_api,
                f"/api/v1/patients/{patient.public_id}/episodes",
                {"side": side, "procedure": "bhr"},
            )
    monkeypatch.setattr(worklists, "COUNT_CAP", 2)
    page = nurse_api.get("/api/v1/episodes?page_size=2").json()
    assert (page["count"], page["count_capped"], page["has_next"]) == (3, True, True)
    shown = web_as(nurse).get("/staff/episodes/?page=2").content.decode()
    assert "or more episodes" in shown


def test_a_patient_reads_only_their_own_records(api_as, ada_user, ada, bert, nurse):
    api = api_as(ada_user)
    assert api.get(f"/api/v1/patients/{ada.public_id}").status_code == 200
    # Another patient's record is answered as one that does not exist (issue 12).
    assert_error(api.get(f"/api/v1/patients/{bert.public_id}"), 404, "not-found", None)
    assert api.get("/api/v1/patients?q=okafor").status_code == 403
    post(
        api_as(nurse),
        f"/api/v1/patients/{bert.public_id}/episodes",
        {"side": "left", "procedure": "bhr"},
    )
    bert_episode = Episode.objects.get(patient=bert)
    assert api.get(f"/api/v1/episodes/{bert_episode.public_id}").status_code == 404
    # Issue 11: the episode list, the timeline and clinical detail are staff pages' data.
    assert api.get("/api/v1/episodes").status_code == 403
    assert api.get(f"/api/v1/patients/{ada.public_id}/timeline").status_code == 403


def test_analysts_see_no_single_patients_records(api_as, analyst, nurse, bert):
    # Issue 11: analysts read entries, readiness and transitions of any hip; now they see
    # pseudonymised aggregates (analytics) only.
    post(
        api_as(nurse),
        f"/api/v1/patients/{bert.public_id}/episodes",
        {"side": "left", "procedure": "bhr"},
    )
    episode = Episode.objects.get(patient=bert)
    api = api_as(analyst)
    for path in ("", "/entries", "/readiness", "/decisions", "/transitions"):
        assert api.get(f"/api/v1/episodes/{episode.public_id}{path}").status_code == 403, path
    assert api.get("/api/v1/episodes").status_code == 403
    assert api.get(f"/api/v1/patients/{bert.public_id}").status_code == 403


def test_the_timeline_lists_changes_not_reads(nurse_api, bert):
    post(
        nurse_api,
        f"/api/v1/patients/{bert.public_id}/episodes",
        {"side": "left", "procedure": "bhr"},
    )
    nurse_api.get(f"/api/v1/patients/{bert.public_id}")
    actions = [
        e["action"] for e in nurse_api.get(f"/api/v1/patients/{bert.public_id}/timeline").json()
    ]
    assert actions == ["episode.create", "patient.create"]


def test_unknown_ids_are_not_found(nurse_api):
    assert_error(nurse_api.get(f"/api/v1/episodes/{uuid.uuid4()}"), 404, "not-found", None)
    assert nurse_api.get("/api/v1/episodes/12").status_code == 400


def test_me_says_who_and_what_role(nurse_api):
    assert nurse_api.get("/api/v1/auth/me").json()["role"] == "nurse"


def test_the_episode_list_takes_the_same_queries_however_many_episodes(nurse_api, nurse, bert, ada):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert nurse_api.get("/api/v1/episodes?page_size=100").status_code == 200
        return len(captured)

    post(
        nurse_api,
        f"/api/v1/patients/{bert.public_id}/episodes",
        {"side": "left", "procedure": "bhr"},
    )
    few = queries()
    for patient in (bert, ada):
        for side in ("left", "right"):
            if not Episode.objects.filter(patient=patient, side=side).exists():
                post(
                    nurse_api,
                    f"/api/v1/patients/{patient.public_id}/episodes",
                    {"side": side, "procedure": "core-decompression"},
                )
    assert Episode.objects.count() == 4
    assert queries() == few
