"""The staff's triage queue: who may, statuses, and turning a request into care in one step."""

import datetime as dt

import pytest
from django.test import Client

from coxa.conftest import sign_in
from coxa.core.audit import Via
from coxa.core.errors import Conflict, ErrorCode, InvalidInput
from coxa.core.models import AuditEvent
from coxa.enquiries import services
from coxa.enquiries.models import StatusChange
from coxa.enquiries.tests.conftest import receive
from coxa.pathways import services as pathways
from coxa.pathways.models import Episode
from coxa.patients.domain import PatientDetails
from coxa.patients.models import Patient

pytestmark = pytest.mark.django_db
QUEUE = "/staff/enquiries/"
TRIAGE = ("surgeon", "nurse", "admin")
BARRED = ("anaesthetist", "physio", "analyst", "ada_user")


def detail(enquiry):
    return f"{QUEUE}{enquiry.public_id}/"


def convert_url(enquiry):
    return f"{QUEUE}{enquiry.public_id}/patient/"


def new_patient(**overrides):
    fields = {
        "patient": "new",
        "given_name": "Bert",
        "family_name": "Okafor",
        "date_of_birth": "1980-05-04",
        "sex": "male",
        "side": "left",
        "procedure": "bhr",
    }
    return {k: v for k, v in (fields | overrides).items() if v is not None}


# ------------------------------------------------------------------ who may
@pytest.mark.parametrize("role", TRIAGE)
def test_the_roles_that_register_patients_triage(request, web_as, role, enquiry):
    client = web_as(request.getfixturevalue(role))
    for url in (QUEUE, detail(enquiry), convert_url(enquiry)):
        assert client.get(url).status_code == 200, url
    assert "Bert Okafor" in client.get(QUEUE).content.decode()
    assert QUEUE in client.get("/staff/").content.decode()  # the staff navigation offers it


@pytest.mark.parametrize("role", BARRED)
def test_other_roles_are_refused_every_page_and_not_offered_the_queue(
    request, web_as, role, enquiry
):
    client = web_as(request.getfixturevalue(role))
    for url in (QUEUE, detail(enquiry), convert_url(enquiry)):
        assert client.get(url).status_code == 403, url
    assert client.post(detail(enquiry), {"status": "closed"}).status_code == 403
    assert client.post(convert_url(enquiry), new_patient()).status_code == 403
    enquiry.refresh_from_db()
    assert enquiry.status == "new"
    assert not Patient.objects.exists()
    home = client.get("/staff/" if role != "ada_user" else "/portal/").content.decode()
    assert QUEUE not in home


def test_signed_out_the_queue_asks_for_a_sign_in(client, enquiry):
    response = client.get(QUEUE)
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


# ------------------------------------------------------------------ the queue
def test_the_queue_is_newest_first_filters_by_status_and_is_audited_once(
    web_as, nurse, time_machine
):
    time_machine.move_to(dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC))
    older = receive(name="Older Person", email="older@example.org")
    time_machine.move_to(dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.UTC))
    newer = receive(name="Newer Person", email="newer@example.org")
    services.change_status(enquiry=older, to="contacted", by=nurse, via=Via.WEB)
    client = web_as(nurse)
    html = client.get(QUEUE).content.decode()
    assert html.index("Newer Person") < html.index("Older Person")
    contacted = client.get(f"{QUEUE}?status=contacted").content.decode()
    assert "Older Person" in contacted
    assert "Newer Person" not in contacted
    reads = AuditEvent.objects.filter(action="worklist.enquiries.list").order_by("id")
    assert [e.details["shown"] for e in reads] == [
        [str(newer.public_id), str(older.public_id)],
        [str(older.public_id)],
    ]
    assert reads.last().details["filters"] == {"status": "contacted"}
    for event in reads:
        assert "Person" not in f"{event.summary} {event.details}"


def test_an_unknown_status_filter_is_refused_with_the_problem_taking_the_focus(
    web_as, nurse, enquiry
):
    response = web_as(nurse).get(f"{QUEUE}?status=lost")
    assert response.status_code == 400  # as every worklist answers a filter it refuses
    html = response.content.decode()
    assert "status must be one of" in html
    assert 'data-testid="form-errors"' in html  # core/problem.html: it takes the focus
    assert "autofocus" in html
    assert 'data-testid="enquiry-queue"' not in html
    assert not AuditEvent.objects.filter(action="worklist.enquiries.list").exists()


def test_the_queue_shows_the_marks_of_requests_kept_over_a_limit(web_as, nurse, settings):
    settings.ENQUIRY_LIMIT_PER_ADDRESS = 1
    receive()
    receive()
    receive(name="A Bot", email="bot@example.org", client="203.0.113.5", automated=True)
    html = web_as(nurse).get(QUEUE).content.decode()
    assert "Over the limit for this email address" in html
    assert "Likely automated" in html


def test_a_request_read_is_audited_by_its_id(web_as, nurse, enquiry):
    web_as(nurse).get(detail(enquiry))
    event = AuditEvent.objects.get(action="enquiry.view")
    assert event.object_id == str(enquiry.public_id)
    assert event.actor_id == nurse.pk


# ------------------------------------------------------------------ statuses
def test_a_status_change_with_a_note_is_kept_in_the_history_and_the_audit(web_as, nurse, enquiry):
    client = web_as(nurse)
    response = client.post(
        detail(enquiry), {"status": "contacted", "note": "Rang, left a message."}
    )
    assert response.status_code == 302
    enquiry.refresh_from_db()
    assert enquiry.status == "contacted"
    change = StatusChange.objects.get()
    assert (change.from_status, change.to_status, change.note, change.by) == (
        "new",
        "contacted",
        "Rang, left a message.",
        nurse,
    )
    event = AuditEvent.objects.get(action="enquiry.status")
    assert event.reason == "Rang, left a message."
    assert "Rang, left a message." in client.get(detail(enquiry)).content.decode()
    assert client.post(detail(enquiry), {"status": "closed"}).status_code == 302
    enquiry.refresh_from_db()
    assert enquiry.status == "closed"


def test_booked_is_not_a_status_set_by_hand(web_as, nurse, enquiry):
    response = web_as(nurse).post(detail(enquiry), {"status": "booked"})
    assert response.status_code == 400
    with pytest.raises(Conflict) as refused:
        services.change_status(enquiry=enquiry, to="booked", by=nurse, via=Via.WEB)
    assert refused.value.code == "own-step"
    with pytest.raises(InvalidInput):
        services.change_status(enquiry=enquiry, to="lost", by=nurse, via=Via.WEB)
    with pytest.raises(Conflict) as same:
        services.change_status(enquiry=enquiry, to="new", by=nurse, via=Via.WEB)
    assert same.value.code == "no-change"
    enquiry.refresh_from_db()
    assert enquiry.status == "new"


# ------------------------------------------------------------------ into a patient and a hip
def test_a_request_becomes_a_new_patient_and_a_referral_in_one_step(web_as, nurse, enquiry):
    client = web_as(nurse)
    page = client.get(convert_url(enquiry)).content.decode()
    assert 'value="Bert"' in page  # the name split as a suggestion to check
    assert 'value="Okafor"' in page
    assert 'data-testid="unconfirmed-contact"' in page  # the address is the request's (H80)
    assert "they are not confirmed" in page
    response = client.post(convert_url(enquiry), new_patient(submission_key="convert-1"))
    assert response.status_code == 302
    patient = Patient.objects.get()
    assert response["Location"] == f"/staff/patients/{patient.public_id}/"
    assert (patient.email, patient.phone, patient.sex) == (
        "bert@example.org",
        "0121 496 0456",
        "male",
    )
    episode = Episode.objects.get()
    assert (episode.patient, episode.side, episode.procedure, episode.state) == (
        patient,
        "left",
        "bhr",
        "referred",
    )
    enquiry.refresh_from_db()
    assert (enquiry.status, enquiry.patient, enquiry.episode) == ("booked", patient, episode)
    event = AuditEvent.objects.get(action="enquiry.convert")
    assert event.patient_id == patient.public_id
    assert event.details["registered"] is True
    again = client.post(convert_url(enquiry), new_patient(submission_key="convert-1"))
    assert again.status_code == 302
    assert Patient.objects.count() == 1
    assert Episode.objects.count() == 1


@pytest.mark.parametrize("missing", ["date_of_birth", "sex", "given_name", "family_name"])
def test_a_new_patient_needs_what_the_request_lacks(web_as, nurse, enquiry, missing):
    response = web_as(nurse).post(convert_url(enquiry), new_patient(**{missing: None}))
    assert response.status_code == 400
    assert f'href="#id_{missing}"' in response.content.decode()
    assert not Patient.objects.exists()
    enquiry.refresh_from_db()
    assert enquiry.status == "new"


def test_patients_with_the_names_are_offered_first_and_one_can_be_chosen(
    web_as, nurse, bert, enquiry
):
    client = web_as(nurse)
    page = client.get(convert_url(enquiry)).content.decode()
    assert "OKAFOR, Bert" in page
    assert f'value="{bert.public_id}"' in page
    response = client.post(
        convert_url(enquiry), {"patient": str(bert.public_id), "side": "right", "procedure": "bhr"}
    )
    assert response.status_code == 302
    assert Patient.objects.count() == 1
    enquiry.refresh_from_db()
    assert (enquiry.status, enquiry.patient) == ("booked", bert)
    assert enquiry.episode.patient == bert
    assert AuditEvent.objects.get(action="enquiry.convert").details["registered"] is False


def test_a_new_patient_with_the_names_and_birthday_of_one_registered_is_refused_and_shown(
    web_as, nurse, bert
):
    enquiry = receive(name="B. Okafor")  # the names differ: the search does not find Bert
    client = web_as(nurse)
    same = new_patient(date_of_birth="1971-03-14")
    response = client.post(convert_url(enquiry), same)
    html = response.content.decode()
    assert response.status_code == 400
    assert "Possible matches" in html
    assert f'value="{bert.public_id}"' in html  # offered as a choice
    assert Patient.objects.count() == 1
    assert (
        client.post(convert_url(enquiry), same | {"patient": str(bert.public_id)}).status_code
        == 302
    )
    enquiry.refresh_from_db()
    assert enquiry.patient == bert
    assert Patient.objects.count() == 1


def test_nothing_is_half_saved_when_the_episode_cannot_be_opened(nurse, enquiry, monkeypatch):
    def refuse(**_):
        raise Conflict(
            ErrorCode.OPEN_EPISODE_EXISTS, "the left hip already has an open episode", "side"
        )

    monkeypatch.setattr(services.pathways, "open_episode", refuse)
    details = PatientDetails(
        given_name="Bert", family_name="Okafor", date_of_birth=dt.date(1980, 5, 4), sex="male"
    )
    with pytest.raises(Conflict):
        services.convert_enquiry(
            enquiry=enquiry, details=details, side="left", procedure="bhr", by=nurse, via=Via.WEB
        )
    assert not Patient.objects.exists()
    assert not AuditEvent.objects.filter(action__in=["patient.create", "enquiry.convert"]).exists()
    enquiry.refresh_from_db()
    assert (enquiry.status, enquiry.patient) == ("new", None)


def test_an_open_episode_on_that_hip_is_shown_beside_the_side_and_nothing_is_saved(
    web_as, nurse, surgeon, bert, enquiry
):
    pathways.open_episode(patient=bert, side="left", procedure="bhr", by=surgeon, via=Via.WEB)
    response = web_as(nurse).post(
        convert_url(enquiry), {"patient": str(bert.public_id), "side": "left", "procedure": "bhr"}
    )
    assert response.status_code == 400
    assert "already has an open episode" in response.content.decode()
    enquiry.refresh_from_db()
    assert enquiry.status == "new"
    assert Episode.objects.count() == 1


def test_a_booked_request_is_not_turned_into_care_twice(nurse, enquiry):
    services.convert_enquiry(
        enquiry=enquiry,
        details=PatientDetails(
            given_name="Bert", family_name="Okafor", date_of_birth=dt.date(1980, 5, 4), sex="male"
        ),
        side="left",
        procedure="bhr",
        by=nurse,
        via=Via.WEB,
    )
    patient = Patient.objects.get()
    with pytest.raises(Conflict):
        services.convert_enquiry(
            enquiry=enquiry, patient=patient, side="right", procedure="bhr", by=nurse, via=Via.WEB
        )
    assert Episode.objects.count() == 1
    with pytest.raises(Conflict):
        services.change_status(enquiry=enquiry, to="closed", by=nurse, via=Via.WEB)


def test_the_booked_request_links_to_its_patient(web_as, nurse, enquiry):
    client = web_as(nurse)
    client.post(convert_url(enquiry), new_patient())
    html = client.get(detail(enquiry)).content.decode()
    patient = Patient.objects.get()
    assert f"/staff/patients/{patient.public_id}/" in html
    assert convert_url(enquiry) not in html
    assert client.get(convert_url(enquiry)).status_code == 302


def test_a_patient_signed_in_is_refused_the_queue(ada_user, enquiry):
    assert sign_in(Client(), ada_user).get(QUEUE).status_code == 403
