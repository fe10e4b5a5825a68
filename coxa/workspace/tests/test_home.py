"""Each role's home page: its lists, links one click from the task, empty states, the audit
record of the read and what a page costs however many hips."""

import datetime as dt

import pytest

from coxa.accounts.domain import Role
from coxa.assessment.domain.entries import Kind
from coxa.assessment.services.entries import record_entry
from coxa.conftest import make_user
from coxa.core.audit import Via
from coxa.core.models import AuditEvent
from coxa.surgery.services import notes
from coxa.surgery.services.schedule import schedule
from coxa.workspace.tests.hips import TODAY, day, hip, store_panel
from tests.journeys import at_time, list_episode, operation_note

pytestmark = pytest.mark.django_db
URL = "/staff/"
CAUTION = {"rule_id": "bhr.age", "message": "Aged 65 or over on the operation day"}


def home(client):
    with at_time(TODAY, 9):
        response = client.get(URL)
    assert response.status_code == 200
    return response.content.decode()


def section(page, code):
    start = page.index(f'data-testid="home-{code}"')
    return page[start : page.index("</section>", start)]


def test_the_surgeons_day(nurse, surgeon, web_as):
    booked = hip(nurse, surgeon, "Booked", "scheduled", operated=day(3))
    with at_time(day(-10)):
        schedule(
            episode=booked,
            operation_on=day(3),
            surgeon=surgeon,
            theatre_list="Thursday AM",
            by=surgeon,
            via=Via.WEB,
            starts_at=dt.time(8, 30),
        )
    drafted = hip(nurse, surgeon, "Drafted", "scheduled", operated=day(-2))
    with at_time(day(-2), 11):
        notes.write_note(
            episode=drafted,
            note=operation_note("bhr", "left", day(-2)),
            surgeon=surgeon,
            by=surgeon,
            via=Via.WEB,
        )
    cautious = hip(nurse, surgeon, "Careful", "scheduled", operated=day(9))
    store_panel(cautious, candidacy="caution", cautions=[CAUTION | {"acknowledged": False}])
    page = home(web_as(surgeon))
    theatre = section(page, "theatre")
    assert "BOOKEDSON, Booked" in theatre
    assert "08:30" in theatre
    assert "Thursday AM" in theatre
    assert f"/staff/episodes/{booked.public_id}/operation/#booking-h" in theatre
    assert "CAREFULSON" in theatre  # booked for day 9, within two weeks
    unsigned = section(page, "unsigned")
    assert "DRAFTEDSON, Drafted" in unsigned
    assert f"/staff/episodes/{drafted.public_id}/operation/#note-h" in unsigned
    assert "Needs attention" in unsigned  # written two days ago
    cautions = section(page, "cautions")
    assert CAUTION["message"] in cautions
    assert f"/staff/episodes/{cautious.public_id}/clinic/" in cautions
    assert "No surveillance" not in page or "No hips flagged" in page
    assert "No follow-up reviews due." in page
    assert "Episodes by state" in page
    assert 'role="search"' in page


def test_an_acknowledged_caution_is_not_listed(nurse, surgeon, web_as):
    cautious = hip(nurse, surgeon, "Careful", "scheduled", operated=day(9))
    store_panel(cautious, candidacy="caution", cautions=[CAUTION | {"acknowledged": True}])
    assert "No cautions waiting for acknowledgement." in home(web_as(surgeon))


def test_the_surgeons_empty_day_says_so_in_words(surgeon, web_as):
    page = home(web_as(surgeon))
    for said in (
        "No operations booked for you in the next two weeks.",
        "No notes waiting for your signature.",
        "No cautions waiting for acknowledgement.",
        "No hips flagged.",
        "No repeats awaited.",
        "No follow-up reviews due.",
    ):
        assert said in page


def test_another_surgeons_list_is_not_mine(nurse, surgeon, web_as):
    hip(nurse, surgeon, "Booked", "scheduled", operated=day(3))
    other = make_user("sue", Role.SURGEON)
    assert "No operations booked for you in the next two weeks." in home(web_as(other))


def test_the_nurses_clinic(nurse, surgeon, bert, web_as):
    with at_time(day(-5)):
        listed = list_episode(bert, surgeon)
    undecided = hip(nurse, surgeon, "Aspirin", "ready", operated=day(20))
    stop = {"medication": "Clopidogrel", "class": "antiplatelet", "needs_decision": True}
    store_panel(undecided, readiness="insufficient-data", medication_stops=[stop])
    page = home(web_as(nurse))
    waiting = section(page, "not-ready")
    assert "OKAFOR, Bert" in waiting
    assert "no operation date yet" in waiting
    assert f"/staff/episodes/{listed.public_id}/clinic/" in waiting
    decisions = section(page, "decisions")
    assert "A clinician decides: Clopidogrel (antiplatelet)" in decisions
    assert "No results expiring before an operation." in page
    assert "No surveillance hips due or flagged." in page


def test_the_anaesthetists_questions_and_lists(nurse, surgeon, anaesthetist, web_as):
    graded = hip(nurse, surgeon, "Graded", "scheduled", operated=day(10))
    hip(nurse, surgeon, "Plain", "scheduled", operated=day(12))
    with at_time(TODAY, 8):
        record_entry(
            kind=Kind.ASA,
            episode=graded,
            payload={"grade": "III", "assessed_on": TODAY},
            by=anaesthetist,
            via=Via.WEB,
        )
    page = home(web_as(anaesthetist))
    questions = section(page, "anaesthetic")
    assert "GRADEDSON" in questions
    assert "ASA grade III" in questions
    assert "PLAINSON" not in questions
    assert "PLAINSON" in section(page, "theatre")


def test_each_anaesthetic_question_is_found_by_its_stored_reason(
    nurse, surgeon, anaesthetist, web_as, django_assert_max_num_queries
):
    """A medicine decision waiting, or a hip not ready, is a question, read from the stored
    columns in the database, counted whole however many hips the four weeks hold."""
    undecided = hip(nurse, surgeon, "Undecided", "scheduled", operated=day(7))
    stop = {"medication": "Clopidogrel", "class": "antiplatelet", "needs_decision": True}
    store_panel(undecided, medication_stops=[stop])
    hip(nurse, surgeon, "Plain", "scheduled", operated=day(8))
    unready = hip(nurse, surgeon, "Other", "scheduled", operated=day(9))
    from coxa.pathways.models import Episode

    Episode.objects.filter(pk=unready.pk).update(state="optimising")  # moved back since
    client = web_as(anaesthetist)
    home(client)
    with django_assert_max_num_queries(40):
        page = home(client)
    questions = section(page, "anaesthetic")
    assert "UNDECIDEDSON" in questions
    assert "A medicine decision waits" in questions
    assert "OTHERSON" in questions
    assert "Not ready for surgery" in questions
    assert "PLAINSON" not in questions


def test_the_physiotherapists_ward_and_reviews(nurse, surgeon, physio, web_as):
    ward = hip(nurse, surgeon, "Ward", "operated", operated=day(-1))
    home_now = hip(nurse, surgeon, "Home", "recovering", operated=day(-20))
    page = home(web_as(physio))
    assert "WARDSON" in section(page, "ward")
    assert f"/staff/episodes/{ward.public_id}/operation/#discharge-h" in page
    reviews = section(page, "physiotherapy")
    assert "HOMESON" in reviews
    assert "(overdue)" in reviews
    assert f"/staff/episodes/{home_now.public_id}/operation/#physio-h" in reviews


def test_the_administrators_accounts_and_audit(admin, web_as):
    make_user("newbie", Role.NURSE)
    page = home(web_as(admin))
    never = section(page, "never")
    assert "Newbie (Pre-assessment nurse): never signed in" in never
    assert "/staff/users/newbie/" in never
    assert "No accounts locked out." in page
    assert "/staff/audit/" in page


def test_the_analyst_sees_analytics_and_no_hips(analyst, web_as):
    page = home(web_as(analyst))
    assert "/staff/analytics/" in page
    assert 'role="search"' not in page
    assert not AuditEvent.objects.filter(action="worklist.home.list").exists()


def test_a_patient_keeps_the_portal(ada_user, client):
    client.force_login(ada_user)
    response = client.get(URL)
    assert response.status_code in (302, 403)
    if response.status_code == 302:
        assert response.url.startswith("/portal/")


def test_one_audit_record_names_every_hip_shown(nurse, surgeon, web_as):
    one = hip(nurse, surgeon, "One", "scheduled", operated=day(3))
    two = hip(nurse, surgeon, "Two", "scheduled", operated=day(4))
    before = AuditEvent.objects.filter(action="worklist.home.list").count()
    home(web_as(surgeon))
    events = AuditEvent.objects.filter(action="worklist.home.list")
    assert events.count() == before + 1
    shown = events.latest("id").details["shown"]
    assert {str(one.public_id), str(two.public_id)} <= set(shown)


def test_a_hip_waiting_beyond_the_first_200_read_is_listed_and_counted(nurse, surgeon, web_as):
    """H90: 204 hips not ready, their cautions acknowledged and no medicine to decide, then
    one (the last read) with a caution and a medicine waiting: both groups find it."""
    from coxa.assessment.services.readiness import refresh
    from coxa.pathways.models import Episode

    quiet = [hip(nurse, surgeon, f"Q{n:03d}x", "listed", operated=day(30)) for n in range(204)]
    last = hip(nurse, surgeon, "Last", "listed", operated=day(30))
    with at_time(TODAY, 8):
        for episode in [*quiet, last]:
            refresh(episode, by=None, via=Via.CLI)
    for episode in quiet:
        store_panel(episode, candidacy="caution", cautions=[CAUTION | {"acknowledged": True}])
    stop = {"medication": "Clopidogrel", "class": "antiplatelet", "needs_decision": True}
    store_panel(
        last,
        candidacy="caution",
        cautions=[CAUTION | {"acknowledged": False}],
        medication_stops=[stop],
    )
    read = list(Episode.objects.order_by("operation_sort_on", "id"))
    assert read.index(last) >= 200  # beyond what the home page used to read
    cautions = section(home(web_as(surgeon)), "cautions")
    assert "LASTSON, Last" in cautions
    assert '<span class="count" data-testid="count">1</span>' in cautions
    assert "Q000XSON" not in cautions
    decisions = section(home(web_as(nurse)), "decisions")
    assert "A clinician decides: Clopidogrel (antiplatelet)" in decisions
    assert '<span class="count" data-testid="count">1</span>' in decisions


def test_a_contraindicated_hip_is_not_asked_for_an_acknowledgement(nurse, surgeon, web_as):
    barred = hip(nurse, surgeon, "Barred", "scheduled", operated=day(9))
    store_panel(barred, candidacy="contraindicated", cautions=[CAUTION | {"acknowledged": False}])
    assert "No cautions waiting for acknowledgement." in home(web_as(surgeon))


# ------------------------------------------------ what a page costs, however many hips
# Measured on SQLite (session, user, each list's page and count, the counts by state, the
# audit record); at most this for 3 hips or 30 (a list that fits on the page is not counted
# again, core.worklists.page_of). A list of several states is read state by state (ADR 0035):
# a query a state, then one for the page's rows, however many hips; the data's version is
# read once for every count kept under it (ADR 0036).
QUERIES = {
    Role.SURGEON: 19,
    Role.NURSE: 22,  # with the consultation requests waiting (2)
    Role.PHYSIOTHERAPIST: 13,
    Role.ANAESTHETIST: 10,
    Role.ADMINISTRATOR: 12,  # with the consultation requests waiting (2)
}


def many(nurse, surgeon, count):
    """``count`` hips; each booked one waits on a caution and a medicine decision."""
    stop = {"medication": "Clopidogrel", "class": "antiplatelet", "needs_decision": True}
    for n in range(count):
        state, offset = [("scheduled", 2), ("operated", -1), ("recovering", -10)][n % 3]
        episode = hip(nurse, surgeon, f"N{n:02d}x", state, operated=day(offset))
        if state == "scheduled":
            waiting = {"cautions": [CAUTION | {"acknowledged": False}], "medication_stops": [stop]}
            store_panel(episode, candidacy="caution", **waiting)


@pytest.mark.parametrize("count", [3, 30])
def test_each_home_costs_the_same_queries_for_3_or_30_hips(
    count, nurse, surgeon, physio, anaesthetist, admin, web_as, django_assert_max_num_queries
):
    many(nurse, surgeon, count)
    for user in (surgeon, nurse, physio, anaesthetist, admin):
        client = web_as(user)
        home(client)  # the session's first request stamps it
        with django_assert_max_num_queries(QUERIES[user.role]):
            page = home(client)
        if user in (surgeon, nurse):  # the waiting hips are shown, at no cost per hip
            assert "N00XSON" in section(page, "cautions" if user == surgeon else "decisions")


def _request(name, procedure="bhr", *, on=TODAY, automated=False):
    from coxa.enquiries.domain import EnquiryIn
    from coxa.enquiries.services import receive_enquiry

    entry = EnquiryIn(
        name=name, email=f"{name.lower()}@example.org", procedure=procedure, consent=True
    )
    with at_time(on, 10):
        return receive_enquiry(entry=entry, client="192.0.2.7", automated=automated).enquiry


@pytest.mark.parametrize("role", ["nurse", "admin"])
def test_new_consultation_requests_wait_on_the_triage_roles_home(role, request, web_as):
    old = _request("Olwen", on=TODAY - dt.timedelta(days=6))
    _request("Pryce", "core-decompression")
    _request("Bot", automated=True)
    page = home(web_as(request.getfixturevalue(role)))
    waiting = section(page, "requests")
    assert "Consultation requests waiting" in waiting
    assert f"/staff/enquiries/{old.public_id}/" in waiting
    assert "New request about Birmingham Hip Resurfacing" in waiting
    assert "likely automated" in waiting
    assert waiting.count("Needs attention") == 1  # only the one waiting 6 days
    # Named by the operation and the day, never by the person who wrote.
    assert "Olwen" not in waiting
    assert "Pryce" not in waiting
    assert waiting.index("Birmingham") < waiting.index("Core decompression")  # oldest first


def test_roles_that_do_not_triage_see_no_requests(physio, anaesthetist, web_as):
    _request("Olwen")
    for user in (physio, anaesthetist):
        assert 'data-testid="home-requests"' not in home(web_as(user))


def test_a_name_no_account_has_is_not_listed_as_a_locked_account(admin, web_as):
    from axes.models import AccessAttempt
    from django.conf import settings

    from coxa.core import clock

    for name in ("(portal invitation)", "nosuchuser", "nurse"):
        AccessAttempt.objects.create(
            username=name,
            ip_address="192.0.2.9",
            user_agent="probe",
            attempt_time=clock.now(),
            failures_since_start=settings.AXES_FAILURE_LIMIT,
        )
    make_user("nurse", Role.NURSE)
    locked = section(home(web_as(admin)), "locked")
    assert "nurse: locked out" in locked
    assert "portal invitation" not in locked
    assert "nosuchuser" not in locked


def _by_state(page):
    states = page.split('id="states-heading"', 1)[1].split("</section>", 1)[0]
    return {
        label: int(n)
        for n, label in __import__("re").findall(r"<strong>(\d+)</strong>([^<]+)</a>", states)
    }


def test_the_counts_by_state_follow_every_change_and_are_read_once_between(nurse, surgeon, web_as):
    from coxa.pathways.services import open_episode

    hip(nurse, surgeon, "Countson", "scheduled", operated=day(2))
    client = web_as(nurse)
    first = _by_state(home(client))
    assert first["Scheduled"] == 1
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as read:
        again = _by_state(home(client))
    assert not [q for q in read.captured_queries if "GROUP BY" in q["sql"]]  # from the cache
    assert again == first
    patient = hip(nurse, surgeon, "Laterson", "scheduled", operated=day(3)).patient
    open_episode(patient=patient, by=nurse, via=Via.WEB, side="right", procedure="bhr")
    after = _by_state(home(client))
    assert after["Scheduled"] == 2
    assert after["Referred"] == first.get("Referred", 0) + 1
