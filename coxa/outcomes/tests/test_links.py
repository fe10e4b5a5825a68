"""One-time questionnaire links (H64): issued by a clinician, random and stored hashed, shown
once, emailed when we can; used once, until they expire; the public page names no one."""

import datetime as dt
import re

import pytest
from django.core import mail
from django.test import Client

from coxa.core import clock
from coxa.core.models import AuditEvent
from coxa.outcomes.models import QuestionnaireLink, QuestionnaireResponse
from coxa.outcomes.services import schedule as follow_up
from coxa.outcomes.services.links import token_hash
from tests.journeys import list_episode

pytestmark = pytest.mark.django_db
HOOS = ("pain-stairs", "pain-uneven-ground", "rising-from-sitting", "bending-to-floor",
        "lying-in-bed", "sitting")  # fmt: skip


@pytest.fixture
def hip(bert, surgeon):
    return list_episode(bert, surgeon)


def issue(client, hip, instruments=("hoos-jr", "pain-nrs"), point="6-weeks"):
    return client.post(
        f"/staff/episodes/{hip.public_id}/questionnaires/links/",
        {"instruments": list(instruments), "schedule_point": point},  # the point is ignored
    )


def issued_url(response):
    match = re.search(r'data-testid="link-url">([^<]+)<', response.content.decode())
    assert match is not None, response.content.decode()[:2000]
    return match.group(1).replace("http://testserver", "")


def answers(pain=3, hoos=1):
    data = {f"hoos-jr-{item}": hoos for item in HOOS}
    data["pain-nrs-pain"] = pain
    return data


@pytest.mark.parametrize("role", ["surgeon", "nurse", "anaesthetist", "physio"])
def test_a_clinician_issues_a_link_shown_once_and_stored_only_as_a_hash(request, web_as, hip, role):
    user = request.getfixturevalue(role)
    follow_up.refresh(hip)  # enrolled: its baseline is due
    response = issue(web_as(user), hip)
    assert response.status_code == 200
    url = issued_url(response)
    token = url.rstrip("/").rsplit("/", 1)[1]
    assert len(token) >= 43  # 32 random bytes
    link = QuestionnaireLink.objects.get()
    assert link.token_hash == token_hash(token)
    assert token not in link.token_hash
    # The link names the point the programme has next (no point is typed on the form).
    assert (link.issued_by, link.instruments, link.schedule_point) == (
        user, ["hoos-jr", "pain-nrs"], "baseline")  # fmt: skip
    assert link.expires_at - link.issued_at == dt.timedelta(days=14)
    assert token not in str(
        AuditEvent.objects.filter(action="questionnaire-link.issue").get().details
    )
    # The staff page afterwards lists the link without its address.
    again = web_as(user).get(f"/staff/episodes/{hip.public_id}/questionnaires/").content.decode()
    assert "(for the questionnaires before the operation)" in again
    assert token not in again


@pytest.mark.parametrize("role", ["admin", "analyst", "ada_user"])
def test_other_roles_may_not_issue_a_link(request, web_as, hip, role):
    assert issue(web_as(request.getfixturevalue(role)), hip).status_code == 403
    assert not QuestionnaireLink.objects.exists()


def test_the_link_is_emailed_when_the_patient_has_an_email(web_as, nurse, hip):
    hip.patient.email = "bert@example.org"
    hip.patient.save()
    url = issued_url(issue(web_as(nurse), hip))
    assert len(mail.outbox) == 1
    sent = mail.outbox[0]
    assert sent.to == ["bert@example.org"]
    assert url in sent.body
    assert hip.patient.nhs_number not in sent.body
    assert "Okafor" not in sent.body


def test_no_email_no_mail_and_the_clinician_is_told_to_give_it_by_hand(web_as, nurse, hip):
    response = issue(web_as(nurse), hip)
    assert mail.outbox == []
    assert "give them this link by hand" in response.content.decode()


def test_a_link_needs_a_questionnaire_and_refuses_a_licensed_one_not_loaded(web_as, nurse, hip):
    none = issue(web_as(nurse), hip, instruments=())
    assert none.status_code == 400
    assert "choose at least one questionnaire" in none.content.decode()
    licensed = issue(web_as(nurse), hip, instruments=("oxford-hip",))
    assert licensed.status_code == 400  # not offered until its wording is loaded
    assert not QuestionnaireLink.objects.exists()


def test_the_patient_answers_once_without_an_account(web_as, nurse, hip):
    url = issued_url(issue(web_as(nurse), hip))
    patient = Client()
    page = patient.get(url)
    html = page.content.decode()
    assert page.status_code == 200
    assert "left hip" in html
    for secret in (hip.patient.nhs_number, hip.patient.family_name, hip.patient.given_name,
                   hip.patient.hospital_number):  # fmt: skip
        assert secret
        assert secret not in html
    done = patient.post(url, answers())
    assert done.status_code == 200
    assert "Thank you" in done.content.decode()
    stored = QuestionnaireResponse.objects.order_by("instrument")
    assert [r.instrument for r in stored] == ["hoos-jr", "pain-nrs"]
    for r in stored:
        assert r.episode == hip
        assert r.recorded_by is None
        assert r.entered_by_patient
        assert r.link == QuestionnaireLink.objects.get()
        assert r.completed_on == clock.today()
    assert stored[0].raw == 6
    assert stored[1].raw == 3
    event = AuditEvent.objects.filter(action="questionnaire.record-by-link").get()
    assert event.via == "link"
    assert event.patient_id == hip.patient.public_id
    assert event.details["issued_by"] == nurse.username
    # Twice: refused with a page that names no one, and nothing more is stored.
    again = patient.post(url, answers())
    assert again.status_code == 404
    assert "has been used, has expired, or was not copied in full" in again.content.decode()
    assert patient.get(url).status_code == 404
    assert QuestionnaireResponse.objects.count() == 2


def test_bad_answers_are_shown_beside_the_item_and_the_link_stays_usable(web_as, nurse, hip):
    url = issued_url(issue(web_as(nurse), hip))
    data = answers()
    data["pain-nrs-pain"] = 11
    del data["hoos-jr-sitting"]
    response = Client().post(url, data)
    html = response.content.decode()
    assert response.status_code == 400
    assert 'id="id_pain-nrs-pain_error"' in html  # beside the pain item
    assert 'id="id_hoos-jr-sitting_error"' in html
    assert "This field is required" in html
    assert not QuestionnaireResponse.objects.exists()
    assert QuestionnaireLink.objects.get().used_at is None
    assert Client().post(url, answers()).status_code == 200


def test_the_link_works_until_the_moment_it_expires(web_as, nurse, hip):
    url = issued_url(issue(web_as(nurse), hip))
    link = QuestionnaireLink.objects.get()
    with clock.replaying(link.expires_at):
        expired = Client().get(url)
        assert expired.status_code == 404
        assert "expired" in expired.content.decode()
        assert Client().post(url, answers()).status_code == 404
    with clock.replaying(link.expires_at - dt.timedelta(seconds=1)):
        assert Client().get(url).status_code == 200
        assert Client().post(url, answers()).status_code == 200
    assert QuestionnaireResponse.objects.count() == 2


@pytest.mark.parametrize("token", ["not-a-real-token", "x" * 43])
def test_an_unknown_link_is_refused_and_names_no_one(web_as, nurse, hip, token):
    issue(web_as(nurse), hip)
    response = Client().get(f"/questionnaire/{token}/")
    assert response.status_code == 404
    assert "has been used, has expired, or was not copied in full" in response.content.decode()
    assert Client().post(f"/questionnaire/{token}/", answers()).status_code == 404
    assert not QuestionnaireResponse.objects.exists()


def test_a_link_holding_a_nul_is_refused_before_anything_reads_it(web_as, nurse, hip):
    issue(web_as(nurse), hip)
    response = Client().get("/questionnaire/%00/")
    assert response.status_code == 400  # a NUL in any path: config.errors.ErrorShapes
    assert Client().post("/questionnaire/%00/", answers()).status_code == 400
    assert not QuestionnaireResponse.objects.exists()


def test_a_link_records_against_its_own_hip_only(web_as, nurse, surgeon, hip, ada):
    other = list_episode(ada, surgeon, side="right")
    url = issued_url(issue(web_as(nurse), hip))
    assert Client().post(url, answers()).status_code == 200
    assert not QuestionnaireResponse.objects.filter(episode=other).exists()
    assert QuestionnaireResponse.objects.filter(episode=hip).count() == 2
    # Another hip's link is another token: the first cannot reach it.
    other_url = issued_url(issue(web_as(nurse), other, instruments=("pain-nrs",)))
    assert other_url != url
    assert Client().post(url, answers()).status_code == 404


def test_used_expired_and_unknown_links_look_alike(web_as, nurse, hip):
    """Whoever holds an old link must not learn whether the patient answered (H64)."""
    used = issued_url(issue(web_as(nurse), hip))
    assert Client().post(used, answers()).status_code == 200
    expired = issued_url(issue(web_as(nurse), hip))
    link = QuestionnaireLink.objects.order_by("-issued_at", "-id").first()
    with clock.replaying(link.expires_at):
        bodies = {
            Client().get(url).content.decode()
            for url in (used, expired, "/questionnaire/not-a-real-token/")
        }
    assert len(bodies) == 1
