"""A questionnaire response made in error (the wrong hip, a forwarded link) is struck out with
a reason (H63): kept and marked, never deleted, and left out of the baseline, the change from
baseline, the fall rule, the schedule's completed points and the analytics. Staff who record
questionnaires strike out; nobody else, and never the patient."""

import datetime as dt
import uuid

import pytest

from coxa.core import clock
from coxa.core.audit import Via
from coxa.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from coxa.core.models import AuditEvent
from coxa.outcomes.models import FollowUpProgramme, QuestionnaireResponse
from coxa.outcomes.selectors import responses_of
from coxa.outcomes.services import responses
from tests.journeys import walk_to

pytestmark = pytest.mark.django_db


def today() -> dt.date:
    """Read at each use, never at import: a run that crosses midnight keeps its dates."""
    return clock.today()


def operated() -> dt.date:
    return today() - dt.timedelta(days=200)


ITEMS = ("pain-stairs", "pain-uneven-ground", "rising-from-sitting", "bending-to-floor",
         "lying-in-bed", "sitting")  # fmt: skip


def after(days):
    return operated() + dt.timedelta(days=days)


def hoos(value):
    return dict.fromkeys(ITEMS, value)


def _hip(patient, surgeon, side="right"):
    return walk_to(
        "follow-up",
        patient=patient,
        by=surgeon,
        side=side,
        procedure="core-decompression",
        listed_on=operated() - dt.timedelta(days=21),
        operated_on=operated(),
    )


@pytest.fixture
def hip(bert, surgeon):
    return _hip(bert, surgeon)


def answer(hip, by, on, value=2, instrument="hoos-jr"):
    answers = hoos(value) if instrument == "hoos-jr" else {"pain": value}
    return responses.record_response(
        episode=hip, instrument=instrument, answers=answers, completed_on=on, by=by, via=Via.WEB
    )


def strike(client, hip, response_id, reason="Entered on the wrong hip"):
    return client.post(
        f"/api/v1/episodes/{hip.public_id}/questionnaires/responses/{response_id}/strike-out",
        {"reason": reason},
        content_type="application/json",
    )


def listed(client, hip):
    done = client.get(f"/api/v1/episodes/{hip.public_id}/questionnaires")
    assert done.status_code == 200
    return {r["id"]: r for r in done.json()["completed"]}


@pytest.mark.parametrize("role", ["surgeon", "nurse", "anaesthetist", "physio"])
def test_staff_who_record_questionnaires_strike_one_out_and_it_stays_marked(
    request, api_as, hip, surgeon, role
):
    user = request.getfixturevalue(role)
    wrong = answer(hip, surgeon, after(-7))
    done = strike(api_as(user), hip, wrong.public_id, "  Entered on the wrong hip  ")
    assert done.status_code == 200, done.content
    body = done.json()
    assert (body["struck_out"], body["struck_out_reason"]) == (True, "Entered on the wrong hip")
    assert (body["baseline"], body["change_from_baseline"]) == (False, None)
    kept = QuestionnaireResponse.every.get(pk=wrong.pk)  # never deleted
    assert (kept.struck_out_by, kept.answers) == (user, wrong.answers)
    assert not QuestionnaireResponse.objects.filter(pk=wrong.pk).exists()  # counts nowhere
    assert listed(api_as(user), hip)[str(wrong.public_id)]["struck_out"] is True
    event = AuditEvent.objects.filter(action="questionnaire.strike-out").get()
    assert (event.actor, event.reason, event.patient_id) == (
        user,
        "Entered on the wrong hip",
        hip.patient.public_id,
    )


@pytest.mark.parametrize("role", ["admin", "analyst"])
def test_other_staff_may_not_strike_one_out(request, api_as, hip, surgeon, role):
    wrong = answer(hip, surgeon, after(-7))
    assert strike(api_as(request.getfixturevalue(role)), hip, wrong.public_id).status_code == 403
    assert QuestionnaireResponse.objects.filter(pk=wrong.pk).exists()


def test_the_patient_may_not_strike_out_even_their_own(api_as, ada, ada_user, surgeon):
    hip = _hip(ada, surgeon, side="left")
    theirs = answer(hip, ada_user, today())
    assert strike(api_as(ada_user), hip, theirs.public_id).status_code == 403
    with pytest.raises(Forbidden):
        responses.strike_out_response(
            episode=hip, response_id=theirs.public_id, reason="mine", by=ada_user, via=Via.WEB
        )
    assert QuestionnaireResponse.objects.filter(pk=theirs.pk).exists()


@pytest.mark.parametrize(
    ("reason", "code"),
    [("", "reason-required"), ("   ", "reason-required"), ("x" * 2001, "invalid-value")],
)
def test_a_strike_out_needs_a_reason_in_words(api_as, nurse, hip, reason, code):
    wrong = answer(hip, nurse, after(-7))
    done = strike(api_as(nurse), hip, wrong.public_id, reason)
    assert done.status_code == 400
    assert (done.json()["code"], done.json()["field"]) == (code, "reason")
    assert QuestionnaireResponse.objects.filter(pk=wrong.pk).exists()
    assert not AuditEvent.objects.filter(action="questionnaire.strike-out").exists()


def test_twice_is_a_conflict_and_another_hips_response_is_not_found(
    api_as, nurse, surgeon, hip, bert
):
    wrong = answer(hip, nurse, after(-7))
    assert strike(api_as(nurse), hip, wrong.public_id).status_code == 200
    again = strike(api_as(nurse), hip, wrong.public_id)
    assert (again.status_code, again.json()["code"]) == (409, "struck-out")
    other = _hip(bert, surgeon, side="left")
    assert strike(api_as(nurse), other, wrong.public_id).status_code == 404
    assert strike(api_as(nurse), hip, uuid.uuid4()).status_code == 404
    with pytest.raises(Conflict):
        responses.strike_out_response(
            episode=hip,
            response_id=wrong.public_id,
            reason="Entered twice by mistake",
            by=nurse,
            via=Via.WEB,
        )
    with pytest.raises(NotFound):
        responses.strike_out_response(
            episode=other,
            response_id=wrong.public_id,
            reason="Entered on the wrong hip",
            by=nurse,
            via=Via.WEB,
        )
    with pytest.raises(InvalidInput):
        responses.strike_out_response(
            episode=hip, response_id=wrong.public_id, reason="", by=nurse, via=Via.WEB
        )


def test_the_baseline_and_every_change_leave_it_out(api_as, nurse, hip):
    first = answer(hip, nurse, after(-14), value=2)  # 52.965
    wrong = answer(hip, nurse, after(-7), value=4)  # the latest before the operation
    later = answer(hip, nurse, after(180), value=1)
    before = {a.response.pk: a for a in responses_of(hip)}
    assert before[wrong.pk].baseline
    assert not before[first.pk].baseline
    assert before[later.pk].change.points == pytest.approx(later.score - wrong.score)
    assert strike(api_as(nurse), hip, wrong.public_id).status_code == 200
    now = {a.response.pk: a for a in responses_of(hip)}
    assert now[first.pk].baseline
    assert (now[wrong.pk].baseline, now[wrong.pk].change) == (False, None)
    assert now[later.pk].change.points == pytest.approx(later.score - first.score)
    assert listed(api_as(nurse), hip)[str(later.public_id)]["change_from_baseline"][
        "points"
    ] == pytest.approx(later.score - first.score)


def test_a_fall_flagged_against_it_is_worked_out_again(api_as, nurse, hip):
    wrong = answer(hip, nurse, after(100), value=0)  # 100: another hip's excellent score
    later = answer(hip, nurse, after(150), value=2)  # 52.965: a fall against it
    assert later.fall is not None
    assert strike(api_as(nurse), hip, wrong.public_id).status_code == 200
    later.refresh_from_db()
    assert later.fall is None
    assert listed(api_as(nurse), hip)[str(later.public_id)]["fall"] is None
    event = AuditEvent.objects.filter(action="questionnaire.strike-out").get()
    assert event.details["falls_changed"] == [str(later.public_id)]
    # A new response after it is compared only with those that count.
    again = answer(hip, nurse, after(160), value=2)
    assert again.fall is None


def test_a_struck_out_fall_is_not_shown_as_a_fall(api_as, nurse, hip):
    answer(hip, nurse, after(100), value=0)
    fallen = answer(hip, nurse, after(150), value=2)
    assert fallen.fall is not None
    assert strike(api_as(nurse), hip, fallen.public_id).status_code == 200
    assert listed(api_as(nurse), hip)[str(fallen.public_id)]["fall"] is None


def test_the_schedule_no_longer_counts_its_point(api_as, nurse, hip):
    six_weeks = answer(hip, nurse, after(42), value=3, instrument="pain-nrs")
    assert six_weeks.point == "6-weeks"
    assert "6-weeks" in FollowUpProgramme.objects.get(episode=hip).completed
    assert strike(api_as(nurse), hip, six_weeks.public_id).status_code == 200
    programme = FollowUpProgramme.objects.get(episode=hip)
    assert "6-weeks" not in programme.completed


# ------------------------------------------------------------------ the staff page
def page_strike(client, hip, response_id, reason="Answered through a forwarded link"):
    return client.post(
        f"/staff/episodes/{hip.public_id}/questionnaires/responses/{response_id}/strike-out/",
        {"reason": reason},
    )


@pytest.mark.parametrize("role", ["surgeon", "nurse", "anaesthetist", "physio"])
def test_the_page_strikes_one_out_and_shows_it_marked(request, web_as, nurse, hip, role):
    user = request.getfixturevalue(role)
    wrong = answer(hip, nurse, after(-7))
    client = web_as(user)
    shown = client.get(f"/staff/episodes/{hip.public_id}/questionnaires/").content.decode()
    assert 'data-testid="strike-out"' in shown
    done = page_strike(client, hip, wrong.public_id)
    assert done.status_code == 302
    page = client.get(done["Location"]).content.decode()
    assert 'data-testid="struck-out"' in page
    assert "Answered through a forwarded link" in page
    assert "It does not count in this hip's scores" in page
    assert 'data-testid="strike-out"' not in page  # nothing left to strike out
    assert QuestionnaireResponse.every.get(pk=wrong.pk).struck_out


def test_the_page_shows_a_refusal_beside_the_reason(web_as, nurse, hip):
    wrong = answer(hip, nurse, after(-7))
    done = page_strike(web_as(nurse), hip, wrong.public_id, reason="  ")
    assert done.status_code == 400
    html = done.content.decode()
    assert f'id="strike-{wrong.public_id}-reason_error"' in html
    assert not QuestionnaireResponse.every.get(pk=wrong.pk).struck_out


@pytest.mark.parametrize("role", ["admin", "analyst"])
def test_the_page_refuses_other_roles(request, web_as, nurse, hip, role):
    wrong = answer(hip, nurse, after(-7))
    client = web_as(request.getfixturevalue(role))
    assert page_strike(client, hip, wrong.public_id).status_code == 403
    assert not QuestionnaireResponse.every.get(pk=wrong.pk).struck_out


def test_the_patient_sees_it_is_not_counted(web_as, api_as, ada, ada_user, surgeon, nurse):
    hip = _hip(ada, surgeon, side="left")
    theirs = answer(hip, ada_user, today())
    assert page_strike(web_as(ada_user), hip, theirs.public_id).status_code in {403, 404}
    assert strike(api_as(nurse), hip, theirs.public_id).status_code == 200
    page = web_as(ada_user).get(f"/portal/questionnaires/{hip.public_id}/")
    assert page.status_code == 200, page.status_code
    assert "not counted" in page.content.decode()
