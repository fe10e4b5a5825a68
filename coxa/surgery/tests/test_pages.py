"""The staff operation page, the worklist and the patient's plan, through the web."""

import datetime as dt

import pytest

from coxa.accounts.domain import Role
from coxa.conftest import make_user
from coxa.core.audit import Via
from coxa.core.models import AuditEvent
from coxa.patients import services as patients
from coxa.surgery.models import OperationNote
from coxa.surgery.tests.conftest import BHR_FORM, LISTED_ON, OPERATED_ON, at, ready
from tests.journeys import admit

pytestmark = pytest.mark.django_db


@pytest.fixture
def bert_user(bert, nurse):
    user = make_user("bert", Role.PATIENT)
    patients.link_account(patient=bert, user=user, by=nurse, via=Via.WEB)
    return user


def test_a_surgeon_books_writes_signs_and_the_team_follows_the_plan(  # noqa: PLR0915
    web_as, bert, bert_user, surgeon, nurse, physio
):
    episode = ready(bert, surgeon)
    base = f"/staff/episodes/{episode.public_id}"
    as_surgeon = web_as(surgeon)
    with at(LISTED_ON + dt.timedelta(days=1)):
        booked = as_surgeon.post(
            f"{base}/operation/schedule/",
            {"operation_date": "2026-02-02", "surgeon": "sam", "theatre_list": "Mon AM"},
        )
        assert booked.status_code == 302
    with at(OPERATED_ON, 11):
        bad = as_surgeon.post(
            f"{base}/operation/note/",
            BHR_FORM | {"implant-femoral-size_mm": "48", "implant-acetabular-size_mm": "54"},
        )
        assert bad.status_code == 400
        # The service's problem at implants.0.size_reason_code shows beside that row's field.
        assert 'id="implant-femoral-size_reason_code_error"' in bad.content.decode()
        assert not OperationNote.objects.exists()
        assert as_surgeon.post(f"{base}/operation/note/", BHR_FORM).status_code == 302
        draft = as_surgeon.get(f"{base}/operation/").content.decode()
        assert 'value="LOT-F"' in draft  # the draft reopens with its implants
        signing = BHR_FORM | {"intent": "sign", "findings": "Edited before signing"}
        unassessed = as_surgeon.post(f"{base}/operation/note/", signing)
        assert unassessed.status_code == 400
        assert "reassess the VTE and bleeding risk on admission" in unassessed.content.decode()
        assert "VTE reassessment on admission: not recorded" in draft
        admit(episode, nurse, OPERATED_ON)
        assert as_surgeon.post(f"{base}/operation/note/", signing).status_code == 302
        page = as_surgeon.get(f"{base}/operation/").content.decode()
    assert "Signed" in page
    assert "LOT-F" in page
    assert "Edited before signing" in page  # what was on screen is what was signed
    assert "Monday 16 February 2026" in page  # crutches end, two weeks on
    with at(OPERATED_ON + dt.timedelta(days=1), 12):
        discharged = web_as(nurse).post(
            f"{base}/operation/discharge/",
            {
                "out_of_bed_at": "2026-02-02T15:00",
                "discharged_on": "2026-02-03",
                "destination": "home",
                "destination_reason": "Pain controlled, partner at home",
                "criterion-pain-controlled": "met",
                "criterion-coping-at-home": "met",
            },
        )
        assert discharged.status_code == 302
        moved = web_as(physio).post(
            f"{base}/recovery-plan/adjust/",
            {"appointment-wound-check@12": "15", "reason": "clinic closed"},
        )
        assert moved.status_code == 302
    with at(dt.date(2026, 2, 16), 14):
        reviewed = web_as(physio).post(
            f"{base}/recovery-plan/review/",
            {
                "reviewed_on": "2026-02-16",
                "walking_aid": "crutches",
                "weight_bearing": "as-advised",
                "flexion_deg": "90",
                "pain": "2",
                "progress_to_next_phase": "on",
            },
        )
        assert reviewed.status_code == 302
        worklist = web_as(nurse).get("/staff/worklists/theatre-and-recovery/")
        assert worklist.status_code == 200
    portal = web_as(bert_user)
    plan = portal.get(f"/portal/recovery/{episode.public_id}/").content.decode()
    assert "Walking with crutches" in plan
    assert "Tuesday 17 February 2026" in plan  # the wound check, moved to day 15
    pdf = portal.get(f"/portal/recovery/{episode.public_id}/plan.pdf")
    assert pdf.content[:4] == b"%PDF"
    ics = portal.get(f"/portal/recovery/{episode.public_id}/plan.ics")
    assert b"BEGIN:VCALENDAR" in ics.content
    assert AuditEvent.objects.filter(action="recovery-plan.pdf").exists()


def test_the_worklist_lists_todays_operations_and_stale_drafts(web_as, bert, surgeon, nurse):
    episode = ready(bert, surgeon)
    base = f"/staff/episodes/{episode.public_id}"
    with at(LISTED_ON + dt.timedelta(days=1)):
        web_as(nurse).post(
            f"{base}/operation/schedule/", {"operation_date": "2026-02-02", "surgeon": "sam"}
        )
    with at(OPERATED_ON, 8):
        today = web_as(nurse).get("/staff/worklists/theatre-and-recovery/").content.decode()
        assert "OKAFOR" in today.split("Operations this week")[0]
    with at(OPERATED_ON, 11):
        web_as(surgeon).post(f"{base}/operation/note/", BHR_FORM)
    with at(OPERATED_ON + dt.timedelta(days=2), 9):
        later = web_as(nurse).get("/staff/worklists/theatre-and-recovery/").content.decode()
    section = later.split("<h2>Operation notes unsigned after 24 hours")[1].split("</section>")[0]
    assert "OKAFOR" in section


def test_patients_and_analysts_cannot_open_the_operation_page(
    web_as, bert, surgeon, analyst, ada_user
):
    episode = ready(bert, surgeon)
    assert web_as(analyst).get(f"/staff/episodes/{episode.public_id}/operation/").status_code == 403
    assert (
        web_as(ada_user).get(f"/staff/episodes/{episode.public_id}/operation/").status_code == 403
    )
