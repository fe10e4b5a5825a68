"""Lock first, record last: a hip's entries, booking and dates at one moment.

Recording a clinic entry locks the patient's tracked hips to refresh their readiness;
booking, re-dating and moving a hip lock it too; every one of them records in the audit,
whose chain head is one locked row. A transaction that held the head while it waited for a
hip, beside one that held the hip while it waited for the head, was a deadlock: PostgreSQL
aborted one and the API answered 500. Now each service's records are appended when its
work is done (``audit.atomic``, ADR 0011): once a transaction has touched the head it
writes nothing but audit records.
"""

import datetime as dt
import uuid
from collections.abc import Callable
from functools import partial
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from coxa.accounts.services import otp, tokens
from coxa.assessment import selectors
from coxa.assessment.domain.entries import Kind
from coxa.assessment.models import Readiness
from coxa.assessment.services import entries, readiness
from coxa.core import clock
from coxa.core.audit import Via
from coxa.core.audit_verify import verify
from coxa.pathways import services as pathways
from coxa.pathways.models import Episode
from coxa.surgery.services.schedule import schedule
from tests.concurrency import clients_like, postgres_only, together
from tests.journeys import consent_input, list_episode, make_ready, take_consent

ROUNDS = 3
EACH = 6  # requests of each kind per round
SAVEPOINTS = ("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT")


def after_the_head(work: Callable[[], Any]) -> list[str]:
    """The statements ``work`` sends, after it first touches the chain's head, that are not
    the audit's own (the records, the head, savepoints, and the data's version that every
    recorded change moves with them, a row only the audit's append touches)."""
    with CaptureQueriesContext(connection) as captured:
        work()
    sent = [q["sql"] for q in captured.captured_queries]
    touches = [i for i, sql in enumerate(sent) if "core_auditchainhead" in sql]
    assert touches, "the work recorded nothing"
    return [
        sql
        for sql in sent[touches[0] :]
        if "core_audit" not in sql
        and "core_dataversion" not in sql
        and not sql.startswith(SAVEPOINTS)
    ]


def bmi(value: float = 28) -> dict[str, Any]:
    return {"code": "bmi", "value": value, "unit": "kg/m2", "observed_on": clock.today()}


# ------------------------------------------------------------------ the statements, in order
@pytest.mark.django_db
def test_an_entry_locks_both_hips_and_refreshes_them_before_it_records(bert, nurse, surgeon):
    left, right = (
        make_ready(list_episode(bert, surgeon, side=s), surgeon) for s in ("left", "right")
    )

    def work() -> None:
        entries.record_entry(
            kind=Kind.OBSERVATION, episode=left, payload=bmi(), by=nurse, via=Via.WEB
        )

    Readiness.objects.filter(episode=right).update(missing_count=99)
    assert after_the_head(work) == []
    assert Readiness.objects.get(episode=right).missing_count == 0  # refreshed with the left


@pytest.mark.django_db
def test_a_correction_that_moves_the_hip_back_records_last(bert, nurse, surgeon):
    hip = make_ready(list_episode(bert, surgeon), surgeon)
    wrong = selectors.entries(Kind.OBSERVATION, hip).get(code="bmi")

    def work() -> None:
        entries.record_entry(
            kind=Kind.OBSERVATION,
            episode=hip,
            payload=bmi(52),
            by=nurse,
            via=Via.WEB,
            corrects=str(wrong.public_id),
            reason="Weighed again on the ward scale",
        )

    assert after_the_head(work) == []
    assert Episode.objects.get(pk=hip.pk).state != "ready"  # moved back, in the same work


@pytest.mark.django_db
def test_recording_superseding_and_withdrawing_consent_record_last(bert, surgeon, nurse):
    from coxa.surgery.services import consent

    hip = make_ready(list_episode(bert, surgeon), surgeon)
    first = take_consent(hip, surgeon)

    def again() -> Any:
        return consent.record_consent(
            episode=hip, entry=consent_input(hip), by=surgeon, via=Via.WEB
        )

    assert after_the_head(again) == []  # supersedes the first, then records
    live = hip.consents.get(superseded_at__isnull=True)
    assert live.supersedes == first
    assert (
        after_the_head(
            lambda: consent.withdraw_consent(
                episode=hip,
                consent_id=live.public_id,
                reason="Wants to think it over",
                by=nurse,
                via=Via.WEB,
            )
        )
        == []
    )


@pytest.mark.django_db
def test_booking_moving_and_dating_a_hip_record_last(bert, surgeon):
    hip = make_ready(list_episode(bert, surgeon), surgeon)
    take_consent(hip, surgeon)
    day = clock.today() + dt.timedelta(days=14)
    assert (
        after_the_head(
            lambda: schedule(
                episode=hip,
                operation_on=day,
                surgeon=surgeon,
                theatre_list="",
                by=surgeon,
                via=Via.WEB,
            )
        )
        == []
    )
    other = list_episode(bert, surgeon, side="right")
    assert (
        after_the_head(
            lambda: readiness.plan_operation(
                episode=other, operation_on=day, by=surgeon, via=Via.WEB
            )
        )
        == []
    )
    assert (
        after_the_head(
            lambda: pathways.move_episode(
                episode=other,
                to="withdrawn",
                reason="Patient chose to wait",
                by=surgeon,
                via=Via.WEB,
            )
        )
        == []
    )


@pytest.mark.django_db
def test_issuing_a_token_past_the_cap_and_setting_up_a_second_factor_record_last(nurse, settings):
    settings.API_TOKENS_PER_USER = 1
    tokens.create_token(user=nurse)
    assert after_the_head(lambda: tokens.create_token(user=nurse)) == []  # revokes the oldest
    device = otp.start_enrolment(user=nurse)
    assert (
        after_the_head(lambda: otp.confirm_enrolment(user=nurse, code=otp.current_code(device)))
        == []
    )  # revokes the tokens issued without it
    assert not nurse.api_tokens.exists()


# ------------------------------------------------------------------ at one moment (PostgreSQL)
def _observe(client: Client, episode: Episode, value: float) -> int:
    """An observation sent as a careful client does: with an Idempotency-Key."""
    url = f"/api/v1/episodes/{episode.public_id}/observations"
    body = bmi(value) | {"observed_on": str(clock.today())}
    key = {"Idempotency-Key": str(uuid.uuid4())}
    return client.post(url, body, content_type="application/json", headers=key).status_code


def _book(client: Client, episode: Episode, days: int) -> int:
    body = {
        "operation_date": str(clock.today() + dt.timedelta(days=days)),
        "surgeon": "sam",
        "reason": f"Theatre list moved to day {days}",
    }
    url = f"/api/v1/episodes/{episode.public_id}/schedule"
    return client.post(url, body, content_type="application/json").status_code


def _redate(client: Client, episode: Episode, days: int) -> int:
    body = {
        "operation_on": str(clock.today() + dt.timedelta(days=days)),
        "reason": f"Planned for day {days} instead",
    }
    url = f"/api/v1/episodes/{episode.public_id}/operation-date"
    return client.put(url, body, content_type="application/json").status_code


def _move(client: Client, episode: Episode, to: str) -> int:
    body = {"to": to, "reason": f"Reviewed in clinic: {to} again"}
    url = f"/api/v1/episodes/{episode.public_id}/transitions"
    return client.post(url, body, content_type="application/json").status_code


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_entries_while_both_hips_are_booked_and_redated_give_no_500(api_as, bert, nurse, surgeon):
    """A BMI refreshes both of Bert's hips; each hip is booked and re-dated meanwhile."""
    hips = [
        make_ready(list_episode(bert, surgeon, side=side), surgeon) for side in ("left", "right")
    ]
    for hip in hips:
        take_consent(hip, surgeon)
    nurses = clients_like(api_as(nurse), EACH)
    surgeons = clients_like(api_as(surgeon), EACH)

    def work(index: int, round_: int) -> tuple[str, int]:
        turn, slot = divmod(index, 2)
        if slot == 0:
            return "entry", _observe(nurses[turn], hips[turn % 2], 27 + (round_ + turn) % 3)
        return "booking", _book(surgeons[turn], hips[turn % 2], 7 + round_ * EACH + turn)

    answers = [a for r in range(ROUNDS) for a in together(2 * EACH, partial(work, round_=r))]
    assert [a for a in answers if a[1] >= 500] == []
    assert {a for a in answers if a[0] == "entry"} == {("entry", 201)}
    assert {a for a in answers if a[0] == "booking"} == {("booking", 200)}
    assert all(h.state == "scheduled" for h in Episode.objects.filter(patient=bert))
    verdict = verify()
    assert verdict.ok, verdict


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_entries_while_the_hip_is_moved_and_its_date_set_give_no_500(api_as, bert, nurse, surgeon):
    """Entries on a listed hip while surgeons set its date and move it back and forth."""
    hip = list_episode(bert, surgeon)
    nurses = clients_like(api_as(nurse), EACH)
    surgeons = clients_like(api_as(surgeon), EACH)

    def work(index: int, round_: int) -> tuple[str, int]:
        turn, slot = divmod(index, 3)
        if slot == 0:
            return "entry", _observe(nurses[turn % EACH], hip, 27 + turn % 3)
        if slot == 1:
            return "date", _redate(surgeons[turn % EACH], hip, 10 + round_ * EACH + turn)
        return "move", _move(surgeons[turn % EACH], hip, "assessed" if round_ % 2 else "listed")

    answers = [a for r in range(ROUNDS) for a in together(3 * EACH, partial(work, round_=r))]
    assert [a for a in answers if a[1] >= 500] == []
    assert {a for a in answers if a[0] == "entry"} == {("entry", 201)}
    assert {a for a in answers if a[0] == "date"} == {("date", 200)}
    assert ("move", 200) in answers
    verdict = verify()
    assert verdict.ok, verdict
