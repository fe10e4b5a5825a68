"""The theatre and recovery worklist: its rows, their order and badges, through the page."""

import datetime as dt
import html
import importlib
import re

import pytest
from django.apps import apps as django_apps

from coxa.assessment.domain.entries import Kind
from coxa.assessment.services import entries, readiness
from coxa.conftest import details
from coxa.core.audit import Via
from coxa.core.errors import InvalidInput
from coxa.core.models import AuditEvent
from coxa.core.pagination import PageRequest
from coxa.pathways.models import Episode
from coxa.patients import services as patients
from coxa.surgery import selectors
from coxa.surgery.domain.recovery import PhysioReviewIn
from coxa.surgery.models import PlanAppointment
from coxa.surgery.services import notes, recovery
from coxa.surgery.worklist import OVERVIEW_ROWS, list_theatre_worklist
from tests.journeys import at_time, operation_note, walk_to

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def every_day_open(settings):
    """These tests are about the lists, so a plan's days are its day counts: the service
    works every day here. Working days (H72) are tested in test_plan_working_days.py."""
    settings.WORKING_WEEKDAYS = tuple(range(7))
    settings.CLOSED_DAYS = ()


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
    hip(nurse, surgeon, "Hal", "completed", operated=day(-400), procedure="core-decompression")
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


def test_a_read_is_one_audit_record_naming_every_hip_shown(clinic, web_as, nurse):
    before = AuditEvent.objects.filter(action="worklist.theatre.list").count()
    with at_time(TODAY, 9):
        web_as(nurse).get(URL)
    records = AuditEvent.objects.filter(action="worklist.theatre.list")
    assert records.count() == before + 1
    shown = records.order_by("-id").first().details["shown"]
    named = {e.patient.given_name for e in Episode.objects.filter(public_id__in=shown)}
    assert named == {"Amy", "Ben", "Cal", "Dee", "Eve", "Fay", "Gus", "Ivy", "Jon"}


def test_one_list_is_paged_and_counted(clinic, nurse):
    with at_time(TODAY, 9):
        first, second = (
            list_theatre_worklist(
                actor=nurse,
                today=TODAY,
                page=PageRequest(number=n, size=2),
                only="physiotherapy",
                via=Via.WEB,
            )
            for n in (1, 2)
        )
    assert [listed.code for listed in first] == ["physiotherapy"]
    assert [r.episode.patient.given_name for r in first[0].page.rows] == ["Fay", "Dee"]
    assert [r.episode.patient.given_name for r in second[0].page.rows] == ["Cal", "Eve"]
    assert (first[0].page.count, first[0].page.has_next, second[0].page.has_next) == (5, 1, 1)
    record = AuditEvent.objects.filter(action="worklist.theatre.list").order_by("-id").first()
    assert record.details["filters"] == {"list": "physiotherapy", "page": 2}
    assert len(record.details["shown"]) == 2


def test_an_unknown_list_is_refused_naming_the_field(nurse, web_as):
    with pytest.raises(InvalidInput) as refused:
        list_theatre_worklist(
            actor=nurse, today=TODAY, page=PageRequest(1, 50), only="everything", via=Via.WEB
        )
    assert [p.field for p in refused.value.problems] == ["list"]
    page = web_as(nurse).get(URL + "?list=everything")
    assert page.status_code == 400
    assert "list must be one of" in page.content.decode()


def test_the_page_links_to_the_rest_of_a_long_list(clinic, web_as, nurse, monkeypatch):
    monkeypatch.setattr("coxa.surgery.views.recovery.PAGE_SIZE", 2)
    with at_time(TODAY, 9):
        page = web_as(nurse).get(URL).content.decode()
        whole = web_as(nurse).get(URL + "?list=physiotherapy").content.decode()
        more = web_as(nurse).get(URL + "?list=physiotherapy&page=2").content.decode()
    # The page of every list shows each list's first rows and leads to the whole list.
    assert '<a href="?list=physiotherapy">All 5: physiotherapy reviews due' in page
    assert [name for _, name, _ in sections(whole)[SHOWN_PHYSIO]] == ["FAYSON, Fay", "DEESON, Dee"]
    assert 'href="?list=physiotherapy&amp;page=2" rel="next"' in whole
    assert list(sections(more)) == ["Physiotherapy reviews due this week or overdue"]
    assert [name for _, name, _ in sections(more)[SHOWN_PHYSIO]] == ["CALSON, Cal", "EVESON, Eve"]
    assert 'href="?list=physiotherapy&amp;page=3" rel="next"' in more
    assert 'href="?list=physiotherapy&amp;page=1" rel="prev"' in more


SHOWN_PHYSIO = "Physiotherapy reviews due this week or overdue"


# ------------------------------------------------ the stored appointments the list reads
def stored(episode):
    return list(
        PlanAppointment.objects.filter(episode=episode)
        .order_by("due_on", "key")
        .values_list("key", "due_on", "reviewed_on")
    )


def test_the_services_keep_the_stored_appointments_current(nurse, surgeon, physio):
    eve = hip(
        nurse, surgeon, "Eve", "recovering", operated=day(-16), procedure="core-decompression"
    )
    assert stored(eve) == [
        ("wound-check@12", day(-4), None),
        ("physiotherapy-review@14", day(-2), None),
        ("physiotherapy-review@42", day(26), None),
        ("follow-up@90", day(74), None),
    ]
    review(eve, physio, day(-4))  # within three days of day 14: that review is held
    assert stored(eve)[1] == ("physiotherapy-review@14", day(-2), day(-4))
    with at_time(day(-3), 10):
        recovery.adjust_plan(
            episode=eve,
            phase_end_days={},
            appointment_days={"physiotherapy-review@14": 20},
            reason="Moved: the physiotherapist is away.",
            by=surgeon,
            via=Via.WEB,
        )
    # Moved later, the review held before its window no longer counts for it.
    assert ("physiotherapy-review@14", day(4), None) in stored(eve)
    plan = selectors.signed_plan(eve.recovery_plan)
    assert [(a.key, a.due_on) for a in plan.appointments] == [(k, d) for k, d, _ in stored(eve)]


def test_the_migration_fills_the_appointments_of_plans_signed_before(
    nurse, surgeon, physio, monkeypatch
):
    cal = hip(nurse, surgeon, "Cal", "recovering", operated=day(-20))
    review(cal, physio, day(-7))
    made = stored(cal)
    PlanAppointment.objects.all().delete()
    migration = importlib.import_module("coxa.surgery.migrations.0003_plan_appointments")
    migration.fill_plan_appointments(django_apps, None)
    assert stored(cal) == made
    assert ("physiotherapy-review@14", day(-6), day(-7)) in made


# ------------------------------------------------ what a page costs, however many hips
def hips(nurse, surgeon, count):
    """``count`` hips spread over the lists: booked this week, just operated, recovering."""
    for n in range(count):
        state, offset = [("scheduled", 2), ("operated", -13), ("recovering", -10)][n % 3]
        hip(nurse, surgeon, f"N{n:02d}x", state, operated=day(offset))


@pytest.mark.parametrize("count", [3, 30])
def test_the_page_and_the_list_cost_the_same_queries_for_3_or_30_hips(
    count, nurse, surgeon, web_as, django_assert_max_num_queries
):
    hips(nurse, surgeon, count)
    client = web_as(nurse)
    with at_time(TODAY, 9):
        client.get(URL)  # the session's first request stamps it
        with django_assert_max_num_queries(QUERIES_PER_PAGE):
            page = client.get(URL).content.decode()
        with django_assert_max_num_queries(QUERIES_PER_LIST):
            found = list_theatre_worklist(
                actor=nurse, today=TODAY, page=PageRequest(1, 50), via=Via.WEB
            )
    # Each three hips make five rows: one booked this week; one awaiting discharge with its
    # physiotherapy review due; one with a wound check and a physiotherapy review due.
    assert sum(listed.page.count for listed in found) == count // 3 * 5
    # Each list's first rows (all of them for 3 hips; ten of a longer list).
    shown = sum(len(listed.page.rows) for listed in found)
    assert shown == sum(min(listed.page.count, OVERVIEW_ROWS) for listed in found)
    assert page.count("<tr><td>") == shown


# Two per list (a page and a capped count), and the read's audit record (the chain's head, the
# record, the head moved on); the page adds the session, its user and their second factor.
QUERIES_PER_LIST = 2 * 9 + 3
QUERIES_PER_PAGE = QUERIES_PER_LIST + 3
