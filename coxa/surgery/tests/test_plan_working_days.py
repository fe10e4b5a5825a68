"""A signed plan keeps its appointments to working days and says why one moved (H72).

The operation on Sunday 13 December 2026: day 14 (the physiotherapy review) is Sunday
27 December, and Monday 28 December is the bank holiday for Boxing Day, so the review is on
Tuesday 29 December 2026. Plans stored before the rule keep their dates.
"""

import datetime as dt
import re

import pytest
from django.template.loader import render_to_string
from django.urls import reverse
from icalendar import Calendar

from coxa.core.audit import Via
from coxa.core.errors import InvalidInput
from coxa.surgery import selectors
from coxa.surgery.models import PlanAppointment, RecoveryPlan
from coxa.surgery.services.appointments import store_appointments
from coxa.surgery.services.recovery import adjust_plan
from tests.journeys import at_time, walk_to

pytestmark = pytest.mark.django_db

OPERATED_ON = dt.date(2026, 12, 13)
SHOWN = (
    'Tuesday 29 December 2026</time> <span data-testid="moved">(day 14 fell on Sunday '
    "27 December; moved to the next working day)</span>: Physiotherapy review"
)


ISO = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")


def read(html):
    """What a person reads: without the machine-only attributes (datetime, href, data-)."""
    return re.sub(r'(datetime|href|data-[a-z-]+)="[^"]*"', "", html)


@pytest.fixture
def operated(ada, surgeon):
    return walk_to(
        "operated",
        patient=ada,
        by=surgeon,
        side="right",
        procedure="total-hip-replacement",
        listed_on=dt.date(2026, 11, 23),
        operated_on=OPERATED_ON,
    )


def test_the_signed_plan_stores_the_working_day_and_its_calendar(operated):
    stored = RecoveryPlan.objects.get(episode=operated)
    assert stored.working_days["weekdays"] == [0, 1, 2, 3, 4]
    assert "2026-12-28" in stored.working_days["closed"]
    rows = {r.key: r.due_on for r in PlanAppointment.objects.filter(plan=stored)}
    assert rows["physiotherapy-review@14"] == dt.date(2026, 12, 29)
    assert rows["wound-check@12"] == dt.date(2026, 12, 29)  # Friday 25 December, closed
    assert all(day.weekday() < 5 for day in rows.values())


def test_the_staff_page_portal_api_and_calendar_show_the_moved_day_and_why(
    operated, surgeon, ada_user, web_as, api_as
):
    with at_time(dt.date(2026, 12, 14)):
        staff = web_as(surgeon).get(reverse("surgery:operation", args=[operated.public_id]))
        portal = web_as(ada_user).get(reverse("portal:plan", args=[operated.public_id]))
        api = api_as(surgeon).get(f"/api/v1/episodes/{operated.public_id}/recovery-plan")
        ics = web_as(ada_user).get(reverse("portal:plan-ics", args=[operated.public_id]))
    for page in (staff, portal):
        assert page.status_code == 200
        text = page.content.decode()
        assert SHOWN in text
        assert "From the operation on Sunday 13 December 2026." in text
    assert not ISO.search(read(portal.content.decode()))
    review = next(a for a in api.json()["appointments"] if a["key"] == "physiotherapy-review@14")
    assert review | {"kind": "", "title": ""} == {
        "key": "physiotherapy-review@14",
        "kind": "",
        "title": "",
        "due_on": "2026-12-29",
        "day": 14,
        "moved_from": "2026-12-27",
        "moved_because": "day 14 fell on Sunday 27 December; moved to the next working day",
    }
    events = list(Calendar.from_ical(ics.content).walk("VEVENT"))
    event = next(e for e in events if "Physiotherapy" in str(e["summary"]))
    assert event.decoded("dtstart") == dt.date(2026, 12, 29)
    assert str(event["description"]) == (
        "Day 14 fell on Sunday 27 December; moved to the next working day."
    )


def test_the_printed_plan_says_why_too(operated, surgeon):
    with at_time(dt.date(2026, 12, 14)):
        shown = selectors.access_plan(
            actor=surgeon, episode=operated, via=Via.WEB, copy=selectors.Copy.PDF
        )
    html = render_to_string("surgery/plan_print.html", {"shown": shown})
    assert SHOWN in html
    assert not ISO.search(read(html)), ISO.search(read(html))
    assert "None" not in html


def test_a_plan_stored_before_the_rule_keeps_its_dates(operated):
    stored = RecoveryPlan.objects.get(episode=operated)
    stored.working_days = {}  # as every plan signed before the rule is stored
    stored.save(update_fields=["working_days"])
    plan = selectors.signed_plan(stored)
    due = {a.key: a.due_on for a in plan.appointments}
    assert due["physiotherapy-review@14"] == dt.date(2026, 12, 27)
    assert all(a.moved is None for a in plan.appointments)
    store_appointments(stored)  # rewritten by the next review or adjustment: the same dates
    row = PlanAppointment.objects.get(plan=stored, key="physiotherapy-review@14")
    assert row.due_on == dt.date(2026, 12, 27)


def test_a_plan_projected_before_the_operation_keeps_to_working_days(ada, surgeon):
    scheduled = walk_to(
        "scheduled",
        patient=ada,
        by=surgeon,
        side="right",
        procedure="total-hip-replacement",
        listed_on=dt.date(2026, 11, 23),
        operated_on=OPERATED_ON,
    )
    found = selectors.plan_of(scheduled)
    assert found is not None
    plan, final = found
    assert not final
    review = {a.key: a for a in plan.appointments}["physiotherapy-review@14"]
    assert review.due_on == dt.date(2026, 12, 29)
    assert review.moved is not None


def test_moving_an_appointment_keeps_to_working_days(operated, surgeon):
    def move(day):
        adjust_plan(
            episode=operated,
            phase_end_days={},
            appointment_days={"follow-up@42": day},
            reason="Clinic moved",
            by=surgeon,
            via=Via.WEB,
        )

    with at_time(dt.date(2026, 12, 14)):
        # Day 42 is Sunday 24 January 2027, so it is on Monday 25th; day 43 is that Monday.
        with pytest.raises(InvalidInput, match="nothing in the plan would change"):
            move(43)
        move(48)  # Saturday 30 January 2027
    stored = RecoveryPlan.objects.get(episode=operated)
    row = PlanAppointment.objects.get(plan=stored, key="follow-up@42")
    assert row.due_on == dt.date(2027, 2, 1)
    change = stored.changes.get()
    assert (change.what, change.before, change.after) == (
        "Six-week review (day 42)",
        dt.date(2027, 1, 25),
        dt.date(2027, 2, 1),
    )
    moved = {a.key: a for a in selectors.signed_plan(stored).appointments}["follow-up@42"]
    assert moved.moved_because == (
        "day 48 fell on Saturday 30 January; moved to the next working day"
    )
