"""The theatre and recovery worklist: its rows, their order and badges, through the page."""

import datetime as dt
import html
import re

import pytest

from coxa.assessment.domain.entries import Kind
from coxa.assessment.services import entries, readiness
from coxa.conftest import details
from coxa.core.audit import Via
from coxa.patients import services as patients
from coxa.surgery.domain.recovery import PhysioReviewIn
from coxa.surgery.services import notes, recovery
from tests.journeys import at_time, operation_note, walk_to

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 3, 2)  # a Monday
URL = "/staff/worklists/theatre-and-recovery/"


def day(offset):
    return TODAY + dt.timedelta(days=offset)


def hip(nurse, surgeon, name, state, *, operated, procedure="bhr", number=[0]):  # noqa: B006
    number[0] += 1
    patient = patients.register_patient(
        details=details(
            given_name=name,
            family_name=f"{name}son",
            nhs_number="",
            hospital_number=f"W{number[0]:06d}",
        ),
        by=nurse,
        via=Via.WEB,
    )
    return walk_to(
        state,
        patient=patient,
        by=surgeon,
        procedure=procedure,
        listed_on=operated - dt.timedelta(days=21),
        operated_on=operated,
    )


def review(episode, physio, on, weight_bearing="as-advised"):
    with at_time(on, 14):
        recovery.record_review(
            episode=episode,
            entry=PhysioReviewIn.model_validate(
                {"reviewed_on": on, "walking_aid": "crutches", "weight_bearing": weight_bearing}
            ),
            by=physio,
            via=Via.WEB,
        )


@pytest.fixture
def clinic(nurse, surgeon, physio):
    """A hip in every situation the worklist knows, as of TODAY."""
    hip(nurse, surgeon, "Amy", "scheduled", operated=TODAY)
    hip(nurse, surgeon, "Ben", "scheduled", operated=day(3))
    hip(nurse, surgeon, "Cal", "operated", operated=day(-13))  # physio due tomorrow
    hip(nurse, surgeon, "Dee", "recovering", operated=day(-20))  # physio overdue
    eve = hip(
        nurse, surgeon, "Eve", "recovering", operated=day(-16), procedure="core-decompression"
    )
    review(eve, physio, day(-4), weight_bearing="full")  # counts for day 14; contradicts
    with at_time(day(-3), 10):  # the six-week review brought forward: that review is due
        recovery.adjust_plan(
            episode=eve,
            phase_end_days={},
            appointment_days={"physiotherapy-review@42": 20},
            reason="Brought forward: progressing quickly.",
            by=surgeon,
            via=Via.WEB,
        )
    hip(nurse, surgeon, "Fay", "follow-up", operated=day(-50))  # physio long overdue
    hip(nurse, surgeon, "Gus", "recovering", operated=day(-10))  # wound check, physio
    hip(nurse, surgeon, "Hal", "completed", operated=day(-400))  # closed: never listed
    ivy = hip(nurse, surgeon, "Ivy", "scheduled", operated=day(-2))
    with at_time(day(-2), 11):  # written, never signed
        notes.write_note(
            episode=ivy,
            note=operation_note("bhr", "left", day(-2)),
            surgeon=surgeon,
            by=surgeon,
            via=Via.WEB,
        )
    jon = hip(nurse, surgeon, "Jon", "scheduled", operated=day(10))
    with at_time(day(-1)):
        entries.record_entry(
            kind=Kind.OBSERVATION,
            episode=jon,
            payload={"code": "haemoglobin", "value": 98, "unit": "g/L", "observed_on": day(-1)},
            by=nurse,
            via=Via.CLI,
            apply_transitions=False,
        )
    with at_time(day(-1), 2):
        readiness.refresh(jon, by=None, via=Via.CLI)


def sections(page):
    """Each section's title and rows: (date and badge, patient, detail)."""
    found = {}
    cards = r'<section class="card" aria-label="([^"]*)">(.*?)</section>'
    for title, body in re.findall(cards, page, re.S):
        rows = []
        for row in re.findall(r"<tr><td>(.*?)</td></tr>", body, re.S):
            cells = [
                html.unescape(re.sub(r"<[^>]+>", "", c)).strip() for c in row.split("</td><td>")
            ]
            rows.append((cells[0], cells[1], cells[4]))
        found[html.unescape(title)] = rows
    return found


SAM = "Sam, Monday AM"
PHYSIO = "Physiotherapy review"
SHOWN = {
    "Operations today": [("Mon 2 Mar", "AMYSON, Amy", SAM)],
    "Operations this week": [
        ("Mon 2 Mar", "AMYSON, Amy", SAM),
        ("Thu 5 Mar", "BENSON, Ben", SAM),
    ],
    "Booked, but no longer scheduled (not ready, or postponed)": [
        (
            "Thu 12 Mar not ready",
            "JONSON, Jon",
            "No longer ready: Haemoglobin 98 g/L is below 130 g/L: anaemia to investigate and "
            "treat.",
        )
    ],
    "Booked after a medicine's stop date had passed": [],
    "Operation notes unsigned after 24 hours": [
        ("Sat 28 Feb overdue", "IVYSON, Ivy", "written by sam")
    ],
    "Awaiting discharge": [("Tue 17 Feb", "CALSON, Cal", "operated, not yet discharged")],
    # Overdue ones first (never reviewed; the closed hip is not listed); Eve's review four
    # days ago counts for her day-14 review but not for the one brought forward to Friday;
    # on one day, in the order the plans were made.
    "Physiotherapy reviews due this week or overdue": [
        ("Sun 25 Jan overdue", "FAYSON, Fay", PHYSIO),
        ("Tue 24 Feb overdue", "DEESON, Dee", PHYSIO),
        ("Tue 3 Mar", "CALSON, Cal", PHYSIO),
        ("Fri 6 Mar", "EVESON, Eve", PHYSIO),
        ("Fri 6 Mar", "GUSSON, Gus", PHYSIO),
    ],
    "Wound checks and follow-ups this week": [("Wed 4 Mar", "GUSSON, Gus", "Wound check")],
    "Physiotherapy reviews that contradict the plan (last 4 weeks)": [
        (
            "Thu 26 Feb contradicts the plan",
            "EVESON, Eve",
            "Recorded full weight bearing; the plan says offloaded (Keep weight off the leg, on "
            "crutches) on that day.",
        )
    ],
}


def test_the_worklist_shows_each_list_in_order_with_its_badges(clinic, web_as, nurse):
    with at_time(TODAY, 9):
        page = web_as(nurse).get(URL).content.decode()
    assert sections(page) == SHOWN
