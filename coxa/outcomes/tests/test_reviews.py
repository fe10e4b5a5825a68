"""Follow-up clinic reviews through the API and the service: every role, every refusal on its
field with nothing stored, the findings in words, and striking out with a reason."""

import datetime as dt

import pytest

from coxa.core.audit import Via
from coxa.core.errors import Forbidden
from coxa.core.models import AuditEvent
from coxa.outcomes.domain.reviews import FollowUpReviewIn
from coxa.outcomes.models import FollowUpReview
from coxa.outcomes.services import reviews
from tests.journeys import at_time, list_episode, walk_to

pytestmark = pytest.mark.django_db
LISTED_ON = dt.date(2026, 1, 5)
OPERATED_ON = LISTED_ON + dt.timedelta(days=21)
SEEN_ON = OPERATED_ON + dt.timedelta(days=42)


@pytest.fixture
def hip(bert, surgeon):
    return walk_to(
        "recovering", patient=bert, by=surgeon, listed_on=LISTED_ON, procedure="core-decompression"
    )


@pytest.fixture
def resurfaced(bert, surgeon):
    return walk_to("recovering", patient=bert, by=surgeon, listed_on=LISTED_ON, side="right")


FULL = {
    "seen_on": SEEN_ON.isoformat(),
    "point": "6-weeks",
    "pain": 2,
    "flexion": 100,
    "walking_aid": "one-stick",
    "walking_distance": "100-m-to-1-km",
    "work": "not-yet",
    "sport": "no-sport-before",
    "findings": {"head-collapse": {"result": "present", "amount": 1.5}},
    "plan": "next-review",
    "next_review_on": (SEEN_ON + dt.timedelta(days=120)).isoformat(),
}


def post(client, episode, body):
    with at_time(SEEN_ON, 15):
        return client.post(
            f"/api/v1/episodes/{episode.public_id}/follow-up-reviews",
            body,
            content_type="application/json",
        )


@pytest.mark.parametrize("role", ["surgeon", "nurse"])
def test_surgeons_and_nurses_record_a_whole_review(request, api_as, hip, role):
    user = request.getfixturevalue(role)
    answer = post(api_as(user), hip, FULL)
    assert answer.status_code == 201, answer.json()
    body = answer.json()
    words = {f["code"]: (f["result"], f["words"], f["abnormal"]) for f in body["findings"]}
    assert words == {
        "avn-stage": ("not-assessed", "Not assessed", None),  # unknown, never normal
        "head-collapse": ("present", "Present, 1.5 mm", True),
    }
    assert (
        body["plan_text"]
        == f"Review again in clinic on {SEEN_ON + dt.timedelta(days=120):%-d %b %Y}"
    )
    assert (body["point"], body["recorded_by"], body["struck_out"]) == (
        "6-weeks",
        user.username,
        False,
    )
    event = AuditEvent.objects.filter(action="follow-up-review.record").get()
    assert "collapse of the femoral head: present, 1.5 mm" in event.summary
    assert "avn" not in event.summary.lower() or "not assessed" in event.summary
    listed = api_as(user).get(f"/api/v1/episodes/{hip.public_id}/follow-up-reviews").json()
    assert [r["id"] for r in listed] == [body["id"]]


def test_a_physiotherapist_records_function_only(api_as, physio, hip):
    client = api_as(physio)
    function = {k: v for k, v in FULL.items() if k not in ("findings", "plan", "next_review_on")}
    answer = post(client, hip, function)
    assert answer.status_code == 201, answer.json()
    assert {f["result"] for f in answer.json()["findings"]} == {"not-assessed"}
    for extra, field in (
        ({"findings": {"head-collapse": {"result": "none"}}}, "findings.head-collapse"),
        ({"findings": {"avn-stage": {"result": "not-assessed"}}}, "findings.avn-stage"),
        ({"plan": "discharge"}, "plan"),
        ({"plan_words": "see again"}, "plan_words"),
        ({"next_review_on": "2026-12-01"}, "next_review_on"),
    ):
        refused = post(client, hip, function | extra)
        assert refused.status_code == 403
        assert (refused.json()["code"], refused.json()["field"]) == ("forbidden", field)
    assert FollowUpReview.objects.count() == 1


@pytest.mark.parametrize("role", ["anaesthetist", "admin", "analyst", "ada_user"])
def test_other_roles_may_not_record(request, api_as, hip, role):
    answer = post(api_as(request.getfixturevalue(role)), hip, FULL)
    assert answer.status_code == 403
    assert not FollowUpReview.objects.exists()


@pytest.mark.parametrize("role", ["anaesthetist", "admin", "physio"])
def test_clinical_staff_read(request, api_as, surgeon, hip, role):
    post(api_as(surgeon), hip, FULL)
    listed = api_as(request.getfixturevalue(role)).get(
        f"/api/v1/episodes/{hip.public_id}/follow-up-reviews"
    )
    assert listed.status_code == 200
    assert len(listed.json()) == 1


@pytest.mark.parametrize("role", ["analyst", "ada_user"])
def test_analysts_and_patients_do_not_read_reviews(request, api_as, hip, role):
    listed = api_as(request.getfixturevalue(role)).get(
        f"/api/v1/episodes/{hip.public_id}/follow-up-reviews"
    )
    assert listed.status_code == 403


@pytest.mark.parametrize(
    ("change", "field", "code"),
    [
        (
            {"seen_on": (OPERATED_ON - dt.timedelta(days=1)).isoformat()},
            "seen_on",
            "before-operation",
        ),
        ({"seen_on": (SEEN_ON + dt.timedelta(days=1)).isoformat()}, "seen_on", "date-in-future"),
        ({"pain": 11}, "pain", "implausible-value"),
        ({"flexion": 170}, "flexion", "implausible-value"),
        ({"walking_aid": "stick"}, "walking_aid", "unknown-code"),
        (
            {"findings": {"radiolucency": {"result": "none"}}},
            "findings.radiolucency",
            "finding-not-for-procedure",
        ),
        ({"next_review_on": SEEN_ON.isoformat()}, "next_review_on", "next-review-not-after"),
        ({"point": "Six Weeks"}, "point", "invalid-value"),
        ({"colour": "red"}, "colour", "unknown-field"),
    ],
)
def test_refusals_name_the_field_and_store_nothing(api_as, nurse, hip, change, field, code):
    answer = post(api_as(nurse), hip, FULL | change)
    assert answer.status_code == 400
    problems = {(p["field"], p["code"]) for p in answer.json().get("errors", [answer.json()])}
    assert (field, code) in problems
    assert not FollowUpReview.objects.exists()


def test_an_empty_review_is_refused(api_as, nurse, hip):
    answer = post(api_as(nurse), hip, {"seen_on": SEEN_ON.isoformat(), "point": "6-weeks"})
    assert (answer.status_code, answer.json()["code"]) == (400, "required")


def test_a_hip_not_yet_operated_has_no_reviews(api_as, nurse, bert, surgeon):
    listed = list_episode(bert, surgeon)
    answer = post(api_as(nurse), listed, FULL)
    assert (answer.status_code, answer.json()["code"]) == (409, "not-operated")


def test_resurfacing_findings_and_lifelong_follow_up(api_as, surgeon, resurfaced):
    client = api_as(surgeon)
    findings = {
        "component-position": {"result": "acceptable"},
        "neck-narrowing": {"result": "present", "amount": 10},
        "radiolucency": {"result": "not-assessed"},
    }
    answer = post(client, resurfaced, {"seen_on": SEEN_ON.isoformat(), "findings": findings})
    assert answer.status_code == 201, answer.json()
    words = [f["words"] for f in answer.json()["findings"]]
    assert words == ["Acceptable", "Present, 10 %", "Not assessed"]
    discharged = post(client, resurfaced, {"seen_on": SEEN_ON.isoformat(), "plan": "discharge"})
    assert (discharged.json()["code"], discharged.json()["field"]) == ("followed-for-life", "plan")


def test_a_review_is_struck_out_with_a_reason_and_stays(api_as, surgeon, physio, hip):
    client = api_as(surgeon)
    made = post(client, hip, FULL).json()
    url = f"/api/v1/episodes/{hip.public_id}/follow-up-reviews/{made['id']}/strike-out"
    blank = client.post(url, {"reason": " "}, content_type="application/json")
    assert (blank.status_code, blank.json()["field"]) == (400, "reason")
    by_physio = api_as(physio).post(url, {"reason": "wrong hip"}, content_type="application/json")
    assert by_physio.status_code == 403  # it holds X-ray findings and a plan
    struck = client.post(
        url, {"reason": "recorded on the wrong hip"}, content_type="application/json"
    )
    assert struck.status_code == 200
    assert (struck.json()["struck_out"], struck.json()["strike_out_reason"]) == (
        True,
        "recorded on the wrong hip",
    )
    again = client.post(url, {"reason": "again"}, content_type="application/json")
    assert (again.status_code, again.json()["code"]) == (409, "entry-already-corrected")
    listed = client.get(f"/api/v1/episodes/{hip.public_id}/follow-up-reviews").json()
    assert [r["struck_out"] for r in listed] == [True]
    assert AuditEvent.objects.filter(action="follow-up-review.strike-out").count() == 1


def test_a_physiotherapist_strikes_out_a_function_only_review(api_as, physio, hip):
    client = api_as(physio)
    made = post(client, hip, {"seen_on": SEEN_ON.isoformat(), "pain": 3}).json()
    url = f"/api/v1/episodes/{hip.public_id}/follow-up-reviews/{made['id']}/strike-out"
    assert (
        client.post(url, {"reason": "typed twice"}, content_type="application/json").status_code
        == 200
    )


def test_striking_out_another_hips_review_is_not_found(api_as, surgeon, hip, resurfaced):
    made = post(api_as(surgeon), hip, FULL).json()
    url = f"/api/v1/episodes/{resurfaced.public_id}/follow-up-reviews/{made['id']}/strike-out"
    answer = api_as(surgeon).post(url, {"reason": "x"}, content_type="application/json")
    assert answer.status_code == 404


def test_the_service_guards_itself_for_commands(hip, anaesthetist, physio):
    entry = FollowUpReviewIn(seen_on=SEEN_ON, pain=1)
    with at_time(SEEN_ON), pytest.raises(Forbidden):
        reviews.record_review(episode=hip, entry=entry, by=anaesthetist, via=Via.CLI)
    with at_time(SEEN_ON):
        done = reviews.record_review(episode=hip, entry=entry, by=physio, via=Via.CLI)
    assert done.pain == 1


def test_a_repeated_request_with_one_key_records_once(api_as, nurse, hip):
    client = api_as(nurse)
    with at_time(SEEN_ON, 15):
        for _ in range(2):
            answer = client.post(
                f"/api/v1/episodes/{hip.public_id}/follow-up-reviews", FULL,
                content_type="application/json", headers={"Idempotency-Key": "review-1"},
            )  # fmt: skip
            assert answer.status_code == 201
    assert FollowUpReview.objects.count() == 1
