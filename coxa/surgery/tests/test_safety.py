"""Issue 10: the workflow obeys what the engine knows. One test (or more) per hazard.

Each test names its hazard in docs/safety/hazard-log.md; each failed on the code before the
gates (the hazard log says what happened then).
"""

import dataclasses
import datetime as dt
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from coxa.accounts.models import User
from coxa.assessment.domain.entries import Kind
from coxa.assessment.domain.gate import GateCode
from coxa.assessment.models import Readiness
from coxa.assessment.services import entries, readiness
from coxa.catalogue import loader
from coxa.core.audit import Via
from coxa.core.errors import Conflict, Forbidden, InvalidInput
from coxa.core.models import AuditEvent
from coxa.decisions.domain.findings import Candidacy
from coxa.pathways.models import Episode, EpisodeTransition
from coxa.surgery import selectors
from coxa.surgery.models import Booking, OperationNote, OverrideConfirmation
from coxa.surgery.services import notes, recovery
from coxa.surgery.services.schedule import schedule
from coxa.surgery.tests.conftest import LISTED_ON, OPERATED_ON, at, bhr_note, cd_note, ready
from tests.journeys import admit, list_episode, pre_assessment, take_consent

pytestmark = pytest.mark.django_db


def fields(error):
    return {p.field for p in error.value.problems}


def codes(error):
    return {p.code for p in error.value.problems}


def record_all(episode, by, rows):
    entries.record_entries(
        episode=episode, entries=[(Kind(kind), data) for kind, data in rows], by=by, via=Via.WEB
    )
    episode.refresh_from_db()
    return episode


def book(episode, by, on=OPERATED_ON, **extra):
    """Book with Sam the surgeon operating (``by`` books it); Sam takes consent if none stands."""
    sam = User.objects.get(username="sam")
    with at(LISTED_ON + dt.timedelta(days=1)):
        if not episode.consents.filter(superseded_at__isnull=True, withdrawn_at__isnull=True):
            take_consent(episode, sam)
        return schedule(
            episode=episode,
            operation_on=on,
            surgeon=User.objects.get(username="sam"),
            theatre_list="Mon AM",
            by=by,
            via=Via.WEB,
            **extra,
        )


def sign(episode, by, **choices):
    note = OperationNote.objects.get(episode=episode)
    admit(episode, by, note.operated_on)  # the VTE reassessment on admission
    draft = note.draft_hash
    return notes.sign_note(episode=episode, by=by, via=Via.WEB, draft=draft, **choices)


# ---------------------------------------------------------------- H01, H02: the ready gate
def test_h01_a_woman_with_a_46_mm_head_listed_for_bhr_never_becomes_ready(ada, nurse, surgeon):
    with at(LISTED_ON):
        episode = list_episode(ada, surgeon)
        rows = pre_assessment(episode, LISTED_ON)
        rows[-1][1]["templated_head_size_mm"] = 46
        episode = record_all(episode, nurse, rows)
    assert episode.state == "listed"
    gate = Readiness.objects.get(episode=episode).panel["gate"]
    assert {p["ref"] for p in gate["problems"]} == {"bhr.sex", "bhr.head-size"}
    with at(LISTED_ON + dt.timedelta(days=1)), pytest.raises(InvalidInput) as refused:
        schedule(
            episode=episode,
            operation_on=OPERATED_ON,
            surgeon=surgeon,
            theatre_list="",
            by=nurse,
            via=Via.WEB,
        )
    assert "not-ready" in codes(refused)
    assert not Booking.objects.exists()


def test_h01_a_hip_that_becomes_contraindicated_after_booking_is_moved_back(bert, nurse, surgeon):
    episode = book(ready(bert, nurse), nurse).episode
    with at(LISTED_ON + dt.timedelta(days=2)):
        entries.record_entry(
            kind=Kind.ALLERGY,
            episode=episode,
            payload={"substance": "Cobalt", "recorded_on": LISTED_ON + dt.timedelta(days=2)},
            by=nurse,
            via=Via.WEB,
        )
    episode.refresh_from_db()
    assert episode.state == "listed"
    last = EpisodeTransition.objects.filter(episode=episode).last()
    assert last.is_backward
    assert "cobalt" in last.reason.lower()
    with at(OPERATED_ON, 11), pytest.raises(Conflict):
        notes.write_note(episode=episode, note=bhr_note(), surgeon=surgeon, by=surgeon, via=Via.WEB)


@pytest.mark.parametrize("left_out", ["imaging", "examination"])
@pytest.mark.parametrize("procedure", ["bhr", "core-decompression", "total-hip-replacement"])
def test_h02_a_hip_without_imaging_or_examination_is_not_ready(
    bert, nurse, surgeon, left_out, procedure
):
    with at(LISTED_ON):
        episode = list_episode(bert, surgeon, procedure=procedure)
        rows = [r for r in pre_assessment(episode, LISTED_ON) if r[0] != left_out]
        episode = record_all(episode, nurse, rows)
    assert episode.state == "listed"
    panel = readiness.evaluate_episode(episode).panel
    assert not panel.gate.holds
    assert any(p.code is GateCode.REQUIREMENT_MISSING for p in panel.gate.problems)


# ---------------------------------------------------------------- H08: cautions
def test_h08_a_caution_is_the_verdict_and_needs_a_surgeons_acknowledgement(
    bert, nurse, surgeon, physio
):
    with at(LISTED_ON):
        episode = list_episode(bert, surgeon)
        rows = pre_assessment(episode, LISTED_ON)
        rows[-1][1]["diagnosis"] = "inflammatory-arthritis"
        episode = record_all(episode, nurse, rows)
        assert episode.state == "listed"
        panel = readiness.evaluate_episode(episode).panel
        assert panel.candidacy is Candidacy.CAUTION
        assert [c.rule_id for c in panel.cautions] == ["bhr.diagnosis"]
        for user in (nurse, physio):
            with pytest.raises(Forbidden):
                readiness.acknowledge_cautions(
                    episode=episode, reason="Discussed at length with him.", by=user, via=Via.WEB
                )
        with pytest.raises(InvalidInput) as refused:
            readiness.acknowledge_cautions(episode=episode, reason=".", by=surgeon, via=Via.WEB)
        assert fields(refused) == {"reason"}
        readiness.acknowledge_cautions(
            episode=episode,
            reason="Seronegative, quiescent for years; he accepts the risk.",
            by=surgeon,
            via=Via.WEB,
        )
    episode.refresh_from_db()
    assert episode.state == "ready"
    assert AuditEvent.objects.filter(action="candidacy.acknowledge").exists()


def test_h08_a_new_caution_after_the_acknowledgement_moves_the_hip_back(bert, nurse, surgeon):
    with at(LISTED_ON):
        episode = list_episode(bert, surgeon)
        rows = pre_assessment(episode, LISTED_ON)
        rows[-1][1]["diagnosis"] = "dysplasia"
        episode = record_all(episode, nurse, rows)
        readiness.acknowledge_cautions(
            episode=episode, reason="Mild dysplasia; cover is adequate.", by=surgeon, via=Via.WEB
        )
    episode.refresh_from_db()
    assert episode.state == "ready"
    with at(LISTED_ON + dt.timedelta(days=1)):
        entries.record_entry(
            kind=Kind.OBSERVATION,
            episode=episode,
            payload={
                "code": "egfr",
                "value": 52,
                "unit": "mL/min/{1.73_m2}",
                "observed_on": LISTED_ON + dt.timedelta(days=1),
            },
            by=nurse,
            via=Via.WEB,
        )
    episode.refresh_from_db()
    assert episode.state == "listed"
    assert "bhr.renal-function" in EpisodeTransition.objects.filter(
        episode=episode
    ).last().reason or (
        "eGFR 52" in EpisodeTransition.objects.filter(episode=episode).last().reason
    )


def test_h08_the_api_reports_the_caution_and_takes_the_acknowledgement(
    api_as, bert, nurse, surgeon
):
    with at(LISTED_ON):
        episode = list_episode(bert, surgeon)
        rows = pre_assessment(episode, LISTED_ON)
        rows[-1][1]["diagnosis"] = "avascular-necrosis"
        record_all(episode, nurse, rows)
        base = f"/api/v1/episodes/{episode.public_id}"
        shown = api_as(nurse).get(f"{base}/readiness").json()
        assert shown["candidacy"] == "caution"
        assert shown["gate"]["holds"] is False
        assert shown["cautions"][0]["acknowledged"] is False
        refused = api_as(nurse).post(
            f"{base}/candidacy/acknowledgements",
            {"reason": "Discussed with the patient."},
            content_type="application/json",
        )
        assert refused.status_code == 403
        done = api_as(surgeon).post(
            f"{base}/candidacy/acknowledgements",
            {"reason": "AVN of the head only; the socket is sound."},
            content_type="application/json",
        )
        assert done.status_code == 201, done.content
        assert done.json()["gate"]["holds"] is True
    assert Episode.objects.get(pk=episode.pk).state == "ready"


# ---------------------------------------------------------------- H04, H19, H23: medicines
def stented(bert, nurse, surgeon):
    with at(LISTED_ON):
        episode = list_episode(bert, surgeon)
        rows = pre_assessment(episode, LISTED_ON)
        rows = [r for r in rows if not (r[0] == "review" and r[1]["list"] == "medications")]
        rows = [r for r in rows if r[0] != "history"]
        rows += [
            (
                "history",
                {
                    "diabetes": False,
                    "coronary_stent_or_recent_acs": True,
                    "metal_sensitivity": False,
                    "haemoglobinopathy": "none",
                    "heart_valve": "none",
                    "recorded_on": LISTED_ON,
                },
            ),
            (
                "medication",
                {
                    "name": "Aspirin 75 mg",
                    "class": "antiplatelet",
                    "atc": "B01AC06",
                    "indication": "coronary-stent",
                    "recorded_on": LISTED_ON,
                },
            ),
            (
                "medication",
                {
                    "name": "Clopidogrel 75 mg",
                    "class": "antiplatelet",
                    "atc": "B01AC04",
                    "indication": "coronary-stent",
                    "recorded_on": LISTED_ON,
                },
            ),
        ]
        episode = record_all(episode, nurse, rows)
        readiness.plan_operation(episode=episode, operation_on=OPERATED_ON, by=nurse, via=Via.WEB)
    return episode


def test_h04_a_stented_patient_is_never_told_to_stop_antiplatelets(
    bert, nurse, surgeon, web_as, api_as
):
    episode = stented(bert, nurse, surgeon)
    assert episode.state == "optimising"  # a clinician must decide first
    panel = Readiness.objects.get(episode=episode).panel
    assert sorted(
        (s["medication"], s["action"], s["stop_on"]) for s in panel["medication_stops"]
    ) == [("Aspirin 75 mg", "review", None), ("Clopidogrel 75 mg", "review", None)]
    with at(LISTED_ON):
        api = api_as(nurse).get(f"/api/v1/episodes/{episode.public_id}/readiness").json()
        letter = web_as(nurse).get(f"/staff/episodes/{episode.public_id}/letter/")
    assert {s["stop_on"] for s in api["medication_stops"]} == {None}
    assert all(s["needs_decision"] for s in api["medication_stops"])
    text = letter.content.decode()
    assert "do not take it from" not in text
    assert "Do not stop it yourself" in text
    assert "10 days" not in text


def test_h04_a_clinicians_recorded_plan_gives_the_dates_and_readiness_follows(
    bert, nurse, surgeon, anaesthetist, web_as
):
    episode = stented(bert, nurse, surgeon)
    with at(LISTED_ON):
        with pytest.raises(Forbidden):
            entries.record_entry(
                kind=Kind.MEDICINE_PLAN,
                episode=episode,
                payload={
                    "medicine": "Aspirin 75 mg",
                    "action": "continue",
                    "decided_on": LISTED_ON,
                },
                by=nurse,
                via=Via.WEB,
            )
        with pytest.raises(InvalidInput) as refused:
            entries.record_entry(
                kind=Kind.MEDICINE_PLAN,
                episode=episode,
                payload={"medicine": "Warfarin", "action": "continue", "decided_on": LISTED_ON},
                by=anaesthetist,
                via=Via.WEB,
            )
        assert fields(refused) == {"medicine"}
        for name, plan in (
            ("aspirin 75 MG", {"action": "continue"}),
            ("Clopidogrel 75 mg", {"action": "stop", "days_before": 5, "restart_days_after": 1}),
        ):
            entries.record_entry(
                kind=Kind.MEDICINE_PLAN,
                episode=episode,
                payload={"medicine": name, "decided_on": LISTED_ON, **plan},
                by=anaesthetist,
                via=Via.WEB,
            )
        letter = web_as(nurse).get(f"/staff/episodes/{episode.public_id}/letter/").content
    episode.refresh_from_db()
    assert episode.state == "ready"
    stops = {
        s["medication"]: s for s in Readiness.objects.get(episode=episode).panel["medication_stops"]
    }
    assert (stops["Aspirin 75 mg"]["action"], stops["Aspirin 75 mg"]["stop_on"]) == (
        "continue",
        None,
    )
    assert stops["Clopidogrel 75 mg"]["stop_on"] == str(OPERATED_ON - dt.timedelta(days=5))
    stop = OPERATED_ON - dt.timedelta(days=5)
    assert f"Do not take it from {stop:%A} {stop.day} {stop:%B %Y}" in letter.decode()


def test_h19_aspirin_typed_as_free_text_is_refused_and_never_matched(bert, nurse, surgeon):
    with at(LISTED_ON):
        episode = list_episode(bert, surgeon)
        with pytest.raises(InvalidInput) as refused:
            entries.record_entry(
                kind=Kind.MEDICATION,
                episode=episode,
                payload={
                    "name": "aspirin 75mg",
                    "class": "antiplatelet",
                    "indication": "primary-prevention",
                    "recorded_on": LISTED_ON,
                },
                by=nurse,
                via=Via.WEB,
            )
    assert fields(refused) == {"atc"}  # choose the coded medicine from the list


def test_h23_a_coded_medicine_must_match_its_class(bert, nurse, surgeon):
    with at(LISTED_ON):
        episode = list_episode(bert, surgeon)
        with pytest.raises(InvalidInput) as refused:
            entries.record_entry(
                kind=Kind.MEDICATION,
                episode=episode,
                payload={
                    "name": "Warfarin",
                    "class": "nsaid",
                    "atc": "B01AA03",
                    "recorded_on": LISTED_ON,
                },
                by=nurse,
                via=Via.WEB,
            )
    assert fields(refused) == {"class"}


# ---------------------------------------------------------------- H05, H20: expiry
def test_h05_results_that_expire_move_a_ready_hip_back_overnight(bert, nurse):
    episode = ready(bert, nurse)
    later = LISTED_ON + dt.timedelta(days=150)
    with at(later, 2):
        out = StringIO()
        call_command("refresh_readiness", stdout=out)
    episode.refresh_from_db()
    assert episode.state == "listed"
    assert "1 changed state" in out.getvalue()
    moved = EpisodeTransition.objects.filter(episode=episode).last()
    assert (moved.by, moved.is_backward) == (None, True)
    assert "expired" in moved.reason
    snapshot = Readiness.objects.get(episode=episode)
    assert snapshot.moved_back_at is not None
    assert AuditEvent.objects.filter(
        action="episode.transition", actor_username="coxa", object_id=str(episode.public_id)
    ).exists()
    with at(later, 9), pytest.raises(InvalidInput) as refused:
        schedule(
            episode=episode,
            operation_on=later + dt.timedelta(days=10),
            surgeon=nurse,
            theatre_list="",
            by=nurse,
            via=Via.WEB,
        )
    assert "not-ready" in codes(refused)


def test_h05_the_nightly_check_moves_a_booked_hip_back_and_the_worklists_show_it(
    bert, nurse, surgeon, web_as
):
    episode = book(ready(bert, surgeon), nurse).episode
    later = LISTED_ON + dt.timedelta(days=5)
    with at(later):
        # A result that arrives by an import (no one at the clinic to act on it).
        entries.record_entry(
            kind=Kind.OBSERVATION,
            episode=episode,
            payload={"code": "haemoglobin", "value": 98, "unit": "g/L", "observed_on": later},
            by=nurse,
            via=Via.CLI,
            apply_transitions=False,
        )
    assert Episode.objects.get(pk=episode.pk).state == "scheduled"
    with at(later, 2):
        call_command("refresh_readiness", stdout=StringIO())
    episode.refresh_from_db()
    assert episode.state == "optimising"
    with at(later, 9):
        pre = web_as(nurse).get("/staff/worklists/pre-assessment/?flag=moved-back")
        theatre = web_as(nurse).get("/staff/worklists/theatre-and-recovery/")
    assert "OKAFOR" in pre.content.decode()
    section = theatre.content.decode().split("<h2>Booked, but no longer scheduled")[1]
    assert "OKAFOR" in section.split("</section>")[0]
    assert "Haemoglobin 98" in section.split("</section>")[0]


def test_h05_once_the_operation_day_has_come_the_hip_is_never_moved_back(bert, nurse, surgeon):
    # Review finding: the nightly job moved an operated, unsigned hip back to listed, and
    # its note could never be written. Signing judges the gate as of the operation day.
    episode = book(ready(bert, surgeon), nurse).episode
    with at(OPERATED_ON, 11):
        draft = notes.write_note(
            episode=episode, note=bhr_note(), surgeon=surgeon, by=surgeon, via=Via.WEB
        ).draft_hash
    with at(OPERATED_ON + dt.timedelta(days=3), 2):  # the medicines check lapsed meanwhile
        out = StringIO()
        call_command("refresh_readiness", stdout=out)
    assert Episode.objects.get(pk=episode.pk).state == "scheduled"
    with at(OPERATED_ON + dt.timedelta(days=3), 9):
        admit(episode, surgeon, OPERATED_ON)
        notes.sign_note(episode=episode, by=surgeon, via=Via.WEB, draft=draft)
    assert Episode.objects.get(pk=episode.pk).state == "operated"


def test_h05_the_nightly_check_can_say_what_it_would_do_and_change_nothing(bert, nurse):
    episode = ready(bert, nurse)
    with at(LISTED_ON + dt.timedelta(days=150), 2):
        out = StringIO()
        call_command("refresh_readiness", "--dry-run", stdout=out)
    assert f"would move {episode.public_id}: ready -> listed" in out.getvalue()
    assert Episode.objects.get(pk=episode.pk).state == "ready"


def test_h20_booking_refuses_a_day_by_which_the_results_will_have_lapsed(bert, nurse, surgeon):
    episode = ready(bert, nurse)
    with at(LISTED_ON + dt.timedelta(days=1)):
        take_consent(episode, surgeon)
    with at(LISTED_ON + dt.timedelta(days=1)), pytest.raises(InvalidInput) as refused:
        schedule(
            episode=episode,
            operation_on=LISTED_ON + dt.timedelta(days=45),  # medicines checked 30 days
            surgeon=surgeon,
            theatre_list="",
            by=nurse,
            via=Via.WEB,
        )
    messages = " ".join(p.message for p in refused.value.problems)
    assert "Current medicines: valid until 04 Feb 2026" in messages
    assert Episode.objects.get(pk=episode.pk).state == "ready"


def test_h22_a_booked_hip_is_re_dated_only_through_its_booking(bert, nurse, surgeon):
    episode = book(ready(bert, nurse), nurse).episode
    with at(LISTED_ON + dt.timedelta(days=2)), pytest.raises(Conflict):
        readiness.plan_operation(
            episode=episode,
            operation_on=OPERATED_ON + dt.timedelta(days=1),
            by=nurse,
            via=Via.WEB,
            reason="moved",
        )
    assert Episode.objects.get(pk=episode.pk).operation_on == OPERATED_ON


# ---------------------------------------------------------------- H09, H10, H11: the note
def test_h09_a_bhr_note_for_a_woman_is_refused(bert, nurse, surgeon):
    # Booked, then the patient's recorded sex was corrected: the note still refuses BHR.
    from coxa.patients import services as patients

    episode = book(ready(bert, surgeon), nurse).episode
    patients.update_patient(
        patient=bert,
        details=dataclasses.replace(bert.to_details(), sex="female"),
        by=nurse,
        via=Via.WEB,
        reason="Recorded wrongly at registration.",
    )
    with at(OPERATED_ON, 11), pytest.raises(InvalidInput) as refused:
        notes.write_note(episode=episode, note=bhr_note(), surgeon=surgeon, by=surgeon, via=Via.WEB)
    assert "sex" in codes(refused)
    assert fields(refused) >= {"procedure"}


def test_h10_the_cup_must_pair_with_the_head(bert, nurse, surgeon):
    episode = book(ready(bert, surgeon), nurse).episode
    mismatched = bhr_note(
        implants=[
            {"component": "femoral", "manufacturer": "S&N", "size_mm": 50, "lot": "F"},
            {"component": "acetabular", "manufacturer": "S&N", "size_mm": 66, "lot": "A"},
        ]
    )
    with at(OPERATED_ON, 11), pytest.raises(InvalidInput) as refused:
        notes.write_note(episode=episode, note=mismatched, surgeon=surgeon, by=surgeon, via=Via.WEB)
    assert "pairing" in codes(refused)
    assert fields(refused) == {"implants.1.size_mm"}


def test_h11_a_restricted_head_needs_a_coded_reason_and_a_second_clinician(
    bert, nurse, surgeon, anaesthetist
):
    episode = book(ready(bert, surgeon), nurse).episode
    restricted = bhr_note(
        implants=[
            {
                "component": "femoral",
                "manufacturer": "S&N",
                "size_mm": 48,
                "lot": "F",
                "size_reason_code": "agreed-at-mdt",
                "size_reason": "Smaller man; MDT agreed.",
            },
            {"component": "acetabular", "manufacturer": "S&N", "size_mm": 54, "lot": "A"},
        ]
    )
    with at(OPERATED_ON, 11):
        draft = notes.write_note(
            episode=episode, note=restricted, surgeon=surgeon, by=surgeon, via=Via.WEB
        )
        with pytest.raises(InvalidInput) as refused:
            sign(episode, surgeon)
        assert "override-unconfirmed" in codes(refused)
        with pytest.raises(Conflict):  # the operating surgeon cannot confirm his own
            notes.confirm_override(episode=episode, draft=draft.draft_hash, by=surgeon, via=Via.WEB)
        notes.confirm_override(
            episode=episode, draft=draft.draft_hash, by=anaesthetist, via=Via.WEB
        )
        # Rewriting the draft voids the confirmation: it was for the other draft.
        notes.write_note(
            episode=episode,
            note=restricted.model_copy(update={"findings": "changed"}),
            surgeon=surgeon,
            by=surgeon,
            via=Via.WEB,
        )
        with pytest.raises(InvalidInput) as refused:
            sign(episode, surgeon)
        assert "override-unconfirmed" in codes(refused)
        rewritten = OperationNote.objects.get(episode=episode).draft_hash
        notes.confirm_override(episode=episode, draft=rewritten, by=anaesthetist, via=Via.WEB)
        sign(episode, surgeon)
    assert OverrideConfirmation.objects.count() == 2
    assert AuditEvent.objects.filter(action="operation-note.confirm-override").count() == 2


# ---------------------------------------------------------------- H13, H14: draft and date
def test_h13_signing_names_the_draft_and_refuses_another(bert, nurse, surgeon):
    episode = book(ready(bert, surgeon), nurse).episode
    with at(OPERATED_ON, 11):
        shown = notes.write_note(
            episode=episode, note=bhr_note(), surgeon=surgeon, by=surgeon, via=Via.WEB
        ).draft_hash
        notes.write_note(
            episode=episode,
            note=bhr_note(findings="edited elsewhere"),
            surgeon=surgeon,
            by=surgeon,
            via=Via.WEB,
        )
        with pytest.raises(Conflict) as refused:
            notes.sign_note(episode=episode, by=surgeon, via=Via.WEB, draft=shown)
        assert refused.value.code == "draft-changed"
        assert not OperationNote.objects.get(episode=episode).is_signed
        stored = OperationNote.objects.get(episode=episode)
        again = notes.stored_input(stored)
        assert [i.lot for i in again.implants] == ["F1", "A1"]  # the draft round-trips


def test_h14_a_note_dated_off_the_booking_needs_a_reason_and_re_dates_everything(
    bert, nurse, surgeon, web_as
):
    episode = book(ready(bert, surgeon), nurse).episode
    day = OPERATED_ON - dt.timedelta(days=1)
    with at(day, 16):
        with pytest.raises(InvalidInput) as refused:
            notes.write_note(
                episode=episode,
                note=bhr_note(operated_on=day),
                surgeon=surgeon,
                by=surgeon,
                via=Via.WEB,
            )
        assert fields(refused) == {"date_change_reason"}
        notes.write_note(
            episode=episode,
            note=bhr_note(operated_on=day, date_change_reason="Moved up a day: a list gap."),
            surgeon=surgeon,
            by=surgeon,
            via=Via.WEB,
        )
        sign(episode, surgeon)
        letter = web_as(nurse).get(f"/staff/episodes/{episode.public_id}/letter/").content
    episode.refresh_from_db()
    assert episode.operation_on == day
    assert Booking.objects.get(episode=episode).operation_on == episode.booked_on == day
    plan, final = selectors.plan_of(episode)
    assert (final, plan.operation_on) == (True, day)
    assert day.strftime("%-d %B %Y") in letter.decode()


# ---------------------------------------------------------------- H12: frozen plans
def test_h12_a_signed_plan_never_moves_with_a_later_catalogue(bert, nurse, surgeon, monkeypatch):
    episode = book(ready(bert, surgeon), nurse).episode
    with at(OPERATED_ON, 11):
        notes.write_note(episode=episode, note=bhr_note(), surgeon=surgeon, by=surgeon, via=Via.WEB)
        sign(episode, surgeon)
    before = selectors.plan_of(episode)[0].dates()
    catalogue = loader.get_catalogue()
    bhr = catalogue.procedures["bhr"]
    phases = tuple(
        p.model_copy(update={"end_day_min": p.end_day_min + 7, "end_day_max": p.end_day_max + 7})
        for p in bhr.recovery.phases
    )
    changed = catalogue.model_copy(
        update={
            "version": "2099.1.1",
            "procedures": {
                **catalogue.procedures,
                "bhr": bhr.model_copy(
                    update={"recovery": bhr.recovery.model_copy(update={"phases": phases})}
                ),
            },
        }
    )
    monkeypatch.setattr(loader, "get_catalogue", lambda: changed)
    monkeypatch.setattr("coxa.catalogue.registry.get_catalogue", lambda: changed)
    assert selectors.plan_of(episode)[0].dates() == before
    stored = episode.recovery_plan
    assert stored.catalogue_version != "2099.1.1"
    assert stored.issued == {k: v.isoformat() for k, v in before.items()}


# ---------------------------------------------------------------- H15: late booking
def test_h15_a_stop_date_already_past_blocks_booking_until_acknowledged(
    bert, nurse, surgeon, web_as
):
    with at(LISTED_ON):
        episode = list_episode(bert, surgeon)
        rows = [
            r
            for r in pre_assessment(episode, LISTED_ON)
            if not (r[0] == "review" and r[1]["list"] == "medications")
        ]
        rows.append(
            (
                "medication",
                {
                    "name": "Ibuprofen 400 mg",
                    "class": "nsaid",
                    "atc": "M01AE01",
                    "recorded_on": LISTED_ON,
                },
            )
        )
        episode = record_all(episode, nurse, rows)
    soon = LISTED_ON + dt.timedelta(days=6)  # a 10-day stop would have begun already
    with pytest.raises(InvalidInput) as refused:
        book(episode, nurse, on=soon)
    assert fields(refused) == {"late_stops_reason"}
    with pytest.raises(InvalidInput):
        book(episode, surgeon, on=soon, late_stops_reason="ok")
    agreed = "Stopped ibuprofen today by phone; surgeon content."
    with pytest.raises(InvalidInput) as refused:  # a clinical decision, not the booker's
        book(episode, nurse, on=soon, late_stops_reason=agreed)
    assert fields(refused) == {"late_stops_reason"}
    done = book(episode, surgeon, on=soon, late_stops_reason=agreed)
    assert done.booking.late_stops == [
        {"medication": "Ibuprofen 400 mg", "stop_on": str(soon - dt.timedelta(days=10))}
    ]
    with at(LISTED_ON + dt.timedelta(days=2)):
        page = web_as(nurse).get("/staff/worklists/theatre-and-recovery/").content.decode()
    section = page.split("<h2>Booked after a medicine")[1].split("</section>")[0]
    assert "OKAFOR" in section


# ---------------------------------------------------------------- H16, H17, H18: recovery
def test_h16_discharge_with_an_unmet_criterion_needs_a_reason(bert, nurse, surgeon):
    from coxa.surgery.domain.recovery import DischargeIn

    episode = book(ready(bert, surgeon), nurse).episode
    with at(OPERATED_ON, 11):
        notes.write_note(episode=episode, note=bhr_note(), surgeon=surgeon, by=surgeon, via=Via.WEB)
        sign(episode, surgeon)
    entry = {
        "out_of_bed_at": "2026-02-02T16:00:00+00:00",
        "discharged_on": "2026-02-03",
        "destination": "home",
        "destination_reason": "Wants to go home",
        "criteria": {"pain-controlled": False, "coping-at-home": True},
    }
    with at(OPERATED_ON + dt.timedelta(days=1), 12):
        for reason in ("", "."):
            with pytest.raises(InvalidInput) as refused:
                recovery.record_discharge(
                    episode=episode,
                    entry=DischargeIn.model_validate(entry | {"unmet_reason": reason}),
                    by=nurse,
                    via=Via.WEB,
                )
            assert fields(refused) == {"unmet_reason"}
        done = recovery.record_discharge(
            episode=episode,
            entry=DischargeIn.model_validate(
                entry | {"unmet_reason": "Pain settling; district nurse visits daily."}
            ),
            by=nurse,
            via=Via.WEB,
        )
    assert done.unmet_reason.startswith("Pain settling")


def test_h17_core_decompression_offload_is_a_required_choice(bert, nurse, surgeon):
    episode = book(ready(bert, surgeon, side="right", procedure="core-decompression"), nurse)
    episode = episode.episode
    with at(OPERATED_ON, 15):
        notes.write_note(episode=episode, note=cd_note(), surgeon=surgeon, by=surgeon, via=Via.WEB)
        with pytest.raises(InvalidInput) as refused:
            sign(episode, surgeon)
        assert fields(refused) == {"offload_days"}
        sign(
            episode, surgeon, offload_days=70, offload_reason="Large lesion; protect for 10 weeks."
        )
    plan, _ = selectors.plan_of(episode)
    assert plan.phases[0].ends_on == OPERATED_ON + dt.timedelta(days=70)
    assert episode.recovery_plan.extended == {"offload": "Large lesion; protect for 10 weeks."}


def test_h18_a_review_that_contradicts_the_plans_weight_bearing_is_flagged(
    bert, nurse, surgeon, physio, web_as
):
    from coxa.surgery.domain.recovery import PhysioReviewIn

    episode = book(ready(bert, surgeon, side="right", procedure="core-decompression"), nurse)
    episode = episode.episode
    with at(OPERATED_ON, 15):
        notes.write_note(episode=episode, note=cd_note(), surgeon=surgeon, by=surgeon, via=Via.WEB)
        sign(episode, surgeon, offload_days=42)
    day = OPERATED_ON + dt.timedelta(days=14)
    with at(day, 14):
        review = recovery.record_review(
            episode=episode,
            entry=PhysioReviewIn.model_validate(
                {"reviewed_on": day, "walking_aid": "none", "weight_bearing": "full"}
            ),
            by=physio,
            via=Via.WEB,
        )
        page = web_as(surgeon).get(f"/staff/episodes/{episode.public_id}/operation/")
        worklist = web_as(surgeon).get("/staff/worklists/theatre-and-recovery/")
    assert "plan says offloaded" in review.plan_conflict
    assert "Contradicts the plan" in page.content.decode()
    assert "contradicts the plan" in worklist.content.decode()
    fine = PhysioReviewIn.model_validate(
        {"reviewed_on": day, "walking_aid": "crutches", "weight_bearing": "offloaded"}
    )
    with at(day, 15):
        assert (
            recovery.record_review(
                episode=episode, entry=fine, by=physio, via=Via.WEB
            ).plan_conflict
            == ""
        )


# ---------------------------------------------------------------- found by review and walk
def test_h25_the_episode_page_shows_a_move_coxa_made_itself(bert, nurse, web_as):
    # Browser walk: the episode page answered 500 for every hip the nightly check had moved.
    episode = ready(bert, nurse)
    with at(LISTED_ON + dt.timedelta(days=150), 2):
        call_command("refresh_readiness", stdout=StringIO())
    page = web_as(nurse).get(f"/staff/episodes/{episode.public_id}/")
    assert page.status_code == 200
    assert "Coxa (readiness check)" in page.content.decode()


def test_h26_a_man_turning_65_before_the_operation_can_be_acknowledged_and_booked(nurse, surgeon):
    from coxa.conftest import details
    from coxa.patients import services as patients

    born = OPERATED_ON.replace(year=OPERATED_ON.year - 65) - dt.timedelta(days=3)
    with at(LISTED_ON):
        patient = patients.register_patient(
            details=details(date_of_birth=born, nhs_number="", hospital_number="H65"),
            by=nurse,
            via=Via.WEB,
        )
    episode = ready(patient, surgeon)
    with pytest.raises(InvalidInput) as refused:
        book(episode, nurse)
    assert any("Aged 65" in p.message for p in refused.value.problems)
    with at(LISTED_ON + dt.timedelta(days=1)):
        readiness.plan_operation(episode=episode, operation_on=OPERATED_ON, by=nurse, via=Via.WEB)
        readiness.acknowledge_cautions(
            episode=episode,
            reason="Sixty-five at surgery; very active, good bone; he accepts the risk.",
            by=surgeon,
            via=Via.WEB,
        )
    assert book(episode, nurse).episode.state == "scheduled"


def test_h27_a_projected_offload_promises_no_end_date(bert, nurse, surgeon, api_as):
    from icalendar import Calendar

    episode = book(ready(bert, surgeon, side="right", procedure="core-decompression"), nurse)
    episode = episode.episode
    with at(LISTED_ON + dt.timedelta(days=2)):
        plan = api_as(nurse).get(f"/api/v1/episodes/{episode.public_id}/recovery-plan").json()
        ics = api_as(nurse).get(f"/api/v1/episodes/{episode.public_id}/recovery-plan.ics")
    offload = plan["phases"][0]
    assert (offload["settled"], offload["earliest_end"], offload["latest_end"]) == (
        False,
        str(OPERATED_ON + dt.timedelta(days=28)),
        str(OPERATED_ON + dt.timedelta(days=56)),
    )
    summaries = [str(e["summary"]) for e in Calendar.from_ical(ics.content).walk("VEVENT")]
    assert not any("Keep weight off" in s for s in summaries)


def test_h28_only_a_surgeon_changes_how_long_weight_bearing_is_limited(
    bert, nurse, surgeon, physio
):
    episode = book(ready(bert, surgeon, side="right", procedure="core-decompression"), nurse)
    episode = episode.episode
    with at(OPERATED_ON, 15):
        notes.write_note(episode=episode, note=cd_note(), surgeon=surgeon, by=surgeon, via=Via.WEB)
        sign(episode, surgeon, offload_days=56)
    with at(OPERATED_ON + dt.timedelta(days=3)):
        for user in (nurse, physio):
            with pytest.raises(Forbidden):
                recovery.adjust_plan(
                    episode=episode,
                    phase_end_days={"offload": 28},
                    appointment_days={},
                    reason="Doing well, wants to walk.",
                    by=user,
                    via=Via.WEB,
                )
        recovery.adjust_plan(
            episode=episode,
            phase_end_days={},
            appointment_days={"wound-check@12": 15},  # day 12 is a Saturday: Tuesday
            reason="Clinic closed on the Tuesday.",
            by=nurse,
            via=Via.WEB,
        )


def test_h29_a_medicine_recorded_after_its_stop_day_is_flagged(bert, nurse, surgeon, web_as):
    episode = book(ready(bert, surgeon), nurse).episode
    late = OPERATED_ON - dt.timedelta(days=4)
    with at(late):
        entries.record_entry(
            kind=Kind.MEDICATION,
            episode=episode,
            payload={
                "name": "Ibuprofen 400 mg",
                "class": "nsaid",
                "atc": "M01AE01",
                "recorded_on": late,
            },
            by=nurse,
            via=Via.WEB,
        )
        worklist = web_as(nurse).get("/staff/worklists/pre-assessment/?flag=late-stop")
        letter = web_as(nurse).get(f"/staff/episodes/{episode.public_id}/letter/")
    assert Readiness.objects.get(episode=episode).late_stop
    assert "OKAFOR" in worklist.content.decode()
    assert "you should already have stopped this" in letter.content.decode()


def test_h30_the_letter_never_says_keep_taking_unchecked_medicines(bert, nurse, surgeon, web_as):
    with at(LISTED_ON):
        episode = list_episode(bert, surgeon)
        letter = web_as(nurse).get(f"/staff/episodes/{episode.public_id}/letter/").content
    text = letter.decode()
    assert "We have not yet checked your medicines with you" in text
    assert "Keep taking your usual medicines" not in text


def test_h31_the_nightly_check_goes_on_when_one_hip_fails(bert, ada, nurse, surgeon, monkeypatch):
    from coxa.assessment.services import nightly as service

    first = ready(bert, nurse)
    second = ready(ada, surgeon, side="right", procedure="core-decompression")
    real = service.refresh

    def failing(episode, **kwargs):
        if episode.pk == first.pk:
            raise RuntimeError("a broken record")
        return real(episode, **kwargs)

    monkeypatch.setattr(service, "refresh", failing)
    out = StringIO()
    with at(LISTED_ON + dt.timedelta(days=150), 2), pytest.raises(CommandError, match="1 episode"):
        call_command("refresh_readiness", stdout=out)
    assert Episode.objects.get(pk=second.pk).state == "listed"  # still moved back
    assert Episode.objects.get(pk=first.pk).state == "ready"


def test_h32_an_operation_date_is_within_a_year(bert, nurse, surgeon):
    episode = ready(bert, surgeon)
    with at(LISTED_ON + dt.timedelta(days=1)), pytest.raises(InvalidInput) as refused:
        readiness.plan_operation(
            episode=episode, operation_on=dt.date(2099, 1, 1), by=nurse, via=Via.WEB
        )
    assert fields(refused) == {"operation_on"}
    with pytest.raises(InvalidInput) as refused:
        book(episode, nurse, on=dt.date(2099, 1, 1))
    assert "too-far-ahead" in codes(refused)


def test_h33_a_hip_replacement_note_records_replacement_components(bert, nurse, surgeon):
    from tests.journeys import operation_note

    episode = book(ready(bert, surgeon, procedure="total-hip-replacement"), nurse).episode
    wrong = operation_note("total-hip-replacement", "left", OPERATED_ON).model_copy(
        update={
            "implants": [
                bhr_note().implants[0],  # a resurfacing head, left as the default
            ]
        }
    )
    with at(OPERATED_ON, 11), pytest.raises(InvalidInput) as refused:
        notes.write_note(episode=episode, note=wrong, surgeon=surgeon, by=surgeon, via=Via.WEB)
    assert "implants.0.component" in fields(refused)


def test_h34_a_coded_medicine_is_named_as_itself(bert, nurse, surgeon):
    # Second walk: "Clopidogrel 75 mg" coded as aspirin got aspirin's 10-day stop, and the
    # letter told the patient to stop clopidogrel.
    with at(LISTED_ON):
        episode = list_episode(bert, surgeon)
        with pytest.raises(InvalidInput) as refused:
            entries.record_entry(
                kind=Kind.MEDICATION,
                episode=episode,
                payload={
                    "name": "Clopidogrel 75 mg",
                    "class": "antiplatelet",
                    "atc": "B01AC06",
                    "indication": "primary-prevention",
                    "recorded_on": LISTED_ON,
                },
                by=nurse,
                via=Via.WEB,
            )
    assert fields(refused) == {"name"}


def test_h35_a_replacement_note_records_a_whole_hip_each_part_once(bert, nurse, surgeon):
    from tests.journeys import operation_note

    episode = book(ready(bert, surgeon, procedure="total-hip-replacement"), nurse).episode
    whole = operation_note("total-hip-replacement", "left", OPERATED_ON)
    stem, head, shell = whole.implants
    with at(OPERATED_ON, 11):
        for implants in ([stem, head], [stem, stem, head, shell]):
            with pytest.raises(InvalidInput) as refused:
                notes.write_note(
                    episode=episode,
                    note=whole.model_copy(update={"implants": implants}),
                    surgeon=surgeon,
                    by=surgeon,
                    via=Via.WEB,
                )
            assert "components" in codes(refused)
        notes.write_note(episode=episode, note=whole, surgeon=surgeon, by=surgeon, via=Via.WEB)


def test_h36_a_note_of_today_cannot_end_after_now(bert, nurse, surgeon):
    episode = book(ready(bert, surgeon), nurse).episode
    with at(OPERATED_ON, 10), pytest.raises(InvalidInput) as refused:  # 10:00; it "ended" 10:40
        notes.write_note(episode=episode, note=bhr_note(), surgeon=surgeon, by=surgeon, via=Via.WEB)
    assert fields(refused) == {"ended_at"}


def test_h37_after_the_operation_the_getting_ready_letter_says_it_no_longer_applies(
    bert, nurse, surgeon, web_as
):
    episode = book(ready(bert, surgeon), nurse).episode
    with at(OPERATED_ON, 11):
        notes.write_note(episode=episode, note=bhr_note(), surgeon=surgeon, by=surgeon, via=Via.WEB)
        sign(episode, surgeon)
        letter = web_as(nurse).get(f"/staff/episodes/{episode.public_id}/letter/").content
        clinic = web_as(nurse).get(f"/staff/episodes/{episode.public_id}/clinic/").content
    assert "Your operation took place" in letter.decode()
    assert "We are planning your operation" not in letter.decode()
    assert "the readiness check no longer applies" in clinic.decode()


def test_h38_plan_changes_and_re_dating_are_bounded_and_give_a_reason(bert, nurse, surgeon):
    episode = book(ready(bert, surgeon), nurse).episode
    with at(LISTED_ON + dt.timedelta(days=2)), pytest.raises(InvalidInput) as refused:
        schedule(
            episode=episode,
            operation_on=OPERATED_ON + dt.timedelta(days=1),
            surgeon=surgeon,
            theatre_list="",
            by=nurse,
            via=Via.WEB,
            reason=".",
        )
    assert fields(refused) == {"reason"}
    with at(OPERATED_ON, 11):
        notes.write_note(episode=episode, note=bhr_note(), surgeon=surgeon, by=surgeon, via=Via.WEB)
        sign(episode, surgeon)
    with at(OPERATED_ON + dt.timedelta(days=2)), pytest.raises(InvalidInput) as refused:
        recovery.adjust_plan(
            episode=episode,
            phase_end_days={},
            appointment_days={"wound-check@12": 5000},
            reason="Patient away for a long while.",
            by=nurse,
            via=Via.WEB,
        )
    assert "appointment-too-late" in codes(refused)
