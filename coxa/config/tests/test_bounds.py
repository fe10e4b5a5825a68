"""Inputs that cannot break a page or the API (issue 11, part 4).

Every value is judged before it is stored or computed with: dates within their window, day
counts and pages bounded, every text bounded and storable. The API answers each refusal in
its JSON shape naming the field; pages answer with the problem beside the field; nothing is
kept; and no value makes an answer a 500.
"""

import datetime as dt
import logging

import pytest
from django.test import Client

from coxa.core import clock
from coxa.core.errors import InvalidInput
from coxa.core.models import AuditEvent
from coxa.core.pagination import MAX_PAGE, page_request
from coxa.core.text import storable, text_problem, unstorable
from coxa.patients.models import Patient
from tests.journeys import walk_to

pytestmark = pytest.mark.django_db

NUL = "a\x00b"
LONE = "\ud800"
MEGABYTE = "x" * 1_000_000
PATIENT = {
    "given_name": "Cara",
    "family_name": "Nwosu",
    "date_of_birth": "1979-02-03",
    "sex": "female",
}


def post(client, url, body, method="post"):
    return getattr(client, method)(url, body, content_type="application/json")


def assert_refused(response, field, status=400):
    assert response.status_code == status, response.content[:300]
    body = response.json()
    assert set(body) >= {"code", "message", "field"}
    assert body["field"] == field, body
    name = field.split(".")[-1]
    assert name in body["message"] or name.replace("_", " ") in body["message"], body


def quiet(client):
    client.raise_request_exception = False
    return client


# ------------------------------------------------------------------ the shared checks
def test_unstorable_text_is_named():
    assert unstorable("Okafor") == ""
    assert "NUL" in unstorable(NUL)
    assert "surrogate" in unstorable("x" + LONE)
    assert text_problem("x" * 101, field="given_name", max_length=100).code == "too-long"
    assert text_problem("ok", field="given_name", max_length=100) is None
    with pytest.raises(InvalidInput) as refused:
        storable(NUL, field="reason", max_length=2000)
    assert (refused.value.field, refused.value.code) == ("reason", "invalid-text")


@pytest.mark.parametrize(
    ("number", "ok"), [(1, True), (MAX_PAGE, True), (0, False), (10**20, False)]
)
def test_page_numbers_are_bounded(number, ok):
    if ok:
        assert page_request(number, 25).number == number
    else:
        with pytest.raises(InvalidInput) as refused:
            page_request(number, 25)
        assert refused.value.field == "page"


# ------------------------------------------------------------------ the API
@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"address": MEGABYTE}, "address"),
        ({"address": "x" * 501}, "address"),
        ({"given_name": "x" * 101}, "given_name"),
        ({"given_name": NUL}, "given_name"),
        ({"family_name": "Okafor" + LONE}, "family_name"),
        ({"email": NUL}, "email"),
    ],
)
def test_the_api_refuses_text_it_cannot_keep(api_as, nurse, change, field):
    response = post(api_as(nurse), "/api/v1/patients", PATIENT | change)
    assert_refused(response, field)
    assert not Patient.objects.exists()


def test_a_lone_surrogate_in_raw_json_is_refused(api_as, nurse):
    body = b'{"given_name": "A\\ud800b", "family_name": "Bc", "date_of_birth": "1970-01-01", '
    body += b'"sex": "male"}'
    response = api_as(nurse).post("/api/v1/patients", body, content_type="application/json")
    assert_refused(response, "given_name")


def test_a_long_reason_never_reaches_the_audit(api_as, nurse, bert):
    before = AuditEvent.objects.count()
    response = post(
        api_as(nurse),
        f"/api/v1/patients/{bert.public_id}",
        PATIENT | {"reason": MEGABYTE},
        method="put",
    )
    assert_refused(response, "reason")
    assert not AuditEvent.objects.filter(pk__gt=before, reason__startswith="xxxx").exists()


@pytest.mark.parametrize("page", ["0", "10001", str(10**20)])
def test_the_api_refuses_pages_out_of_range(api_as, nurse, page):
    assert_refused(api_as(nurse).get(f"/api/v1/patients?page={page}"), "page")


def test_pages_of_lists_never_fail_on_a_huge_page_number(web_as, nurse, bert):
    for url in ("/staff/patients/?q=oka&page=", "/staff/episodes/?page="):
        response = quiet(web_as(nurse)).get(url + str(10**20))
        assert response.status_code == 200, url


def test_a_nul_in_a_query_string_is_refused(api_as, web_as, nurse):
    response = quiet(api_as(nurse)).get("/api/v1/episodes?procedure=b%00hr")
    assert_refused(response, "procedure")
    assert quiet(web_as(nurse)).get("/staff/episodes/?procedure=b%00hr").status_code == 400


# ------------------------------------------------------------------ dates and day counts
@pytest.fixture
def scheduled(bert, surgeon):
    today = clock.today()
    return walk_to(
        "scheduled",
        patient=bert,
        by=surgeon,
        listed_on=today - dt.timedelta(days=5),
        operated_on=today + dt.timedelta(days=20),
    )


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01", "2100-12-31"])
def test_an_operation_date_far_off_is_refused_and_the_plan_still_answers(
    api_as, surgeon, scheduled, day
):
    client = quiet(api_as(surgeon))
    base = f"/api/v1/episodes/{scheduled.public_id}"
    booked = post(
        client,
        f"{base}/schedule",
        {"operation_date": day, "surgeon": "sam", "reason": "the patient asked to move it"},
    )
    assert_refused(booked, "operation_date")
    for url in (f"{base}/recovery-plan", f"{base}/recovery-plan.ics"):
        assert client.get(url).status_code == 200, url
    page = quiet(Client())
    page.force_login(surgeon)
    assert page.get(f"/staff/episodes/{scheduled.public_id}/operation/").status_code == 200


def test_an_operation_date_far_off_is_refused_on_the_clinic_page(web_as, surgeon, bert):
    today = clock.today()
    episode = walk_to("ready", patient=bert, by=surgeon, listed_on=today - dt.timedelta(days=5))
    response = quiet(web_as(surgeon)).post(
        f"/staff/episodes/{episode.public_id}/clinic/operation-date/",
        {"operation_on": "9999-12-31"},
    )
    assert response.status_code == 400
    assert "within a year of today" in response.content.decode()
    episode.refresh_from_db()
    assert episode.operation_on is None


def test_a_note_dated_far_off_is_refused(api_as, surgeon, scheduled):
    note = {
        "operated_on": "9999-12-31",
        "started_at": "09:10",
        "ended_at": "10:40",
        "side": "left",
        "procedure": "bhr",
        "anaesthetic": "spinal",
    }
    response = post(api_as(surgeon), f"/api/v1/episodes/{scheduled.public_id}/operation", note)
    assert_refused(response, "operated_on")


@pytest.fixture
def operated(bert, surgeon):
    today = clock.today()
    return walk_to(
        "operated",
        patient=bert,
        by=surgeon,
        listed_on=today - dt.timedelta(days=30),
        operated_on=today - dt.timedelta(days=2),
    )


@pytest.mark.parametrize("days", [10**9, 10**30, -(10**9), 731])
def test_plan_shifts_are_bounded_on_the_api(api_as, surgeon, operated, days):
    client = quiet(api_as(surgeon))
    base = f"/api/v1/episodes/{operated.public_id}"
    plan = client.get(f"{base}/recovery-plan").json()
    code, key = plan["phases"][0]["code"], plan["appointments"][0]["key"]
    reason = "the surgeon wants a longer protected period"
    for body, field in (
        ({"phases": {code: days}}, f"phases.{code}"),
        ({"appointments": {key: days}}, f"appointments.{key}"),
    ):
        assert_refused(
            post(client, f"{base}/recovery-plan/adjustments", body | {"reason": reason}), field
        )
    assert client.get(f"{base}/recovery-plan").json() == plan


@pytest.mark.parametrize("days", [str(10**9), str(10**30), "400"])
def test_plan_shifts_are_bounded_on_the_page(web_as, surgeon, operated, days):
    client = quiet(web_as(surgeon))
    before = client.get(f"/api/v1/episodes/{operated.public_id}/recovery-plan").json()
    code = before["phases"][0]["code"]
    response = client.post(
        f"/staff/episodes/{operated.public_id}/recovery-plan/adjust/",
        {f"phase-{code}": days, "reason": "the surgeon wants a longer protected period"},
    )
    assert response.status_code == 400
    assert "after the operation" in response.content.decode()
    assert client.get(f"/api/v1/episodes/{operated.public_id}/recovery-plan").json() == before


# ------------------------------------------------------------------ pages
def test_the_patient_form_names_each_field_it_cannot_keep(web_as, nurse):
    form = PATIENT | {"address": "x" * 501, "given_name": NUL}
    response = quiet(web_as(nurse)).post("/staff/patients/new/", form)
    assert response.status_code in (200, 400)
    errors = response.context["form"].errors
    assert {"address", "given_name"} <= set(errors)
    assert not Patient.objects.exists()


def test_a_reason_on_the_operation_page_is_bounded(web_as, surgeon, scheduled):
    response = quiet(web_as(surgeon)).post(
        f"/staff/episodes/{scheduled.public_id}/operation/schedule/",
        {
            "operation_date": str(clock.today() + dt.timedelta(days=30)),
            "surgeon": "sam",
            "reason": "moved " + NUL,
        },
    )
    assert response.status_code == 400
    assert "reason" in response.context["forms"]["schedule"].errors  # beside the reason
    scheduled.refresh_from_db()
    assert scheduled.operation_on == clock.today() + dt.timedelta(days=20)


def test_an_unknown_surgeon_with_a_nul_is_a_field_error(web_as, surgeon, scheduled):
    response = quiet(web_as(surgeon)).post(
        f"/staff/episodes/{scheduled.public_id}/operation/schedule/",
        {"operation_date": str(clock.today() + dt.timedelta(days=20)), "surgeon": NUL},
    )
    assert response.status_code == 400


# ------------------------------------------------------------------ error shapes
def test_a_body_too_large_is_413(api_as, web_as, nurse, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    body = b'{"given_name": "' + b"x" * 20_000 + b'"}'
    response = api_as(nurse).post("/api/v1/patients", body, content_type="application/json")
    assert response.status_code == 413
    assert response.json()["code"] == "too-large"
    page = web_as(nurse).post("/staff/patients/new/", {"address": "x" * 20_000})
    assert page.status_code == 413
    assert page["Content-Type"].startswith("text/html")


def test_the_api_answers_405_and_404_in_its_shape(api_as, web_as, nurse):
    client = api_as(nurse)
    refused = client.delete("/api/v1/patients")
    assert refused.status_code == 405
    assert refused.json()["code"] == "method-not-allowed"
    assert "GET" in refused["Allow"]
    missing = client.get("/api/v1/no-such-thing")
    assert (missing.status_code, missing.json()["code"]) == (404, "not-found")
    page = quiet(web_as(nurse)).get("/staff/no-such-page/")
    assert page.status_code == 404
    assert page["Content-Type"].startswith("text/html")


def test_malformed_json_is_400_in_shape(api_as, nurse):
    response = api_as(nurse).post("/api/v1/patients", b'{"a":', content_type="application/json")
    assert response.status_code == 400
    assert set(response.json()) >= {"code", "message", "field"}


def test_an_unexpected_error_is_500_in_shape_logged_with_its_path(
    api_as, nurse, bert, monkeypatch, caplog
):
    def broken(**_):
        raise RuntimeError("secret detail of the failure")

    monkeypatch.setattr("coxa.patients.selectors.access_patient", broken)
    with caplog.at_level(logging.ERROR, logger="coxa.errors"):
        response = quiet(api_as(nurse)).get(f"/api/v1/patients/{bert.public_id}")
    assert response.status_code == 500
    assert response.json() == {
        "code": "server-error",
        "message": "something went wrong on our side; it has been logged",
        "field": None,
    }
    assert b"secret detail" not in response.content
    assert f"/api/v1/patients/{bert.public_id}" in caplog.text
    assert "secret detail" in caplog.text
