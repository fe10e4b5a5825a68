"""The operation and recovery API: the same rules as the services, errors naming fields."""

import datetime as dt

import pytest
from icalendar import Calendar

from coxa.surgery.tests.conftest import LISTED_ON, OPERATED_ON, at, ready

pytestmark = pytest.mark.django_db

NOTE = {
    "operated_on": "2026-02-02",
    "started_at": "09:10",
    "ended_at": "10:40",
    "side": "left",
    "procedure": "bhr",
    "anaesthetic": "general",
    "approach": "posterior",
    "implants": [
        {"component": "femoral", "manufacturer": "S&N", "size_mm": 52, "lot": "F9"},
        {"component": "acetabular", "manufacturer": "S&N", "size_mm": 58, "lot": "A9"},
    ],
    "vte_prophylaxis": {"choice": "regimen", "regimen": "lmwh-28-stockings", "dose": "40 mg"},
}
ADMISSION = {
    "setting": "admission",
    "risk_factors": ["lower-limb-surgery-over-60-minutes"],
    "bleeding_risks": ["none-of-these"],
    "vte_risk_outweighs_bleeding_risk": True,
    "regimen": "lmwh-28-stockings",
    "assessed_on": "2026-02-02",
}


def post(client, url, body):
    return client.post(url, body, content_type="application/json")


def test_schedule_write_sign_discharge_and_read_the_plan(api_as, bert, surgeon, nurse):  # noqa: PLR0915
    episode = ready(bert, surgeon)
    base = f"/api/v1/episodes/{episode.public_id}"
    as_surgeon, as_nurse = api_as(surgeon), api_as(nurse)
    with at(LISTED_ON + dt.timedelta(days=1)):
        booked = post(
            as_nurse, f"{base}/schedule", {"operation_date": "2026-02-02", "surgeon": "sam"}
        )
        assert booked.status_code == 200, booked.content
        assert booked.json()["state"] == "scheduled"
        projected = as_nurse.get(f"{base}/recovery-plan").json()
        assert projected["final"] is False
    with at(OPERATED_ON, 11):
        bad = post(as_surgeon, f"{base}/operation", NOTE | {"side": "right"})
        assert (bad.status_code, bad.json()["field"]) == (400, "side")
        refused = post(as_nurse, f"{base}/operation", NOTE)
        assert refused.status_code == 403
        written = post(as_surgeon, f"{base}/operation", NOTE)
        assert written.status_code == 201, written.content
        assert written.json()["signed"] is False
        unnamed = post(as_surgeon, f"{base}/operation/sign", {})
        assert (unnamed.status_code, unnamed.json()["field"]) == (400, "draft")
        stale = post(as_surgeon, f"{base}/operation/sign", {"draft": "0" * 64})
        assert (stale.status_code, stale.json()["code"]) == (409, "draft-changed")
        unassessed = post(as_surgeon, f"{base}/operation/sign", {"draft": written.json()["draft"]})
        assert (unassessed.status_code, unassessed.json()["code"]) == (400, "vte-admission-missing")
        admitted = post(as_nurse, f"{base}/vte-assessments", ADMISSION)
        assert admitted.status_code == 201, admitted.content
        signed = post(as_surgeon, f"{base}/operation/sign", {"draft": written.json()["draft"]})
        assert signed.json()["signed"] is True
        again = post(as_surgeon, f"{base}/operation", NOTE)
        assert again.status_code == 409
        amended = post(as_surgeon, f"{base}/operation/addenda", {"text": "Drain removed"})
        assert amended.json()["addenda"][0]["text"] == "Drain removed"
    plan = as_nurse.get(f"{base}/recovery-plan").json()
    assert plan["final"] is True
    assert plan["operation_date"] == "2026-02-02"
    assert [
        (p["code"], p["starts_on"], p["ends_on"], p["walking_aid"]) for p in plan["phases"]
    ] == [
        ("crutches", "2026-02-02", "2026-02-16", "crutches"),
        ("cane", "2026-02-16", "2026-03-16", "cane"),
    ]
    # Day 12 is Saturday 14 February: the wound check is on the next working day (H72).
    wound = next(a for a in plan["appointments"] if a["kind"] == "wound-check")
    assert (wound["due_on"], wound["day"], wound["moved_from"]) == ("2026-02-16", 12, "2026-02-14")
    ics = as_nurse.get(f"{base}/recovery-plan.ics")
    assert ics["Content-Type"].startswith("text/calendar")
    events = list(Calendar.from_ical(ics.content).walk("VEVENT"))
    assert len(events) == 1 + len(plan["phases"]) + len(plan["appointments"])
    assert {e.decoded("dtstart") for e in events} >= {dt.date(2026, 2, 2), dt.date(2026, 2, 16)}
    with at(OPERATED_ON + dt.timedelta(days=1), 12):
        discharged = post(
            as_nurse,
            f"{base}/discharge",
            {
                "out_of_bed_at": "2026-02-02T15:30:00Z",
                "discharged_on": "2026-02-03",
                "destination": "rehabilitation-facility",
                "destination_reason": "Lives alone; stairs at home",
                "criteria": {"pain-controlled": True, "coping-at-home": False},
            },
        )
        assert (discharged.status_code, discharged.json()["field"]) == (400, "unmet_reason")
        discharged = post(
            as_nurse,
            f"{base}/discharge",
            {
                "out_of_bed_at": "2026-02-02T15:30:00Z",
                "discharged_on": "2026-02-03",
                "destination": "rehabilitation-facility",
                "destination_reason": "Lives alone; stairs at home",
                "criteria": {"pain-controlled": True, "coping-at-home": False},
                "unmet_reason": "Cannot manage stairs yet; a rehabilitation unit until he can.",
            },
        )
        assert discharged.status_code == 201, discharged.content
        assert discharged.json()["same_day"] is False


def test_scheduling_names_the_surgeon_field_and_refuses_the_past(api_as, bert, surgeon, nurse):
    episode = ready(bert, surgeon)
    base = f"/api/v1/episodes/{episode.public_id}"
    with at(LISTED_ON + dt.timedelta(days=1)):
        nobody = post(
            api_as(nurse), f"{base}/schedule", {"operation_date": "2026-02-02", "surgeon": "nia"}
        )
        assert (nobody.status_code, nobody.json()["field"]) == (400, "surgeon")
        past = post(
            api_as(nurse), f"{base}/schedule", {"operation_date": "2025-12-01", "surgeon": "sam"}
        )
        assert past.status_code == 400
        assert {e["code"] for e in past.json().get("errors", [past.json()])} >= {"date-in-past"}


def test_a_patient_reads_their_own_plan_but_cannot_write(api_as, ada, ada_user, surgeon):
    episode = ready(ada, surgeon, side="right", procedure="core-decompression")
    base = f"/api/v1/episodes/{episode.public_id}"
    with at(LISTED_ON + dt.timedelta(days=1)):
        assert (
            post(
                api_as(surgeon),
                f"{base}/schedule",
                {"operation_date": "2026-02-02", "surgeon": "sam"},
            ).status_code
            == 200
        )
    client = api_as(ada_user)
    assert client.get(f"{base}/recovery-plan").status_code == 200
    assert client.get(f"{base}/recovery-plan.ics").status_code == 200
    assert post(client, f"{base}/operation", NOTE).status_code == 403
