"""VTE risk assessment and prophylaxis through the services, pages and portal (issue 13, H57)."""

import datetime as dt

import pytest

from coxa.assessment.domain.entries import Kind
from coxa.assessment.models import Readiness, VteAssessment
from coxa.assessment.services.entries import record_entries, record_entry
from coxa.core.audit import Via
from coxa.core.errors import InvalidInput
from coxa.surgery.models import OperationNote
from coxa.surgery.services import notes
from tests.journeys import at_time, list_episode, operation_note, pre_assessment, walk_to

pytestmark = pytest.mark.django_db
LISTED = dt.date(2027, 1, 4)
OPERATED = dt.date(2027, 2, 1)  # LMWH to 10 Feb, aspirin from 11 Feb to 10 March 2027


def test_a_missing_vte_assessment_blocks_ready(bert, nurse, surgeon):
    with at_time(LISTED):
        episode = list_episode(bert, surgeon)
        rows = [(Kind(k), p) for k, p in pre_assessment(episode, LISTED) if k != "vte"]
        record_entries(episode=episode, entries=rows, by=nurse, via=Via.WEB)
    episode.refresh_from_db()
    assert episode.state == "listed"
    gate = Readiness.objects.get(episode=episode).panel["gate"]
    assert any(p["ref"] == "vte-assessment" for p in gate["problems"])


def test_an_expired_vte_assessment_blocks_the_operation_day(bert, nurse, surgeon):
    # Valid 90 days (service policy): an operation 100 days after it is refused at booking.
    episode = walk_to("ready", patient=bert, by=surgeon, listed_on=LISTED)
    from coxa.assessment.services import readiness

    gate = readiness.gate_for(episode, operation_on=LISTED + dt.timedelta(days=100))
    assert "vte-assessment" in {p.ref for p in gate.problems}


@pytest.mark.parametrize(
    ("change", "code", "field"),
    [
        ({"risk_factors": ["long-flight"]}, "invalid-value", "risk_factors.0"),
        ({"bleeding_risks": []}, "invalid-value", "bleeding_risks"),
        ({"risk_factors": ["none-of-these", "obesity"]}, "vte-factors-conflict", "risk_factors"),
        ({"regimen": "warfarin"}, "regimen-not-offered", "regimen"),
    ],
)
def test_a_bad_assessment_names_the_field_and_saves_nothing(
    bert, nurse, surgeon, change, code, field
):
    with at_time(LISTED):
        episode = list_episode(bert, surgeon)
        payload = dict(pre_assessment(episode, LISTED))["vte"] | change
        with pytest.raises(InvalidInput) as refused:
            record_entry(kind=Kind.VTE, episode=episode, payload=payload, by=nurse, via=Via.WEB)
    assert (refused.value.problems[0].code.value, refused.value.problems[0].field) == (code, field)
    assert not VteAssessment.objects.exists()


def test_signing_is_refused_without_the_admission_reassessment(bert, surgeon):
    episode = walk_to("scheduled", patient=bert, by=surgeon, listed_on=LISTED, operated_on=OPERATED)
    with at_time(OPERATED, 11):
        draft = notes.write_note(
            episode=episode,
            note=operation_note("bhr", "left", OPERATED),
            surgeon=surgeon,
            by=surgeon,
            via=Via.WEB,
        )
        with pytest.raises(InvalidInput) as refused:
            notes.sign_note(episode=episode, by=surgeon, via=Via.WEB, draft=draft.draft_hash)
    assert "vte-admission-missing" in {p.code.value for p in refused.value.problems}
    assert not OperationNote.objects.get(episode=episode).is_signed


def test_a_note_without_prophylaxis_is_refused_on_its_field(bert, surgeon):
    episode = walk_to("scheduled", patient=bert, by=surgeon, listed_on=LISTED, operated_on=OPERATED)
    with at_time(OPERATED, 11), pytest.raises(InvalidInput) as refused:
        notes.write_note(
            episode=episode,
            note=operation_note("bhr", "left", OPERATED, vte_prophylaxis=None),
            surgeon=surgeon,
            by=surgeon,
            via=Via.WEB,
        )
    assert ("required", "vte_prophylaxis") in {
        (p.code.value, p.field) for p in refused.value.problems
    }
    assert not OperationNote.objects.exists()


def test_the_staff_plan_its_pdf_and_the_portal_give_the_end_date_in_words(
    web_as, surgeon, ada, ada_user, bert, monkeypatch
):
    printed: list[str] = []
    monkeypatch.setattr(
        "coxa.surgery.documents.pdf_from_html", lambda h: printed.append(h) or b"%PDF"
    )
    episode = walk_to("operated", patient=bert, by=surgeon, listed_on=LISTED, operated_on=OPERATED)
    with at_time(OPERATED + dt.timedelta(days=1)):
        page = (
            web_as(surgeon).get(f"/staff/episodes/{episode.public_id}/operation/").content.decode()
        )
        web_as(surgeon).get(f"/staff/episodes/{episode.public_id}/recovery-plan.pdf")
    for shown in (page, printed[0]):
        until = '<time datetime="2027-02-10">10 February 2027</time>'
        assert f"Blood-thinning injections each day until {until}" in shown
        assert "Aspirin tablets each day from 11 February 2027 until" in shown
        assert "10 March 2027" in shown
    assert "LMWH for 10 days, then aspirin" in page  # the staff's words in the signed note
    theirs = walk_to(
        "operated",
        patient=ada,
        by=surgeon,
        side="right",
        procedure="core-decompression",
        listed_on=LISTED,
        operated_on=OPERATED,
    )
    with at_time(OPERATED + dt.timedelta(days=1)):
        portal = web_as(ada_user).get(f"/portal/recovery/{theirs.public_id}/").content.decode()
    assert "Enoxaparin (40 mg by injection once a day) each day until" in portal
    assert "14 February 2027" in portal
    assert "lmwh" not in portal  # no codes
    assert portal.count("2027-02-14") == portal.count('datetime="2027-02-14"')  # no ISO dates


def test_prophylaxis_against_the_admission_conclusion_is_refused_at_signing(bert, nurse, surgeon):
    from tests.journeys import vte_assessment

    episode = walk_to("scheduled", patient=bert, by=surgeon, listed_on=LISTED, operated_on=OPERATED)
    with at_time(OPERATED, 8):
        bleeding = vte_assessment(episode, OPERATED, setting="admission") | {
            "bleeding_risks": ["active-bleeding"],
            "vte_risk_outweighs_bleeding_risk": False,
            "regimen": None,
        }
        record_entry(kind=Kind.VTE, episode=episode, payload=bleeding, by=nurse, via=Via.WEB)
    with at_time(OPERATED, 11):
        draft = notes.write_note(
            episode=episode,
            note=operation_note("bhr", "left", OPERATED),  # the usual regimen
            surgeon=surgeon,
            by=surgeon,
            via=Via.WEB,
        )
        with pytest.raises(InvalidInput) as refused:
            notes.sign_note(episode=episode, by=surgeon, via=Via.WEB, draft=draft.draft_hash)
        assert ("vte-prophylaxis-contradicted", "vte_prophylaxis.choice") in {
            (p.code.value, p.field) for p in refused.value.problems
        }
        none = {"choice": "none", "reason": "Active bleeding on admission"}
        draft = notes.write_note(
            episode=episode,
            note=operation_note("bhr", "left", OPERATED, vte_prophylaxis=none),
            surgeon=surgeon,
            by=surgeon,
            via=Via.WEB,
        )
        notes.sign_note(episode=episode, by=surgeon, via=Via.WEB, draft=draft.draft_hash)
    assert OperationNote.objects.get(episode=episode).is_signed
