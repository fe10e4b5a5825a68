"""The follow-up reviews page: reviews in words, the form each role gets, refusals beside
their fields with nothing stored, once per form, striking out, and the episode page's link."""

import datetime as dt

import pytest

from coxa.conftest import sign_in
from coxa.outcomes.models import FollowUpReview
from tests.journeys import at_time, walk_to

pytestmark = pytest.mark.django_db
LISTED_ON = dt.date(2026, 1, 5)
SEEN_ON = LISTED_ON + dt.timedelta(days=80)


@pytest.fixture
def hip(bert, surgeon):
    return walk_to(
        "recovering", patient=bert, by=surgeon, listed_on=LISTED_ON, procedure="core-decompression"
    )


def url(hip):
    return f"/staff/episodes/{hip.public_id}/reviews/"


def form(**fields):
    data = {
        "seen_on": SEEN_ON.isoformat(),
        "pain": "4",
        "walking_aid": "two-sticks-or-crutches",
        "finding_avn-stage": "staged",
        "finding_avn-stage_system": "arco-2019",
        "finding_avn-stage_stage": "IIIB",
        "finding_head-collapse": "present",
        "finding_head-collapse_amount": "3",
        "plan": "refer-revision",
        "plan_words": "To discuss hip replacement with Mr Smith",
    }
    return data | fields


def test_a_surgeon_records_a_review_and_reads_it_in_words(client, surgeon, hip):
    sign_in(client, surgeon)
    with at_time(SEEN_ON, 15):
        shown = client.get(url(hip))
        assert shown.status_code == 200
        page = shown.content.decode()
        assert "Collapse of the femoral head" in page
        assert "Plan in words" in page
        answer = client.post(url(hip), form(), follow=True)
    assert answer.status_code == 200
    page = answer.content.decode()
    assert "Follow-up review recorded." in page
    assert "ARCO 2019 IIIB" in page
    assert "Present, 3 mm" in page
    assert "Two sticks or crutches" in page
    assert "4 out of 10" in page
    assert "Refer to discuss revision surgery: To discuss hip replacement with Mr Smith" in page
    assert "two-sticks-or-crutches" not in page.split("Record a review")[0]  # words, not codes
    assert FollowUpReview.objects.count() == 1


def test_findings_not_assessed_are_said_so(client, nurse, hip):
    sign_in(client, nurse)
    with at_time(SEEN_ON, 15):
        client.post(url(hip), {"seen_on": SEEN_ON.isoformat(), "pain": "1",
                               "finding_avn-stage": "not-assessed",
                               "finding_head-collapse": "not-assessed"})  # fmt: skip
        page = client.get(url(hip)).content.decode()
    assert page.count("Not assessed</dd>") == 2


def test_a_refusal_is_shown_beside_its_field_and_keeps_what_was_typed(client, surgeon, hip):
    sign_in(client, surgeon)
    with at_time(SEEN_ON, 15):
        answer = client.post(url(hip), form(**{"pain": "11", "finding_head-collapse_amount": "25"}))
    assert answer.status_code == 400
    page = answer.content.decode()
    assert 'id="review-pain_error"' in page
    assert 'id="review-finding_head-collapse_amount_error"' in page
    assert 'value="11"' in page
    assert not FollowUpReview.objects.exists()


def test_the_same_form_sent_twice_records_once(client, surgeon, hip):
    sign_in(client, surgeon)
    with at_time(SEEN_ON, 15):
        page = client.get(url(hip)).content.decode()
        key = page.split('name="submission_key" value="')[1].split('"')[0]
        for _ in range(2):
            client.post(url(hip), form(submission_key=key))
    assert FollowUpReview.objects.count() == 1


def test_a_physiotherapist_gets_the_function_form_only(client, physio, hip):
    sign_in(client, physio)
    with at_time(SEEN_ON, 15):
        page = client.get(url(hip)).content.decode()
        assert "X-ray findings and the plan are recorded by a surgeon or a nurse" in page
        assert "finding_head-collapse" not in page
        assert 'name="plan"' not in page
        answer = client.post(url(hip), {"seen_on": SEEN_ON.isoformat(), "pain": "2"})
        assert answer.status_code == 302
        # A tampered post with a finding is ignored by the form: the physio's form has none.
        client.post(url(hip), form())
    assert [r.findings["head-collapse"]["result"] for r in FollowUpReview.objects.all()] == [
        "not-assessed", "not-assessed"]  # fmt: skip


@pytest.mark.parametrize("role", ["anaesthetist", "admin"])
def test_other_clinical_staff_read_without_a_form(request, client, surgeon, hip, role):
    sign_in(client, request.getfixturevalue(role))
    page = client.get(url(hip))
    assert page.status_code == 200
    assert "Record a review" not in page.content.decode()
    assert client.post(url(hip), form()).status_code == 403


@pytest.mark.parametrize("role", ["analyst", "ada_user"])
def test_analysts_and_patients_may_not_open_it(request, client, hip, role):
    sign_in(client, request.getfixturevalue(role))
    assert client.get(url(hip)).status_code == 403


def test_a_review_is_struck_out_on_the_page(client, surgeon, hip):
    sign_in(client, surgeon)
    with at_time(SEEN_ON, 15):
        client.post(url(hip), form())
        review = FollowUpReview.objects.get()
        strike = f"{url(hip)}{review.public_id}/strike-out/"
        blank = client.post(strike, {"reason": ""})
        assert blank.status_code == 400
        done = client.post(strike, {"reason": "wrong patient"}, follow=True)
    page = done.content.decode()
    assert "Review struck out." in page
    assert "wrong patient" in page
    review.refresh_from_db()
    assert review.struck_out


def test_the_episode_page_links_to_the_reviews(client, surgeon, hip):
    sign_in(client, surgeon)
    page = client.get(f"/staff/episodes/{hip.public_id}/").content.decode()
    assert url(hip) in page
