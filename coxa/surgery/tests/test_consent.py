"""Consent: recorded by a surgeon, kept for good, required before booking, linked to overrides."""

import datetime as dt

import pytest

from coxa.catalogue.loader import get_catalogue
from coxa.core.audit import Via
from coxa.core.errors import Conflict, ErrorCode, Forbidden, InvalidInput, NotFound
from coxa.core.models import AuditEvent
from coxa.surgery.models import Booking, Consent, OverrideConfirmation
from coxa.surgery.services import consent, notes
from coxa.surgery.services.schedule import schedule
from coxa.surgery.tests.conftest import LISTED_ON, OPERATED_ON, at, bhr_note, ready
from tests.journeys import consent_input, take_consent

pytestmark = pytest.mark.django_db

DAY_AFTER = LISTED_ON + dt.timedelta(days=1)


def book(episode, by, surgeon, on=OPERATED_ON, **extra):
    return schedule(
        episode=episode,
        operation_on=on,
        surgeon=surgeon,
        theatre_list="Mon AM",
        by=by,
        via=Via.WEB,
        **extra,
    )


def record(episode, by, **overrides):
    return consent.record_consent(
        episode=episode, entry=consent_input(episode, **overrides), by=by, via=Via.WEB
    )


def refused_codes(error):
    return {(p.code, p.field) for p in error.value.problems}


def test_a_surgeon_records_consent_with_what_was_discussed_copied_from_the_catalogue(bert, surgeon):
    episode = ready(bert, surgeon, consented=False)
    with at(DAY_AFTER):
        stored = record(episode, surgeon, note="Asked about running; answered.")
    assert stored.is_current
    assert stored.taken_by == surgeon
    assert stored.procedure == "bhr"
    assert stored.side == "left"
    # The leaflet version the patient was given: the catalogue's, whatever it is today.
    leaflet = get_catalogue().procedures["bhr"].patient_information
    assert stored.information_version == leaflet.version != ""
    assert stored.catalogue_version
    fracture = next(r for r in stored.risks if r["code"] == "fracture")
    assert "0.98%" in fracture["frequency"]
    dislocation = next(r for r in stored.risks if r["code"] == "dislocation")
    assert dislocation["frequency"] == "not known"
    assert [a["code"] for a in stored.alternatives] == ["non-operative", "total-hip-replacement"]
    event = AuditEvent.objects.get(action="consent.record")
    assert event.object_id == str(stored.public_id)
    assert "left hip" in event.summary


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"side": "right"}, (ErrorCode.SIDE_MISMATCH, "side")),
        ({"procedure": "total-hip-replacement"}, (ErrorCode.PROCEDURE_MISMATCH, "procedure")),
        (
            {"risks": ["infection", "dislocation", "fracture", "nerve-damage", "made-up"]},
            (ErrorCode.UNKNOWN_RISK, "risks"),
        ),
        ({"risks": ["infection"]}, (ErrorCode.MATERIAL_RISK_MISSING, "risks")),
        (
            {"alternatives": ["total-hip-replacement"]},
            (ErrorCode.ALTERNATIVE_MISSING, "alternatives"),
        ),
        ({"information_version": "2020.1"}, (ErrorCode.INFORMATION_VERSION, "information_version")),
        (
            {"taken_at": dt.datetime(2026, 1, 6, 9, 1, tzinfo=dt.UTC)},
            (ErrorCode.DATE_IN_FUTURE, "taken_at"),
        ),
        (
            {"taken_at": dt.datetime(2025, 12, 1, 9, 0, tzinfo=dt.UTC)},
            (ErrorCode.BEFORE_EPISODE, "taken_at"),
        ),
    ],
)
def test_a_bad_consent_is_refused_naming_its_field_and_saves_nothing(
    bert, surgeon, overrides, expected
):
    episode = ready(bert, surgeon, consented=False)
    with at(DAY_AFTER), pytest.raises(InvalidInput) as refused:
        record(episode, surgeon, **overrides)
    assert expected in refused_codes(refused)
    assert not Consent.objects.exists()
    assert not AuditEvent.objects.filter(action="consent.record").exists()


@pytest.mark.parametrize("role", ["nurse", "anaesthetist", "physio", "admin", "analyst"])
def test_only_a_surgeon_takes_consent(request, bert, surgeon, role):
    episode = ready(bert, surgeon, consented=False)
    with at(DAY_AFTER), pytest.raises(Forbidden):
        record(episode, request.getfixturevalue(role))
    assert not Consent.objects.exists()


def test_booking_is_refused_without_consent_and_allowed_with_it(bert, surgeon, nurse):
    episode = ready(bert, surgeon, consented=False)
    with at(DAY_AFTER), pytest.raises(InvalidInput) as refused:
        book(episode, nurse, surgeon)
    assert refused_codes(refused) == {(ErrorCode.NO_CONSENT, "consent")}
    assert not Booking.objects.exists()
    with at(DAY_AFTER):
        take_consent(episode, surgeon)
        assert book(episode, nurse, surgeon).episode.state == "scheduled"


def test_a_withdrawal_needs_a_reason_keeps_the_consent_and_blocks_booking_again(
    bert, surgeon, nurse
):
    episode = ready(bert, surgeon)
    with at(DAY_AFTER):
        book(episode, nurse, surgeon)
        live = Consent.objects.get(episode=episode)
        with pytest.raises(InvalidInput) as refused:
            consent.withdraw_consent(
                episode=episode, consent_id=live.public_id, reason=" . ", by=nurse, via=Via.WEB
            )
        assert refused_codes(refused) == {(ErrorCode.REASON_REQUIRED, "reason")}
        consent.withdraw_consent(
            episode=episode,
            consent_id=live.public_id,
            reason="Wants to wait until after the summer",
            by=nurse,
            via=Via.WEB,
        )
        live.refresh_from_db()
        assert live.is_withdrawn
        assert not live.is_current
        assert live.withdrawn_by == nurse
        with pytest.raises(InvalidInput) as refused:  # re-dating the booking is refused too
            book(
                episode,
                nurse,
                surgeon,
                on=OPERATED_ON + dt.timedelta(days=1),
                reason="The theatre list moved",
            )
        assert (ErrorCode.NO_CONSENT, "consent") in refused_codes(refused)
        assert "withdrew" in refused.value.problems[0].message
        with pytest.raises(Conflict) as again:
            consent.withdraw_consent(
                episode=episode, consent_id=live.public_id, reason="Twice", by=nurse, via=Via.WEB
            )
        assert again.value.code is ErrorCode.CONSENT_NOT_CURRENT
        # Consent taken again: the booking can move.
        take_consent(episode, surgeon)
        moved = book(
            episode,
            nurse,
            surgeon,
            on=OPERATED_ON + dt.timedelta(days=1),
            reason="The theatre list moved",
        )
    assert moved.booking.operation_on == OPERATED_ON + dt.timedelta(days=1)
    assert Consent.objects.filter(episode=episode).count() == 2  # both kept


@pytest.mark.parametrize("role", ["physio", "admin", "analyst"])
def test_a_withdrawal_is_recorded_by_a_clinician_caring_before_the_operation(
    request, bert, surgeon, role
):
    episode = ready(bert, surgeon)
    live = Consent.objects.get(episode=episode)
    with at(DAY_AFTER), pytest.raises(Forbidden):
        consent.withdraw_consent(
            episode=episode,
            consent_id=live.public_id,
            reason="Changed their mind",
            by=request.getfixturevalue(role),
            via=Via.WEB,
        )
    assert Consent.objects.get(pk=live.pk).is_current


def test_a_new_consent_supersedes_the_current_one_and_both_are_kept(bert, surgeon):
    episode = ready(bert, surgeon)
    first = Consent.objects.get(episode=episode)
    with at(DAY_AFTER):
        second = record(episode, surgeon)
    first.refresh_from_db()
    assert not first.is_current
    assert first.superseded_at is not None
    assert second.supersedes == first
    assert second.is_current
    with at(DAY_AFTER), pytest.raises(Conflict) as refused:
        consent.withdraw_consent(
            episode=episode, consent_id=first.public_id, reason="Old", by=surgeon, via=Via.WEB
        )
    assert refused.value.code is ErrorCode.CONSENT_NOT_CURRENT


def test_another_hips_consent_cannot_be_withdrawn_here(bert, surgeon):
    left = ready(bert, surgeon)
    right = ready(bert, surgeon, side="right")
    other = Consent.objects.get(episode=right)
    with at(DAY_AFTER), pytest.raises(NotFound):
        consent.withdraw_consent(
            episode=left, consent_id=other.public_id, reason="Wrong hip", by=surgeon, via=Via.WEB
        )
    assert Consent.objects.get(pk=other.pk).is_current


def test_consent_is_closed_once_the_hip_is_operated(bert, surgeon):
    from tests.journeys import walk_to

    episode = walk_to("operated", patient=bert, by=surgeon, listed_on=LISTED_ON)
    with at(OPERATED_ON + dt.timedelta(days=1)), pytest.raises(Conflict) as refused:
        record(episode, surgeon)
    assert refused.value.code is ErrorCode.CONSENT_CLOSED
    live = Consent.objects.get(episode=episode)
    with at(OPERATED_ON + dt.timedelta(days=1)), pytest.raises(Conflict):
        consent.withdraw_consent(
            episode=episode, consent_id=live.public_id, reason="Late", by=surgeon, via=Via.WEB
        )


def _restricted_draft(episode, surgeon):
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
        return notes.write_note(
            episode=episode, note=restricted, surgeon=surgeon, by=surgeon, via=Via.WEB
        )


def test_an_override_needs_a_consent_that_discussed_the_restricted_size_and_links_to_it(
    bert, surgeon, anaesthetist, nurse
):
    episode = ready(bert, surgeon, consented=False)
    with at(DAY_AFTER):
        take_consent(episode, surgeon, restricted_size=False)
        book(episode, nurse, surgeon)
    draft = _restricted_draft(episode, surgeon)
    with at(OPERATED_ON, 12), pytest.raises(Conflict) as refused:
        notes.confirm_override(
            episode=episode, draft=draft.draft_hash, by=anaesthetist, via=Via.WEB
        )
    assert refused.value.code is ErrorCode.OVERRIDE_NOT_CONSENTED
    assert refused.value.field == "consent"
    assert not OverrideConfirmation.objects.exists()
    with at(OPERATED_ON, 8):
        discussed = take_consent(episode, surgeon)  # restricted size discussed this time
    with at(OPERATED_ON, 12):
        notes.confirm_override(
            episode=episode, draft=draft.draft_hash, by=anaesthetist, via=Via.WEB
        )
    assert OverrideConfirmation.objects.get().consent == discussed


def test_an_override_is_refused_once_its_consent_is_withdrawn(bert, surgeon, anaesthetist, nurse):
    episode = ready(bert, surgeon)
    with at(DAY_AFTER):
        book(episode, nurse, surgeon)
    draft = _restricted_draft(episode, surgeon)
    live = Consent.objects.get(episode=episode)
    with at(OPERATED_ON, 11):
        consent.withdraw_consent(
            episode=episode, consent_id=live.public_id, reason="Declined", by=nurse, via=Via.WEB
        )
    with at(OPERATED_ON, 12), pytest.raises(Conflict) as refused:
        notes.confirm_override(
            episode=episode, draft=draft.draft_hash, by=anaesthetist, via=Via.WEB
        )
    assert refused.value.code is ErrorCode.OVERRIDE_NOT_CONSENTED
