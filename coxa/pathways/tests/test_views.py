"""The staff pages: find, register, open the chart, open and move episodes."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from coxa.core.audit import Via
from coxa.core.models import AuditEvent
from coxa.pathways import services
from coxa.pathways.models import Episode
from coxa.patients.models import Patient

pytestmark = pytest.mark.django_db


def test_signing_in_sends_staff_to_the_workspace_and_patients_to_the_portal(client, nurse, ada):
    for username, target in (("nia", "/staff/"), ("ada", "/portal/")):
        client.logout()
        response = client.post(
            "/accounts/login/",
            {"username": username, "password": "a-long-test-password"},
            follow=True,
        )
        assert response.redirect_chain[-1][0] == target


def test_pages_need_a_signed_in_user(client):
    response = client.get("/staff/patients/")
    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/")


def test_finding_a_patient_by_name(web_as, surgeon, bert):
    page = web_as(surgeon).get("/staff/patients/?q=oka").content.decode()
    assert "OKAFOR, Bert" in page
    assert "943 476 5919" in page


def test_the_form_reports_every_problem_at_once(web_as, nurse):
    response = web_as(nurse).post(
        "/staff/patients/new/",
        {
            "given_name": "Dora",
            "date_of_birth": "2999-07-01",
            "nhs_number": "1234567890",
        },
    )
    errors = response.context["form"].errors
    assert response.status_code == 400
    assert set(errors) == {"family_name", "sex", "date_of_birth", "nhs_number"}
    assert not Patient.objects.exists()


def test_registering_a_patient_through_the_form(web_as, nurse):
    response = web_as(nurse).post(
        "/staff/patients/new/",
        {
            "given_name": "Dora",
            "family_name": "Quayle",
            "date_of_birth": "1966-07-01",
            "sex": "female",
            "nhs_number": "",
            "hospital_number": "Q1",
        },
    )
    patient = Patient.objects.get(family_name="Quayle")
    assert response.url == f"/staff/patients/{patient.public_id}/"


def test_the_form_shows_each_error_beside_its_field(web_as, nurse):
    response = web_as(nurse).post(
        "/staff/patients/new/",
        {
            "given_name": "Dora",
            "family_name": "Quayle",
            "date_of_birth": "2999-07-01",
            "sex": "female",
            "nhs_number": "123 456 7890",
        },
    )
    form = response.context["form"]
    assert response.status_code == 400
    assert form.errors["date_of_birth"] == ["date of birth cannot be in the future"]
    assert 'aria-describedby="id_date_of_birth_error"' in response.content.decode()
    assert 'href="#id_date_of_birth"' in response.content.decode()  # the summary links to it
    assert "check digit" in form.errors["nhs_number"][0]
    assert 'aria-invalid="true"' in response.content.decode()
    assert not Patient.objects.exists()


def test_the_chart_shows_each_hip_and_the_timeline(web_as, nurse, bert):
    services.open_episode(patient=bert, side="left", procedure="bhr", by=nurse, via=Via.WEB)
    services.open_episode(
        patient=bert, side="right", procedure="core-decompression", by=nurse, via=Via.WEB
    )
    response = web_as(nurse).get(f"/staff/patients/{bert.public_id}/")
    assert [e.procedure for e in response.context["left"]] == ["bhr"]
    assert [e.procedure for e in response.context["right"]] == ["core-decompression"]
    page = response.content.decode()
    assert "Left hip episode opened: Birmingham Hip Resurfacing" in page
    assert AuditEvent.objects.filter(action="patient.view", via="web").count() == 1


def test_opening_and_moving_an_episode_through_the_pages(web_as, nurse, surgeon, bert):
    opened = web_as(nurse).post(
        f"/staff/patients/{bert.public_id}/episodes/new/", {"side": "right", "procedure": "bhr"}
    )
    episode = Episode.objects.get()
    assert opened.url == f"/staff/episodes/{episode.public_id}/"
    moved = web_as(surgeon).post(opened.url, {"to": "assessed", "reason": ""})
    assert moved.status_code == 302
    assert Episode.objects.get().state == "assessed"


def test_a_refused_move_is_explained_beside_the_reason_field(web_as, surgeon, nurse, bert):
    episode = services.open_episode(
        patient=bert, side="left", procedure="bhr", by=nurse, via=Via.WEB
    )
    services.move_episode(episode=episode, to="assessed", reason="", by=surgeon, via=Via.WEB)
    response = web_as(surgeon).post(
        f"/staff/episodes/{episode.public_id}/", {"to": "referred", "reason": ""}
    )
    assert response.status_code == 400
    assert response.context["form"].errors["reason"] == [
        "a reason is required for going back (a word or more, not a mark)"
    ]


def test_a_second_episode_on_the_same_hip_is_explained(web_as, nurse, bert):
    services.open_episode(patient=bert, side="left", procedure="bhr", by=nurse, via=Via.WEB)
    response = web_as(nurse).post(
        f"/staff/patients/{bert.public_id}/episodes/new/",
        {"side": "left", "procedure": "core-decompression"},
    )
    assert response.status_code == 400
    assert "already has an open episode" in response.context["form"].errors["side"][0]
    assert Episode.objects.filter(patient=bert).count() == 1


def test_analysts_see_no_episode_lists(web_as, analyst, nurse, bert):
    # Issue 11: analysts see pseudonymised aggregates (analytics), never a list of hips.
    episode = services.open_episode(
        patient=bert, side="left", procedure="bhr", by=nurse, via=Via.WEB
    )
    assert web_as(analyst).get("/staff/episodes/").status_code == 403
    assert web_as(analyst).get(f"/staff/episodes/{episode.public_id}/").status_code == 403
    assert web_as(analyst).get(f"/staff/patients/{bert.public_id}/").status_code == 403
    home = web_as(analyst).get("/staff/")
    assert home.status_code == 200
    assert "/staff/episodes/" not in home.content.decode()  # no links to pages they cannot open


def test_a_bad_filter_is_explained(web_as, nurse):
    response = web_as(nurse).get("/staff/episodes/?state=cured")
    assert response.status_code == 400
    assert "state must be one of" in response.content.decode()


def test_a_patient_cannot_open_someone_elses_chart(web_as, ada_user, ada, bert):
    assert web_as(ada_user).get(f"/staff/patients/{bert.public_id}/").status_code == 403
    own = web_as(ada_user).get("/portal/").content.decode()
    assert "Lovelace-Byron" in own


def test_the_chart_takes_the_same_queries_however_many_episodes(web_as, nurse, surgeon, bert):
    client = web_as(nurse)

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(f"/staff/patients/{bert.public_id}/").status_code == 200
        return len(captured)

    services.open_episode(patient=bert, side="left", procedure="bhr", by=nurse, via=Via.WEB)
    one = queries()
    for _ in range(6):  # a history of withdrawn and re-opened episodes on both hips
        for side in ("left", "right"):
            episode = (
                Episode.objects.filter(patient=bert, side=side).exclude(state="withdrawn").first()
            )
            if episode is None:
                episode = services.open_episode(
                    patient=bert, side=side, procedure="bhr", by=nurse, via=Via.WEB
                )
            services.move_episode(
                episode=episode, to="withdrawn", reason="Declined surgery", by=surgeon, via=Via.WEB
            )
    assert Episode.objects.filter(patient=bert).count() > 10
    assert queries() == one
