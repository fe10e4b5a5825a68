"""The patient portal: a patient's own records and letters, and nobody else's."""

import datetime as dt

import pytest

from coxa.core import clock
from coxa.core.audit import Via
from coxa.core.models import AuditEvent
from coxa.pathways import services as pathways
from tests.journeys import walk_to

pytestmark = pytest.mark.django_db


def test_a_patient_reads_their_own_letter_and_no_one_elses(
    web_as, ada_user, ada, bert, nurse, surgeon
):
    own = pathways.open_episode(
        patient=ada, side="left", procedure="core-decompression", by=nurse, via=Via.WEB
    )
    other = pathways.open_episode(patient=bert, side="left", procedure="bhr", by=nurse, via=Via.WEB)
    for episode in (own, other):
        for state in ("assessed", "listed"):
            pathways.move_episode(episode=episode, to=state, reason="", by=surgeon, via=Via.WEB)
    client = web_as(ada_user)
    records = client.get("/portal/").content.decode()
    assert "Getting ready for your operation" in records
    letter = client.get(f"/portal/letters/{own.public_id}/")
    assert letter.status_code == 200
    assert "Dear Ada Lovelace-Byron" in letter.content.decode()
    # Another patient's letter is answered as a letter that does not exist (issue 12).
    assert client.get(f"/portal/letters/{other.public_id}/").status_code == 404


def test_the_portal_records_each_read_and_each_copy_of_the_plan(web_as, ada_user, ada, surgeon):
    episode = walk_to(
        "scheduled",
        patient=ada,
        by=surgeon,
        side="right",
        procedure="core-decompression",
        listed_on=clock.today() - dt.timedelta(days=3),
    )
    client = web_as(ada_user)

    def recorded(action):
        return AuditEvent.objects.filter(
            action=action, actor_username=ada_user.username, patient_id=ada.public_id
        ).count()

    letter = client.get(f"/portal/letters/{episode.public_id}/").content.decode()
    assert "Getting ready for your operation" in letter
    assert "Pre-assessment" not in letter  # the staff page's links are not the patient's
    assert recorded("episode.view") == 1
    plan = client.get(f"/portal/recovery/{episode.public_id}/").content.decode()
    assert 'class="plan"' in plan  # surgery's shared partial
    assert recorded("episode.view") == 2
    assert (recorded("recovery-plan.pdf"), recorded("recovery-plan.calendar")) == (0, 0)
    assert client.get(f"/portal/recovery/{episode.public_id}/plan.pdf").content[:4] == b"%PDF"
    assert (
        b"BEGIN:VCALENDAR" in client.get(f"/portal/recovery/{episode.public_id}/plan.ics").content
    )
    assert (recorded("recovery-plan.pdf"), recorded("recovery-plan.calendar")) == (1, 1)


def test_a_calendar_of_no_plan_is_refused_and_not_recorded(web_as, ada_user, ada, surgeon):
    episode = walk_to(
        "listed", patient=ada, by=surgeon, listed_on=clock.today() - dt.timedelta(days=3)
    )
    answer = web_as(ada_user).get(f"/portal/recovery/{episode.public_id}/plan.ics")
    assert answer.status_code == 404
    assert not AuditEvent.objects.filter(action="recovery-plan.calendar").exists()


def test_the_staff_letter_pdf_is_recorded(web_as, nurse, surgeon, bert):
    episode = walk_to(
        "listed", patient=bert, by=surgeon, listed_on=clock.today() - dt.timedelta(days=3)
    )
    pdf = web_as(nurse).get(f"/staff/episodes/{episode.public_id}/letter.pdf")
    assert pdf.content[:4] == b"%PDF"
    event = AuditEvent.objects.get(action="letter.pdf")
    assert (event.actor_username, event.patient_id) == (nurse.username, bert.public_id)
