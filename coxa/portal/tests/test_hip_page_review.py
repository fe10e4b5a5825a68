"""The hip page after the clinical-safety review (issue 17; hazard H82).

An ended hip (withdrawn, converted, died) offers no coming date, no questionnaire and no
metal-on-metal check, on its hip page, the records page and the checks page, even before the
nightly sweep ends its stored programmes. The questionnaires before the operation come before
it; a phase whose end the surgeon chooses shows the plan's range; the page says to keep taking
other medicines where the letter does; a resurfaced hip says what to watch for.
"""

import datetime as dt
import re

import pytest

from coxa.accounts.domain import Role
from coxa.conftest import make_user
from coxa.core import clock
from coxa.core.audit import Via
from coxa.core.words import long_date
from coxa.outcomes.services import schedule as follow_up
from coxa.outcomes.services.endpoints import record_conversion, record_death
from coxa.outcomes.worklist import due_of
from coxa.pathways import services as pathways
from coxa.patients import services as patients
from coxa.portal.tests.test_surveillance import enrol
from coxa.surgery.selectors import plan_of
from coxa.surveillance.domain.advice import SYMPTOMS
from coxa.surveillance.models import Enrolment, EnrolmentStatus
from tests.journeys import JOURNEY, walk_to

pytestmark = pytest.mark.django_db


def today() -> dt.date:
    """Read at each use, never at import: a run that crosses midnight keeps its dates."""
    return clock.today()


@pytest.fixture
def bert_user(bert, nurse):
    """Bert, a man (a resurfacing suits him), with a portal account of his own."""
    user = make_user("bert", Role.PATIENT)
    patients.link_account(patient=bert, user=user, by=nurse, via=Via.WEB)
    return user


def url(episode):
    return f"/portal/hips/{episode.public_id}/"


def coming(page):
    """The coming dates' list items, in order (empty when there is no list)."""
    if 'data-testid="coming"' not in page:
        return []
    block = page.split('data-testid="coming"')[1].split("</ul>")[0]
    return block.split("<li")[1:]


def scheduled(patient, by, procedure="bhr", side="left"):
    """A hip booked for an operation 19 days from today, its pre-operation set open (as the
    nightly sweep stores it)."""
    hip = walk_to("scheduled", patient=patient, by=by, procedure=procedure, side=side,
                  listed_on=today() - dt.timedelta(days=2))  # fmt: skip
    follow_up.refresh(hip)
    return hip


def withdraw(hip, by):
    pathways.move_episode(
        episode=hip, to="withdrawn", reason="Chose not to go ahead", by=by, via=Via.WEB
    )
    hip.refresh_from_db()
    return hip


def convert(hip, by, on):
    return record_conversion(
        episode=hip,
        on=on,
        reason="adverse-reaction-to-metal-debris",
        procedure="total-hip-replacement",
        by=by,
        via=Via.WEB,
    )


def test_a_withdrawn_hip_offers_no_operation_day_no_questionnaires_and_says_it_is_cancelled(
    web_as, bert_user, bert, surgeon
):
    """H82 (HIGH): the operation day kept on a withdrawn hip is never offered as coming."""
    hip = scheduled(bert, surgeon)
    client = web_as(bert_user)
    before = client.get(url(hip)).content.decode()
    assert "Your operation" in "".join(coming(before))
    assert 'data-testid="due-now"' in before
    withdraw(hip, surgeon)
    assert hip.operation_on is not None  # the record keeps the day it was booked for
    page = client.get(url(hip)).content.decode()
    assert coming(page) == []
    assert "Your operation" not in page
    assert 'data-testid="due-now"' not in page
    assert "Questionnaires to answer" not in page
    assert "metal-on-metal hip check" not in page
    assert 'data-testid="hip-check"' not in page
    assert "not going ahead" in page
    assert "cancelled" in page
    assert "/letter.pdf" not in page
    assert "/plan.pdf" not in page
    assert f"/portal/questionnaires/{hip.public_id}/" not in page  # none to answer now
    # Nor does the questionnaires page, reached by its address.
    answers = client.get(f"/portal/questionnaires/{hip.public_id}/").content.decode()
    assert 'data-testid="due-now"' not in answers
    records = client.get("/portal/").content.decode()
    assert "your operation is planned" not in records
    assert "not going ahead" in records


def test_a_converted_resurfaced_hip_advertises_no_next_check_before_the_sweep(
    web_as, ada_user, ada, surgeon
):
    """H82 (MEDIUM): the enrolment stays active until the nightly sweep; the portal does not
    wait for it, as the staff worklist does not."""
    hip = enrol(ada, surgeon)
    client = web_as(ada_user)
    assert "your next check is due" in client.get("/portal/").content.decode()
    done = convert(hip, surgeon, on=today() - dt.timedelta(days=1))
    assert Enrolment.objects.get(episode=hip).status == EnrolmentStatus.ACTIVE  # not swept yet
    page = client.get(url(hip)).content.decode()
    assert "metal-on-metal hip check" not in page
    assert "your next check is due" not in page
    assert coming(page) == []
    assert 'data-step="metal-checks"' not in page
    assert "Its care continues under that operation" in page
    assert url(done.new_episode) in page  # the new operation's own page
    records = client.get("/portal/").content.decode()
    card = records.split(url(hip))[0].rsplit('data-testid="hip-card"', 1)[1]
    card += records.split(url(hip))[1].split("</article>")[0]
    assert "your next check is due" not in card
    checks = client.get(f"/portal/hip-checks/{hip.public_id}/").content.decode()
    assert "Your next check is due on" not in checks


def test_a_hip_whose_patient_died_shows_nothing_coming(web_as, bert_user, bert, surgeon, nurse):
    hip = scheduled(bert, surgeon)
    record_death(patient=bert, on=today(), related_to_hip="no", by=nurse, via=Via.WEB)
    page = web_as(bert_user).get(url(hip)).content.decode()
    assert coming(page) == []
    assert 'data-testid="due-now"' not in page
    assert "Your operation" not in page


def test_the_questionnaires_before_the_operation_come_before_it(web_as, bert_user, bert, surgeon):
    """H82 (LOW): the pre-operation set is due by the operation day: listed before it."""
    hip = scheduled(bert, surgeon)
    due = due_of(hip)
    assert due is not None
    assert due.due_on == hip.operation_on
    items = coming(web_as(bert_user).get(url(hip)).content.decode())
    answer = next(i for i, item in enumerate(items) if "Questionnaires to answer" in item)
    operation = next(i for i, item in enumerate(items) if "Your operation" in item)
    assert answer < operation
    assert "Questionnaires to answer before your operation:" in items[answer]
    assert "(before the operation)" not in items[answer]


def test_a_phase_the_surgeon_ends_at_the_operation_shows_the_plan_s_range(
    web_as, ada_user, ada, surgeon
):
    """H82 (LOW): core decompression's weeks on crutches, as the plan page words them."""
    hip = scheduled(ada, surgeon, procedure="core-decompression", side="right")
    plan, final = plan_of(hip)
    phase = plan.phases[0]
    assert not final
    assert not phase.settled
    page = web_as(ada_user).get(url(hip)).content.decode()
    words = re.sub(r"<[^>]+>", "", page)
    assert (
        f"{phase.title}: this stage ends between {long_date(phase.earliest_end)} and "
        f"{long_date(phase.latest_end)}; your surgeon decides at the operation" in words
    )
    assert f'datetime="{phase.latest_end:%Y-%m-%d}"' in page


def test_the_page_says_to_keep_taking_other_medicines_as_the_letter_does(
    web_as, bert_user, bert, surgeon
):
    """H82 (LOW): with the medicines checked, the letter says to keep taking the others."""
    hip = scheduled(bert, surgeon)
    page = web_as(bert_user).get(url(hip)).content.decode()
    assert "Keep taking your other medicines unless your letter says otherwise." in page


def test_a_resurfaced_hip_in_follow_up_says_what_to_watch_for(web_as, ada_user, ada, surgeon):
    """H82 (LOW): the symptoms each check asks about, the same words (never a second text)."""
    hip = enrol(ada, surgeon)
    page = web_as(ada_user).get(url(hip)).content.decode()
    assert 'data-testid="metal-watch"' in page
    for code in ("pain", "swelling", "clicking", "new-limp"):
        assert SYMPTOMS[code] in page


def test_a_hip_with_no_metal_on_metal_implant_has_no_such_advice(web_as, ada_user, ada, surgeon):
    hip = walk_to("follow-up", patient=ada, by=surgeon, procedure="core-decompression",
                  listed_on=today() - dt.timedelta(days=100))  # fmt: skip
    page = web_as(ada_user).get(url(hip)).content.decode()
    assert 'data-testid="metal-watch"' not in page
    assert 'data-testid="hip-check"' not in page


ENDED = ("withdrawn", "converted", "died")
# Each state: the state walked to first, and how many days ago the hip was listed (the
# operation three weeks later).
WALKS = {
    **{s: (s, 2) for s in JOURNEY[:5]},
    "operated": ("operated", 30),
    "recovering": ("recovering", 30),
    "follow-up": ("follow-up", 100),
    "completed": ("completed", 420),
    "withdrawn": ("scheduled", 2),
    "converted": ("follow-up", 100),
    "died": ("recovering", 30),
}


@pytest.mark.parametrize("state", list(WALKS))
def test_every_state_renders_the_hip_and_records_pages_with_nothing_amiss(
    web_as, bert_user, bert, surgeon, nurse, state
):
    """Every state: both pages answer, no "None" shown; an ended hip shows nothing coming."""
    target, listed = WALKS[state]
    procedure = "core-decompression" if state == "completed" else "bhr"  # followed for life
    hip = walk_to(target, patient=bert, by=surgeon, procedure=procedure,
                  listed_on=today() - dt.timedelta(days=listed))  # fmt: skip
    follow_up.refresh(hip)  # as the nightly sweep stores it, before the hip ends
    if state == "withdrawn":
        withdraw(hip, surgeon)
    elif state == "converted":
        convert(hip, surgeon, on=today() - dt.timedelta(days=1))
    elif state == "died":
        record_death(patient=bert, on=today(), related_to_hip="no", by=nurse, via=Via.WEB)
    hip.refresh_from_db()
    assert hip.state == state
    client = web_as(bert_user)
    page = client.get(url(hip))
    records = client.get("/portal/")
    assert (page.status_code, records.status_code) == (200, 200)
    html = page.content.decode()
    for shown in (html, records.content.decode()):
        assert "None" not in shown
    if state in ENDED:
        assert coming(html) == []
        assert 'data-testid="due-now"' not in html
        assert "your next check is due" not in html
        assert 'aria-current="step"' not in html


def test_a_ranged_phase_gives_its_range_and_the_next_phase_waits_for_it():
    """Pure: the plan's own earliest_end and latest_end; the phase after has no day yet."""
    from coxa.portal.domain import plan_dates
    from coxa.surgery.domain.plan import Plan, PlannedPhase

    day0 = dt.date(2027, 1, 4)

    def phase(code, title, start, end, low, high, settled):
        return PlannedPhase(code, title, day0 + dt.timedelta(days=start),
                            day0 + dt.timedelta(days=end), "offloaded", "crutches", low, high,
                            day0 + dt.timedelta(days=low), day0 + dt.timedelta(days=high),
                            settled)  # fmt: skip

    phases = (phase("a", "Crutches", 0, 28, 28, 56, False),
              phase("b", "Walking with a cane", 28, 70, 70, 70, False),
              phase("c", "Walking unaided", 70, 90, 90, 90, False))  # fmt: skip
    plan = Plan(day0, phases, (), "", "")
    found = plan_dates(plan)
    ranged = [d for d in found if d.until is not None]
    assert [(d.on, d.until, d.what) for d in ranged] == [
        (day0 + dt.timedelta(days=28), day0 + dt.timedelta(days=56),
         "Crutches: this stage ends, and walking with a cane starts,"),
    ]  # fmt: skip
    starts = [d.what for d in found if d.until is None]
    assert starts == ["From the day of your operation: Crutches", "From today: Walking unaided"]
