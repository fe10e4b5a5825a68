"""Every form of the operation page: bad input names its field, status 400, nothing saved.

A service's refusal lands on the field it names; what the note form asks for follows the
catalogue's ``operation_note_fields``, not the procedure's code.
"""

import datetime as dt

import pytest

from coxa.catalogue.registry import get_procedure
from coxa.catalogue.schema import NoteField
from coxa.core.audit import Via
from coxa.core.models import AuditEvent
from coxa.surgery.forms import NoteForm
from coxa.surgery.models import Addendum, Booking, Discharge, OperationNote, PhysioReview
from coxa.surgery.services import notes
from coxa.surgery.tests.conftest import BHR_FORM, LISTED_ON, OPERATED_ON, at, bhr_note, ready
from tests.journeys import admit

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed_bhr(scheduled_bhr, surgeon):
    with at(OPERATED_ON, 11):
        written = notes.write_note(
            episode=scheduled_bhr, note=bhr_note(), surgeon=surgeon, by=surgeon, via=Via.WEB
        )
        admit(scheduled_bhr, surgeon, OPERATED_ON)
        notes.sign_note(episode=scheduled_bhr, by=surgeon, via=Via.WEB, draft=written.draft_hash)
    scheduled_bhr.refresh_from_db()
    return scheduled_bhr


def _refused(response, form: str, field: str):
    """The page came back 400 with the named form's error beside ``field``."""
    assert response.status_code == 400
    bound = response.context["forms"][form]
    assert field in bound.errors, bound.errors
    page = response.content.decode()
    assert f'id="{bound[field].auto_id}_error"' in page  # the error beside the field
    assert f'href="#{bound[field].id_for_label}"' in page  # the summary links to it
    assert 'role="alert"' in page
    return bound


def test_a_bad_booking_date_names_the_field_and_books_nothing(web_as, bert, surgeon):
    episode = ready(bert, surgeon)
    with at(LISTED_ON + dt.timedelta(days=1)):
        response = web_as(surgeon).post(
            f"/staff/episodes/{episode.public_id}/operation/schedule/",
            {"operation_date": "2026-13-45", "surgeon": "sam", "theatre_list": "Mon AM"},
        )
    form = _refused(response, "schedule", "operation_date")
    assert form["theatre_list"].value() == "Mon AM"  # what was typed stays
    assert not Booking.objects.exists()


def test_a_booking_the_gate_refuses_is_shown_on_the_date_field(web_as, bert, surgeon):
    episode = ready(bert, surgeon)
    with at(LISTED_ON + dt.timedelta(days=1)):
        response = web_as(surgeon).post(
            f"/staff/episodes/{episode.public_id}/operation/schedule/",
            {"operation_date": "2025-01-01", "surgeon": "sam"},
        )
    assert response.status_code == 400
    assert response.context["forms"]["schedule"].errors
    assert not Booking.objects.exists()


def test_a_restricted_head_size_lands_on_its_rows_reason_field(web_as, scheduled_bhr, surgeon):
    with at(OPERATED_ON, 11):
        response = web_as(surgeon).post(
            f"/staff/episodes/{scheduled_bhr.public_id}/operation/note/",
            BHR_FORM | {"implant-femoral-size_mm": "48", "implant-acetabular-size_mm": "54"},
        )
    form = _refused(response, "note", "implant-femoral-size_reason_code")
    assert form["implant-femoral-lot"].value() == "LOT-F"
    assert not OperationNote.objects.exists()


def test_a_note_time_that_is_not_a_time_names_the_field(web_as, scheduled_bhr, surgeon):
    with at(OPERATED_ON, 11):
        response = web_as(surgeon).post(
            f"/staff/episodes/{scheduled_bhr.public_id}/operation/note/",
            BHR_FORM | {"started_at": "nine", "intent": "sign"},
        )
    _refused(response, "note", "started_at")
    assert not OperationNote.objects.exists()


def test_a_refused_signature_keeps_nothing_not_even_the_draft(web_as, scheduled_bhr, surgeon):
    with at(OPERATED_ON, 11):
        response = web_as(surgeon).post(
            f"/staff/episodes/{scheduled_bhr.public_id}/operation/note/",
            BHR_FORM | {"ended_at": "08:00", "intent": "sign"},
        )
    _refused(response, "note", "ended_at")
    assert not OperationNote.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="operation-note").exists()


def test_a_confirmation_without_a_draft_is_refused(web_as, scheduled_bhr, anaesthetist):
    response = web_as(anaesthetist).post(
        f"/staff/episodes/{scheduled_bhr.public_id}/operation/confirm/", {}
    )
    assert response.status_code == 400
    assert "draft" in response.context["forms"]["confirm"].errors
    assert 'role="alert"' in response.content.decode()


def test_an_empty_addendum_names_the_text(web_as, signed_bhr, surgeon):
    with at(OPERATED_ON, 15):
        response = web_as(surgeon).post(
            f"/staff/episodes/{signed_bhr.public_id}/operation/addendum/", {"text": " "}
        )
    _refused(response, "addendum", "text")
    assert not Addendum.objects.exists()


def test_a_discharge_time_that_is_not_one_names_the_field(web_as, signed_bhr, nurse):
    with at(OPERATED_ON + dt.timedelta(days=1), 12):
        response = web_as(nurse).post(
            f"/staff/episodes/{signed_bhr.public_id}/operation/discharge/",
            {
                "out_of_bed_at": "yesterday",
                "discharged_on": "2026-02-03",
                "destination": "home",
                "destination_reason": "Partner at home",
                "criterion-pain-controlled": "met",
            },
        )
    form = _refused(response, "discharge", "out_of_bed_at")
    assert form["destination_reason"].value() == "Partner at home"
    assert form["criterion-pain-controlled"].value() is True  # ticked stays ticked
    assert not Discharge.objects.exists()


def test_a_discharge_the_service_refuses_lands_on_its_field(web_as, signed_bhr, nurse):
    with at(OPERATED_ON + dt.timedelta(days=1), 12):
        response = web_as(nurse).post(
            f"/staff/episodes/{signed_bhr.public_id}/operation/discharge/",
            {
                "out_of_bed_at": "2026-02-02T15:00",
                "discharged_on": "2026-02-03",
                "destination": "home",
                "destination_reason": "Partner at home",
                "criterion-pain-controlled": "met",
                "criterion-coping-at-home": "met",
            }
            | {"discharged_on": "2026-01-01"},
        )
    _refused(response, "discharge", "discharged_on")
    assert not Discharge.objects.exists()


def test_a_plan_day_out_of_range_lands_on_that_phase(web_as, signed_bhr, surgeon):
    with at(OPERATED_ON + dt.timedelta(days=1), 12):
        response = web_as(surgeon).post(
            f"/staff/episodes/{signed_bhr.public_id}/recovery-plan/adjust/",
            {"phase-crutches": "90", "reason": "slow to mobilise"},
        )
    # The plan's check names phases.cane (it would end before it starts): that phase's field.
    form = _refused(response, "adjust", "phase-cane")
    assert form["phase-crutches"].value() == "90"


def test_a_plan_day_that_is_not_a_number_names_the_field(web_as, signed_bhr, physio):
    with at(OPERATED_ON + dt.timedelta(days=1), 12):
        response = web_as(physio).post(
            f"/staff/episodes/{signed_bhr.public_id}/recovery-plan/adjust/",
            {"appointment-wound-check@12": "soon", "reason": "clinic closed"},
        )
    _refused(response, "adjust", "appointment-wound-check@12")


def test_a_phase_end_posted_by_someone_who_may_not_set_it_is_refused_and_audited(
    web_as, signed_bhr, physio
):
    """The phases' ends are the surgeon's: hidden from others, and refused if posted anyway."""
    plan = signed_bhr.recovery_plan
    before = (dict(plan.phase_end_days), dict(plan.appointment_days))
    client = web_as(physio)
    with at(OPERATED_ON + dt.timedelta(days=1), 12):
        page = client.get(f"/staff/episodes/{signed_bhr.public_id}/operation/")
        assert 'type="hidden" name="phase-crutches"' in page.content.decode()
        response = client.post(
            f"/staff/episodes/{signed_bhr.public_id}/recovery-plan/adjust/",
            {"phase-crutches": "50", "appointment-wound-check@12": "13", "reason": "clinic"},
        )
    assert response.status_code == 403
    refused = AuditEvent.objects.filter(action="access.refused", actor_username=physio.username)
    assert refused.exists()
    plan.refresh_from_db()
    assert (plan.phase_end_days, plan.appointment_days) == before  # not even the visit moved


def test_a_pain_score_out_of_range_names_the_field(web_as, signed_bhr, physio):
    with at(dt.date(2026, 2, 16), 14):
        response = web_as(physio).post(
            f"/staff/episodes/{signed_bhr.public_id}/recovery-plan/review/",
            {
                "reviewed_on": "2026-02-16",
                "walking_aid": "crutches",
                "weight_bearing": "as-advised",
                "pain": "11",
            },
        )
    _refused(response, "review", "pain")
    assert not PhysioReview.objects.exists()


def test_a_physio_review_the_pydantic_input_refuses_lands_on_its_field(web_as, signed_bhr, physio):
    with at(dt.date(2026, 2, 16), 14):
        response = web_as(physio).post(
            f"/staff/episodes/{signed_bhr.public_id}/recovery-plan/review/",
            {
                "reviewed_on": "2026-02-16",
                "walking_aid": "crutches",
                "weight_bearing": "as-advised",
                "flexion_deg": "200",
            },
        )
    _refused(response, "review", "flexion_deg")
    assert not PhysioReview.objects.exists()


def _form(procedure):
    return NoteForm(procedure=procedure, surgeons=[], override_reasons={}, ranged_phase=None)


def test_the_note_form_asks_what_the_catalogue_says_each_procedure_records():
    bhr, cd, thr = (
        get_procedure(c) for c in ("bhr", "core-decompression", "total-hip-replacement")
    )
    assert [name for name, _ in _form(bhr).rows()] == ["femoral", "acetabular"]
    assert "implant-femoral-size_reason_code" in _form(bhr).fields
    assert {"drill_passes", "graft_used", "graft_product"} <= set(_form(cd).fields)
    assert not _form(cd).rows()
    assert "implant-0-component" in _form(thr).fields
    assert "implant-0-size_reason_code" not in _form(thr).fields


def test_changing_the_catalogues_note_fields_changes_the_form():
    bhr = get_procedure("bhr")
    source = bhr.operation_note_fields[0].sources
    without_downsizing = bhr.model_copy(
        update={
            "operation_note_fields": tuple(
                f for f in bhr.operation_note_fields if f.code != "downsizing"
            )
        }
    )
    assert "implant-femoral-size_reason_code" not in _form(without_downsizing).fields
    cd = get_procedure("core-decompression")
    no_graft = cd.model_copy(
        update={
            "operation_note_fields": (
                NoteField(code="approach", title="Approach", sources=source),
                NoteField(code="drill-passes", title="Drill passes", sources=source),
            )
        }
    )
    assert "graft_used" not in _form(no_graft).fields
    assert "drill_passes" in _form(no_graft).fields


@pytest.mark.parametrize(
    ("procedure", "shown", "absent"),
    [
        ("core-decompression", 'name="drill_passes"', "data-implant="),
        ("total-hip-replacement", 'name="implant-0-component"', 'name="drill_passes"'),
    ],
)
def test_each_procedures_note_form_draws_what_its_catalogue_entry_records(
    web_as, bert, surgeon, procedure, shown, absent
):
    from coxa.surgery.services.schedule import schedule

    episode = ready(bert, surgeon, procedure=procedure)
    with at(LISTED_ON + dt.timedelta(days=1)):
        schedule(
            episode=episode,
            operation_on=OPERATED_ON,
            surgeon=surgeon,
            theatre_list="",
            by=surgeon,
            via=Via.WEB,
        )
    with at(OPERATED_ON, 11):
        page = web_as(surgeon).get(f"/staff/episodes/{episode.public_id}/operation/")
    assert page.status_code == 200
    assert shown in page.content.decode()
    assert absent not in page.content.decode()


def test_a_calendar_with_no_operation_date_yet_is_not_found(web_as, bert, surgeon):
    """No flash message for a refusal: a file with no dates to give is a 404."""
    episode = ready(bert, surgeon)
    response = web_as(surgeon).get(f"/staff/episodes/{episode.public_id}/recovery-plan.ics")
    assert response.status_code == 404
