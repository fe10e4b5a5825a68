"""Clinic entries made once: forms sent twice, API retries, and corrections at one moment."""

import re

import pytest

from coxa.assessment.domain.entries import Kind
from coxa.assessment.models import Observation
from coxa.assessment.services import entries
from coxa.core import clock
from coxa.core.audit import Via
from coxa.core.errors import Conflict, NotFound
from tests.concurrency import clients_like, postgres_only, together

BMI = {"code": "bmi", "value": 31, "unit": "kg/m2"}


def observed(**overrides):
    return BMI | {"observed_on": str(clock.today())} | overrides


def record_bmi(episode, nurse, value=31):
    return entries.record_entry(
        kind=Kind.OBSERVATION,
        episode=episode,
        payload=observed(value=value),
        by=nurse,
        via=Via.WEB,
    )


def correct_bmi(episode, nurse, wrong, value=34):
    return entries.record_entry(
        kind=Kind.OBSERVATION,
        episode=episode,
        payload=observed(value=value),
        by=nurse,
        via=Via.WEB,
        corrects=str(wrong.public_id),
        reason="Weight typed in pounds",
    )


# ------------------------------------------------------------------ the service
@pytest.mark.django_db
def test_an_entry_already_corrected_is_refused_with_409_not_corrected_again(listed, nurse):
    wrong = record_bmi(listed, nurse)
    correct_bmi(listed, nurse, wrong)
    with pytest.raises(Conflict) as refused:
        correct_bmi(listed, nurse, wrong, value=35)
    assert refused.value.code == "entry-already-corrected"
    assert "reload" in refused.value.message
    assert Observation.objects.filter(supersedes=wrong).count() == 1


@pytest.mark.django_db
def test_an_entry_that_does_not_exist_is_not_found(listed, nurse):
    wrong = record_bmi(listed, nurse)
    wrong.public_id = "00000000-0000-0000-0000-000000000000"
    with pytest.raises(NotFound):
        correct_bmi(listed, nurse, wrong)


# ------------------------------------------------------------------ the pages
@pytest.mark.django_db
def test_every_record_form_carries_a_one_time_key(web_as, nurse, listed):
    page = web_as(nurse).get(f"/staff/episodes/{listed.public_id}/clinic/").content.decode()
    record = re.compile(r'action="/staff/episodes/[^"/]+/clinic/([a-z-]+)/(?:#[a-z-]+)?"')
    forms = {
        found.group(1): chunk
        for chunk in page.split("<form")[1:]
        if (found := record.search(chunk)) is not None
    }
    kinds = {k for k in forms if k not in ("operation-date", "acknowledge-cautions")}
    assert {"observation", "medication", "allergy"} <= kinds
    assert all('name="submission_key"' in forms[k].split("</form>")[0] for k in kinds)


@pytest.mark.django_db
def test_a_record_form_sent_twice_records_once(web_as, nurse, listed):
    client = web_as(nurse)
    url = f"/staff/episodes/{listed.public_id}/clinic/observation/"
    data = observed() | {"submission_key": "one-bmi-form"}
    first, second = client.post(url, data), client.post(url, data, follow=True)
    assert first.status_code == 302
    assert second.redirect_chain[0][0] == first.url
    assert "already been sent" in second.content.decode()
    assert Observation.objects.count() == 1


@pytest.mark.django_db
def test_a_correction_form_sent_twice_corrects_once(web_as, nurse, listed):
    wrong = record_bmi(listed, nurse)
    client = web_as(nurse)
    url = f"/staff/episodes/{listed.public_id}/clinic/observation/{wrong.public_id}/correct/"
    data = observed(value=34) | {"reason": "Weight typed in pounds", "submission_key": "k-1"}
    first, second = client.post(url, data), client.post(url, data, follow=True)
    assert first.status_code == 302
    assert "already" in second.content.decode()
    assert Observation.objects.filter(supersedes=wrong).count() == 1
    assert Observation.objects.count() == 2


@pytest.mark.django_db
def test_the_correct_page_of_a_corrected_entry_says_so(web_as, nurse, listed):
    wrong = record_bmi(listed, nurse)
    correct_bmi(listed, nurse, wrong)
    url = f"/staff/episodes/{listed.public_id}/clinic/observation/{wrong.public_id}/correct/"
    response = web_as(nurse).get(url, follow=True)
    assert response.redirect_chain[-1][0] == f"/staff/episodes/{listed.public_id}/clinic/"
    assert "already been corrected" in response.content.decode()


# ------------------------------------------------------------------ the API
@pytest.mark.django_db
def test_an_api_entry_retried_with_its_key_is_recorded_once(api_as, nurse, listed):
    client = api_as(nurse)
    url = f"/api/v1/episodes/{listed.public_id}/observations"
    sent = [
        client.post(
            url, observed(), content_type="application/json", headers={"Idempotency-Key": "b1"}
        )
        for _ in range(2)
    ]
    assert [r.status_code for r in sent] == [201, 201]
    assert sent[0].json() == sent[1].json()
    other = client.post(
        url, observed(value=40), content_type="application/json", headers={"Idempotency-Key": "b1"}
    )
    assert other.status_code == 409
    assert Observation.objects.count() == 1


# ------------------------------------------------------------------ at the same moment
@postgres_only
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("count", [20, 80])
def test_corrections_at_one_moment_leave_one_and_refuse_the_rest(api_as, nurse, listed, count):
    wrong = record_bmi(listed, nurse)
    url = f"/api/v1/episodes/{listed.public_id}/observations/{wrong.public_id}/corrections"
    clients = clients_like(api_as(nurse), count)
    answers = together(
        count,
        lambda i: clients[i].post(
            url,
            observed(value=32 + i % 10) | {"reason": f"Re-weighed on the ward scale {i}"},
            content_type="application/json",
        ),
    )
    statuses = sorted(a.status_code for a in answers)
    assert statuses == [201] + [409] * (count - 1)
    refusals = {a.json()["code"] for a in answers if a.status_code == 409}
    assert refusals == {"entry-already-corrected"}
    assert Observation.objects.filter(supersedes=wrong).count() == 1
    assert Observation.objects.filter(is_current=True).count() == 1
    assert Observation.objects.count() == 2
