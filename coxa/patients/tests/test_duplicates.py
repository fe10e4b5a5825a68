"""One person, one record: possible duplicates at registration, and forms sent twice."""

import datetime as dt

import pytest
from django.test import RequestFactory

from coxa.conftest import details
from coxa.core import audit
from coxa.core.audit import Via
from coxa.core.errors import Conflict, InvalidInput
from coxa.core.idempotency import replay_or_run
from coxa.core.models import AuditEvent, IdempotencyKey
from coxa.patients import services
from coxa.patients.models import Patient
from tests.concurrency import clients_like, postgres_only, together

URL = "/api/v1/patients"
PAGE = "/staff/patients/new/"


def body(**overrides):
    fields = {
        "given_name": "Dora",
        "family_name": "Quayle",
        "date_of_birth": "1966-07-01",
        "sex": "female",
    }
    return fields | overrides


def form(**overrides):
    return body(**overrides)


def post(client, data, **headers):
    return client.post(URL, data, content_type="application/json", headers=headers)


# ------------------------------------------------------------------ the service
@pytest.mark.django_db
def test_the_same_names_and_birthday_are_refused_whatever_the_case_and_accents(nurse, bert):
    for given, family in (("Bert", "Okafor"), ("BERT", "okafor"), ("Bért", "Ókafor")):
        with pytest.raises(services.PossibleDuplicate) as refused:
            services.register_patient(
                details=details(
                    given_name=given, family_name=family, nhs_number="", hospital_number=""
                ),
                by=nurse,
                via=Via.WEB,
            )
        assert refused.value.code == "possible-duplicate"
        assert refused.value.matches == [bert]
        assert refused.value.status == 409
    assert Patient.objects.count() == 1


@pytest.mark.django_db
def test_another_birthday_or_name_is_no_duplicate(nurse, bert):
    for change in (
        {"date_of_birth": dt.date(1971, 3, 15)},
        {"given_name": "Bertram"},
        {"family_name": "Okafo"},
    ):
        services.register_patient(
            details=details(nhs_number="", hospital_number="", **change), by=nurse, via=Via.WEB
        )
    assert Patient.objects.count() == 4


@pytest.mark.django_db
def test_a_shared_number_is_still_a_hard_conflict_even_with_the_override(nurse, bert):
    for number in ({"nhs_number": "943 476 5919"}, {"hospital_number": "H100200"}):
        with pytest.raises(Conflict) as refused:
            services.register_patient(
                details=details(given_name="Other", **number),
                by=nurse,
                via=Via.WEB,
                confirm_not_duplicate=True,
                not_duplicate_reason="Different address and GP, checked with the patient.",
            )
        assert refused.value.code in ("duplicate-nhs-number", "duplicate-hospital-number")
        assert not isinstance(refused.value, services.PossibleDuplicate)
    assert Patient.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize("reason", ["", "   ", "no", "same!!"])
def test_the_override_needs_a_reason_in_words(nurse, bert, reason):
    with pytest.raises(services.PossibleDuplicate) as refused:
        services.register_patient(
            details=details(nhs_number="", hospital_number=""),
            by=nurse,
            via=Via.WEB,
            confirm_not_duplicate=True,
            not_duplicate_reason=reason,
        )
    assert refused.value.field == "not_duplicate_reason"
    assert Patient.objects.count() == 1


@pytest.mark.django_db
def test_the_override_registers_a_namesake_and_the_audit_keeps_why(nurse, bert):
    twin = services.register_patient(
        details=details(nhs_number="", hospital_number="H100201"),
        by=nurse,
        via=Via.WEB,
        confirm_not_duplicate=True,
        not_duplicate_reason="  Another man: different address and GP, checked with him.  ",
    )
    event = AuditEvent.objects.get(action="patient.create", patient_id=twin.public_id)
    assert event.reason == "Another man: different address and GP, checked with him."
    assert event.details == {"not_duplicate_of": [str(bert.public_id)]}


@pytest.mark.django_db
def test_an_override_without_a_match_records_no_reason(nurse):
    patient = services.register_patient(
        details=details(),
        by=nurse,
        via=Via.WEB,
        confirm_not_duplicate=True,
        not_duplicate_reason="Nothing to compare with here.",
    )
    event = AuditEvent.objects.get(action="patient.create", patient_id=patient.public_id)
    assert (event.reason, event.details) == ("", {})


# ------------------------------------------------------------------ the API
@pytest.mark.django_db
def test_the_api_answers_409_with_the_matches_and_audits_the_showing(api_as, nurse, bert):
    response = post(
        api_as(nurse),
        body(given_name="bert", family_name="OKAFOR", date_of_birth="1971-03-14", sex="male"),
    )
    assert response.status_code == 409
    answer = response.json()
    assert (answer["code"], answer["count"]) == ("possible-duplicate", 1)
    assert answer["matches"] == [
        {
            "id": str(bert.public_id),
            "given_name": "Bert",
            "family_name": "Okafor",
            "date_of_birth": "1971-03-14",
            "hospital_number": "H100200",
        }
    ]
    shown = AuditEvent.objects.get(action="patient.search", actor=nurse)
    assert shown.details == {"kind": "possible-duplicate", "shown": [str(bert.public_id)]}
    assert Patient.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize("headers", [{}, {"Idempotency-Key": "possible-twin-1"}])
def test_showing_the_matches_is_audited_once_with_or_without_a_key(api_as, nurse, bert, headers):
    client = api_as(nurse)
    before = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first()
    same = body(given_name="Bert", family_name="Okafor", date_of_birth="1971-03-14", sex="male")
    response = post(client, same, **headers)
    assert response.status_code == 409
    assert [m["id"] for m in response.json()["matches"]] == [str(bert.public_id)]
    written = AuditEvent.objects.filter(id__gt=before, action__startswith="patient.")
    assert [(e.action, e.actor_id, e.details) for e in written] == [
        (
            "patient.search",
            nurse.pk,
            {"kind": "possible-duplicate", "shown": [str(bert.public_id)]},
        )
    ]
    assert not IdempotencyKey.objects.exists()  # the refusal leaves its key free


@pytest.mark.django_db
def test_a_refusal_raised_under_a_key_keeps_what_it_recorded(api_as, nurse, bert):
    request = RequestFactory().post(
        URL, body(), content_type="application/json", headers={"Idempotency-Key": "read-refused"}
    )
    request.auth = nurse

    def read_then_refuse():
        audit.record(actor=nurse, action="patient.view", object_type="patient", via=Via.API)
        raise InvalidInput("no", "refused after reading", None)

    with pytest.raises(InvalidInput):
        replay_or_run(request, read_then_refuse)
    assert AuditEvent.objects.filter(action="patient.view", actor=nurse).count() == 1
    assert not IdempotencyKey.objects.exists()


@pytest.mark.django_db
def test_the_api_override_registers_with_a_reason(api_as, nurse, bert):
    client = api_as(nurse)
    same = body(given_name="Bert", family_name="Okafor", date_of_birth="1971-03-14", sex="male")
    refused = post(client, same | {"confirm_not_duplicate": True})
    assert refused.status_code == 409
    assert refused.json()["field"] == "not_duplicate_reason"
    made = post(
        client,
        same | {"confirm_not_duplicate": True, "not_duplicate_reason": "Another man, other GP."},
    )
    assert made.status_code == 201
    assert Patient.objects.count() == 2


@pytest.mark.django_db
def test_roles_that_may_not_register_learn_nothing_of_matches(api_as, physio, analyst, bert):
    same = body(given_name="Bert", family_name="Okafor", date_of_birth="1971-03-14", sex="male")
    for user in (physio, analyst):
        response = post(api_as(user), same)
        assert response.status_code == 403
        assert "Okafor" not in response.content.decode()
    assert not AuditEvent.objects.filter(action="patient.search").exists()


@pytest.mark.django_db
def test_every_role_that_may_register_sees_the_matches(api_as, nurse, surgeon, admin, bert):
    same = body(given_name="Bert", family_name="Okafor", date_of_birth="1971-03-14", sex="male")
    for user in (nurse, surgeon, admin):
        response = post(api_as(user), same)
        assert response.status_code == 409
        assert [m["id"] for m in response.json()["matches"]] == [str(bert.public_id)]


@pytest.mark.django_db
def test_a_caller_who_may_not_see_patients_gets_only_the_count(nurse, bert, monkeypatch):
    from coxa.patients import selectors

    monkeypatch.setattr(selectors, "can", lambda role, capability: False)
    assert selectors.shown_duplicates(actor=nurse, patients=[bert], via=Via.API) == []
    assert not AuditEvent.objects.filter(action="patient.search").exists()


# ------------------------------------------------------------------ the page
@pytest.mark.django_db
def test_the_page_lists_the_matches_and_offers_the_override(web_as, nurse, bert):
    client = web_as(nurse)
    same = form(given_name="Bert", family_name="Okafor", date_of_birth="1971-03-14", sex="male")
    response = client.post(PAGE, same)
    page = response.content.decode()
    assert response.status_code == 400  # refused until the override is given
    assert "Possible matches" in page
    for shown in ("OKAFOR, Bert", "14 Mar 1971", "H100200"):
        assert shown in page
    assert f"/staff/patients/{bert.public_id}/" in page
    assert 'name="confirm_not_duplicate"' in page
    assert 'name="not_duplicate_reason"' in page
    assert Patient.objects.count() == 1
    made = client.post(
        PAGE,
        same | {"confirm_not_duplicate": "on", "not_duplicate_reason": "Another man, other GP."},
    )
    assert made.status_code == 302
    assert Patient.objects.count() == 2


@pytest.mark.django_db
def test_the_override_is_not_offered_without_a_match(web_as, nurse):
    page = web_as(nurse).get(PAGE).content.decode()
    assert 'name="confirm_not_duplicate"' not in page
    assert 'name="submission_key"' in page


# ------------------------------------------------------------------ sent twice
@pytest.mark.django_db
def test_a_form_sent_twice_registers_once_and_leads_to_the_first(web_as, nurse):
    client = web_as(nurse)
    key = {"submission_key": "key-for-one-form"}
    first = client.post(PAGE, form(nhs_number="", hospital_number="") | key)
    second = client.post(PAGE, form(nhs_number="", hospital_number="") | key)
    assert first.status_code == second.status_code == 302
    assert first.url == second.url
    assert Patient.objects.count() == 1


@pytest.mark.django_db
def test_a_refused_form_leaves_its_key_free(web_as, nurse):
    client = web_as(nurse)
    key = {"submission_key": "key-for-one-form"}
    refused = client.post(PAGE, form(date_of_birth="2999-01-01") | key)
    assert refused.status_code == 400
    assert not IdempotencyKey.objects.exists()
    assert client.post(PAGE, form() | key).status_code == 302
    assert Patient.objects.count() == 1


@pytest.mark.django_db
def test_one_users_key_is_not_anothers(web_as, nurse, admin):
    key = {"submission_key": "the-same-key"}
    web_as(nurse).post(PAGE, form() | key)
    response = web_as(admin).post(PAGE, form(given_name="Edna") | key)
    assert response.status_code == 302
    assert Patient.objects.count() == 2


@pytest.mark.django_db
def test_a_damaged_key_is_refused(web_as, nurse):
    response = web_as(nurse).post(PAGE, form() | {"submission_key": "<script>"})
    assert response.status_code == 400
    assert "reload the page" in response.content.decode()
    assert not Patient.objects.exists()


@pytest.mark.django_db
def test_the_api_replays_the_first_answer_to_the_same_key(api_as, nurse):
    client = api_as(nurse)
    first = post(client, body(), **{"Idempotency-Key": "abc-123"})
    again = post(client, body(), **{"Idempotency-Key": "abc-123"})
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert Patient.objects.count() == 1


@pytest.mark.django_db
def test_the_same_key_with_another_body_is_refused(api_as, nurse):
    client = api_as(nurse)
    assert post(client, body(), **{"Idempotency-Key": "abc-123"}).status_code == 201
    other = post(client, body(given_name="Edna"), **{"Idempotency-Key": "abc-123"})
    assert other.status_code == 409
    assert (other.json()["code"], other.json()["field"]) == (
        "idempotency-key-reused",
        "Idempotency-Key",
    )
    assert Patient.objects.count() == 1


@pytest.mark.django_db
def test_a_refused_request_does_not_keep_its_key(api_as, nurse, bert):
    client = api_as(nurse)
    key = {"Idempotency-Key": "retry-me"}
    same = body(given_name="Bert", family_name="Okafor", date_of_birth="1971-03-14", sex="male")
    assert post(client, same, **key).status_code == 409
    assert post(client, same | {"sex": "walrus"}, **key).status_code == 400
    overridden = same | {
        "confirm_not_duplicate": True,
        "not_duplicate_reason": "Another man, other GP.",
    }
    assert post(client, overridden, **key).status_code == 201
    assert post(client, overridden, **key).status_code == 201
    assert Patient.objects.count() == 2


@pytest.mark.django_db
@pytest.mark.parametrize("key", ["", "x" * 65, "has space", "é"])
def test_keys_outside_the_format_are_refused_or_ignored(api_as, nurse, key):
    response = post(api_as(nurse), body(), **{"Idempotency-Key": key})
    if key:
        assert response.status_code == 400
        assert response.json()["code"] == "invalid-idempotency-key"
        assert not Patient.objects.exists()
    else:
        assert response.status_code == 201


@pytest.mark.django_db
def test_keys_are_forgotten_after_a_day(api_as, nurse, time_machine):
    client = api_as(nurse)
    assert post(client, body(), **{"Idempotency-Key": "k1"}).status_code == 201
    time_machine.move_to(dt.datetime.now(dt.UTC) + dt.timedelta(hours=25))
    response = post(api_as(nurse), body(given_name="Edna"), **{"Idempotency-Key": "k1"})
    assert response.status_code == 201
    assert IdempotencyKey.objects.count() == 1


# ------------------------------------------------------------------ at the same moment
@postgres_only
@pytest.mark.django_db(transaction=True)
def test_twenty_registrations_at_once_make_one_record(nurse):
    def register(_):
        try:
            services.register_patient(
                details=details(nhs_number="", hospital_number=""), by=nurse, via=Via.API
            )
        except services.PossibleDuplicate:
            return "duplicate"
        return "made"

    outcomes = together(20, register)
    assert sorted(outcomes) == ["duplicate"] * 19 + ["made"]
    assert Patient.objects.count() == 1


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_twenty_api_registrations_at_once_make_one_record(api_as, nurse):
    clients = clients_like(api_as(nurse), 20)
    statuses = together(20, lambda i: post(clients[i], body()).status_code)
    assert sorted(statuses) == [201] + [409] * 19
    assert Patient.objects.count() == 1


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_a_form_double_clicked_at_once_makes_one_record(web_as, nurse):
    clients = [web_as(nurse) for _ in range(2)]
    data = form(nhs_number="", hospital_number="") | {"submission_key": "double-click"}
    responses = together(2, lambda i: clients[i].post(PAGE, data))
    assert [r.status_code for r in responses] == [302, 302]
    assert responses[0].url == responses[1].url
    assert Patient.objects.count() == 1


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_one_idempotency_key_sent_twenty_times_at_once_makes_one_record(api_as, nurse):
    clients = clients_like(api_as(nurse), 20)
    answers = together(20, lambda i: post(clients[i], body(), **{"Idempotency-Key": "same-key"}))
    assert {a.status_code for a in answers} == {201}
    assert len({a.json()["id"] for a in answers}) == 1
    assert Patient.objects.count() == 1
