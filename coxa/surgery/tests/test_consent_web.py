"""Consent through the API and the operation page: the service's rules, errors by field."""

import datetime as dt

import pytest

from coxa.catalogue.registry import get_procedure
from coxa.surgery.models import Consent
from coxa.surgery.tests.conftest import LISTED_ON, OPERATED_ON, at, ready

pytestmark = pytest.mark.django_db

DAY_AFTER = LISTED_ON + dt.timedelta(days=1)
BHR = get_procedure("bhr")
assert BHR is not None
RISKS = [r.code for r in BHR.risks]


def body(**overrides):
    values = {
        "procedure": "bhr",
        "side": "left",
        "risks": RISKS,
        "alternatives": ["non-operative", "total-hip-replacement"],
        "information_version": BHR.patient_information.version,
        "taken_at": "2026-01-06T08:30:00Z",
        "note": "",
    }
    return values | overrides


def form(**overrides):
    values = {
        "procedure": "bhr",
        "side": "left",
        "risks": RISKS,
        "alternatives": ["non-operative", "total-hip-replacement"],
        "information_version": BHR.patient_information.version,
        "taken_at": "2026-01-06T08:30",
        "note": "",
    }
    return values | overrides


def post(client, url, data, **headers):
    return client.post(url, data, content_type="application/json", headers=headers)


def test_the_api_records_lists_withdraws_and_booking_follows(api_as, bert, surgeon, nurse):
    episode = ready(bert, surgeon, consented=False)
    base = f"/api/v1/episodes/{episode.public_id}"
    as_surgeon, as_nurse = api_as(surgeon), api_as(nurse)
    with at(DAY_AFTER):
        wrong = post(as_surgeon, f"{base}/consents", body(side="right"))
        assert (wrong.status_code, wrong.json()["code"], wrong.json()["field"]) == (
            400,
            "side-mismatch",
            "side",
        )
        missing = post(as_surgeon, f"{base}/consents", body(risks=["infection"]))
        assert (missing.json()["code"], missing.json()["field"]) == (
            "material-risk-missing",
            "risks",
        )
        assert post(as_nurse, f"{base}/consents", body()).status_code == 403
        assert not Consent.objects.exists()
        refused = post(
            as_nurse, f"{base}/schedule", {"operation_date": "2026-02-02", "surgeon": "sam"}
        )
        assert (refused.status_code, refused.json()["code"], refused.json()["field"]) == (
            400,
            "no-consent",
            "consent",
        )
        made = post(as_surgeon, f"{base}/consents", body(), **{"Idempotency-Key": "c1"})
        assert made.status_code == 201, made.content
        again = post(as_surgeon, f"{base}/consents", body(), **{"Idempotency-Key": "c1"})
        assert again.json()["id"] == made.json()["id"]
        assert Consent.objects.count() == 1
        shown = made.json()
        assert shown["current"] is True
        assert shown["taken_by"] == surgeon.username
        assert {"code", "title", "frequency", "discussed"} <= set(shown["risks"][0])
        booked = post(
            as_nurse, f"{base}/schedule", {"operation_date": "2026-02-02", "surgeon": "sam"}
        )
        assert booked.status_code == 200, booked.content
        unexplained = post(
            as_nurse, f"{base}/consents/withdrawal", {"consent": shown["id"], "reason": ""}
        )
        assert (unexplained.status_code, unexplained.json()["field"]) == (400, "reason")
        withdrawn = post(
            as_nurse,
            f"{base}/consents/withdrawal",
            {"consent": shown["id"], "reason": "Wants to wait"},
        )
        assert withdrawn.status_code == 200, withdrawn.content
        assert withdrawn.json()["current"] is False
        assert withdrawn.json()["withdrawn_by"] == nurse.username
        listed = as_nurse.get(f"{base}/consents").json()
        assert [c["withdrawal_reason"] for c in listed] == ["Wants to wait"]
        moved = post(
            as_nurse,
            f"{base}/schedule",
            {"operation_date": "2026-02-03", "surgeon": "sam", "reason": "Theatre list moved"},
        )
        assert moved.json()["code"] == "no-consent"


def test_the_page_records_consent_and_shows_each_refusal_beside_its_field(web_as, bert, surgeon):
    episode = ready(bert, surgeon, consented=False)
    url = f"/staff/episodes/{episode.public_id}/operation/"
    as_surgeon = web_as(surgeon)
    with at(DAY_AFTER):
        page = as_surgeon.get(url).content.decode()
        assert 'data-testid="no-consent"' in page
        assert 'data-testid="booking-needs-consent"' in page  # the booking says so too
        assert 'data-testid="consent-form"' in page
        refused = as_surgeon.post(f"{url}consent/", form(risks=["infection"], side="right"))
        assert refused.status_code == 400
        errors = refused.context["forms"]["consent"].errors
        assert set(errors) == {"risks", "side"}
        assert "Reaction to metal debris" in errors["risks"][0]
        future = as_surgeon.post(f"{url}consent/", form(taken_at="2026-01-06T09:30"))
        assert set(future.context["forms"]["consent"].errors) == {"taken_at"}
        assert not Consent.objects.exists()
        done = as_surgeon.post(f"{url}consent/", form(note="Asked about cycling."))
        assert done.status_code == 302
        page = as_surgeon.get(url).content.decode()
    assert 'data-testid="consent-record"' in page
    assert 'data-testid="booking-needs-consent"' not in page
    assert "Asked about cycling." in page
    assert "Dislocation: not known" in page
    assert "Record a new consent" in page


def test_a_nurse_records_a_withdrawal_on_the_page_and_it_is_shown_as_a_warning(
    web_as, bert, surgeon, nurse
):
    episode = ready(bert, surgeon)
    url = f"/staff/episodes/{episode.public_id}/operation/"
    live = Consent.objects.get(episode=episode)
    as_nurse = web_as(nurse)
    with at(DAY_AFTER):
        page = as_nurse.get(url).content.decode()
        assert 'data-testid="consent-form"' not in page  # a nurse does not take consent
        assert 'data-testid="withdraw-consent"' in page
        refused = as_nurse.post(f"{url}consent/withdraw/", {"consent": live.public_id})
        assert refused.status_code == 400
        assert "reason" in refused.context["forms"]["withdraw"].errors
        done = as_nurse.post(
            f"{url}consent/withdraw/", {"consent": live.public_id, "reason": "Changed their mind"}
        )
        assert done.status_code == 302
        page = as_nurse.get(url).content.decode()
    assert 'data-testid="consent-withdrawn"' in page
    assert 'data-testid="booking-needs-consent"' in page
    assert "Changed their mind" in page
    assert "must not go ahead" in page
    assert 'data-testid="withdraw-consent"' not in page


def test_the_signed_note_links_a_confirmed_restricted_size_to_its_consent(
    web_as, bert, surgeon, anaesthetist, nurse
):
    from coxa.core.audit import Via
    from coxa.surgery.services import notes
    from coxa.surgery.services.schedule import schedule
    from coxa.surgery.tests.conftest import bhr_note
    from tests.journeys import admit

    episode = ready(bert, surgeon)
    live = Consent.objects.get(episode=episode)
    with at(DAY_AFTER):
        schedule(
            episode=episode,
            operation_on=OPERATED_ON,
            surgeon=surgeon,
            theatre_list="",
            by=nurse,
            via=Via.WEB,
        )
    restricted = bhr_note(
        implants=[
            {
                "component": "femoral",
                "manufacturer": "S&N",
                "size_mm": 48,
                "lot": "F",
                "size_reason_code": "agreed-at-mdt",
                "size_reason": "MDT agreed.",
            },
            {"component": "acetabular", "manufacturer": "S&N", "size_mm": 54, "lot": "A"},
        ]
    )
    with at(OPERATED_ON, 11):
        draft = notes.write_note(
            episode=episode, note=restricted, surgeon=surgeon, by=surgeon, via=Via.WEB
        )
        notes.confirm_override(
            episode=episode, draft=draft.draft_hash, by=anaesthetist, via=Via.WEB
        )
        admit(episode, nurse, OPERATED_ON)
        notes.sign_note(episode=episode, by=surgeon, via=Via.WEB, draft=draft.draft_hash)
        page = web_as(surgeon).get(f"/staff/episodes/{episode.public_id}/operation/")
        note = web_as(surgeon).get(f"/api/v1/episodes/{episode.public_id}/operation").json()
    assert f'href="#consent-{live.public_id}"' in page.content.decode()
    assert note["overrides_consents"] == [str(live.public_id)]
