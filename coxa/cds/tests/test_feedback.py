"""Feedback on Coxa's cards (CDS Hooks 2.0): kept and audited for cards Coxa issued to the
caller; any other card refused with the field named, and nothing of the request kept (H96)."""

import datetime as dt
import uuid

import pytest

from coxa.cds.domain.cards import OVERRIDE_REASON_SYSTEM
from coxa.cds.domain.feedback import Outcome, parse_feedback
from coxa.cds.models import CardFeedback
from coxa.cds.tests.conftest import SERVICE
from coxa.cds.tests.test_cds_hooks import REQUEST
from coxa.core.errors import InvalidInput
from coxa.core.models import AuditEvent

pytestmark = pytest.mark.django_db

FEEDBACK = f"{SERVICE}/feedback"
NOW = dt.datetime.now(dt.UTC).replace(microsecond=0)
SENT = NOW - dt.timedelta(hours=1)  # when the clinician overrode the card


def _overridden(card, code="clinical-judgement", **more):
    return {
        "card": card,
        "outcome": "overridden",
        "overrideReason": {
            "reason": {"system": OVERRIDE_REASON_SYSTEM, "code": code},
            "userComment": "Discussed in clinic; proceeding with a cemented stem instead.",
        },
        "outcomeTimestamp": SENT.isoformat().replace("+00:00", "Z"),
    } | more


@pytest.fixture
def issued(cds_as, surgeon):
    return [c["uuid"] for c in cds_as(surgeon)(REQUEST).json()["cards"]]


def test_feedback_on_an_issued_card_is_kept_and_audited(cds_as, surgeon, issued):
    accepted = {"card": issued[1], "outcome": "accepted", "acceptedSuggestions": []}
    accepted["outcomeTimestamp"] = SENT.isoformat()
    response = cds_as(surgeon)({"feedback": [_overridden(issued[0]), accepted]}, FEEDBACK)
    assert response.status_code == 200, response.content
    overridden = CardFeedback.objects.get(card__public_id=issued[0])
    assert overridden.outcome == Outcome.OVERRIDDEN
    assert (overridden.reason_system, overridden.reason_code) == (
        OVERRIDE_REASON_SYSTEM,
        "clinical-judgement",
    )
    assert overridden.comment.startswith("Discussed in clinic")
    assert overridden.outcome_at == SENT
    assert overridden.sent_by == surgeon
    assert CardFeedback.objects.get(card__public_id=issued[1]).outcome == Outcome.ACCEPTED
    events = AuditEvent.objects.filter(action="cds.feedback", actor=surgeon)
    assert {e.object_id for e in events} == set(issued)


def test_h96_feedback_on_a_card_coxa_did_not_issue_is_refused_and_nothing_is_kept(
    cds_as, surgeon, issued
):
    unknown = str(uuid.uuid4())
    response = cds_as(surgeon)(
        {"feedback": [_overridden(issued[0]), _overridden(unknown)]}, FEEDBACK
    )
    assert response.status_code == 400
    (issue,) = response.json()["issue"]
    assert issue["expression"] == ["feedback.1.card"]
    assert f"Coxa issued no card {unknown} to this caller" in issue["diagnostics"]
    assert not CardFeedback.objects.exists()  # not even the one on a card Coxa issued
    assert not AuditEvent.objects.filter(action="cds.feedback").exists()


def test_h96_feedback_on_a_card_issued_to_another_caller_is_refused_as_unknown(
    cds_as, nurse, issued
):
    response = cds_as(nurse)({"feedback": [_overridden(issued[0])]}, FEEDBACK)
    assert response.status_code == 400
    assert "Coxa issued no card" in response.json()["issue"][0]["diagnostics"]
    assert not CardFeedback.objects.exists()


def test_accepting_a_suggestion_coxa_never_made_is_refused(cds_as, surgeon, issued):
    item = {
        "card": issued[0],
        "outcome": "accepted",
        "acceptedSuggestions": [{"id": str(uuid.uuid4())}],
        "outcomeTimestamp": SENT.isoformat(),
    }
    response = cds_as(surgeon)({"feedback": [item]}, FEEDBACK)
    assert response.status_code == 400
    assert response.json()["issue"][0]["expression"] == ["feedback.0.acceptedSuggestions"]


@pytest.mark.parametrize(
    ("item", "field"),
    [
        ({"outcome": "ignored"}, "feedback.0.outcome"),
        ({"outcomeTimestamp": "2026-11-30T10:05:31"}, "feedback.0.outcomeTimestamp"),  # no zone
        ({"outcomeTimestamp": "2999-01-01T09:00:00Z"}, "feedback.0.outcomeTimestamp"),  # future
        ({"outcomeTimestamp": None}, "feedback.0.outcomeTimestamp"),
        ({"card": "card-1"}, "feedback.0.card"),
        (
            {"overrideReason": {"reason": {"code": "clinical-judgement"}}},
            "feedback.0.overrideReason.reason",
        ),  # a code without its system
        (
            {"overrideReason": {"userComment": "a\x00b"}},
            "feedback.0.overrideReason.userComment",
        ),
        ({"overrideReason": {"userComment": "x" * 2001}}, "feedback.0.overrideReason.userComment"),
        (
            {"outcome": "accepted", "acceptedSuggestions": []},
            "feedback.0.overrideReason",
        ),  # a reason for an accepted card
        (
            {"outcome": "accepted", "overrideReason": None},
            "feedback.0.acceptedSuggestions",
        ),  # required when accepted
    ],
)
def test_malformed_feedback_names_its_field(item, field):
    with pytest.raises(InvalidInput) as refused:
        parse_feedback({"feedback": [_overridden(str(uuid.uuid4())) | item]}, now=NOW)
    assert field in [p.field for p in refused.value.problems]


@pytest.mark.parametrize("body", [{}, {"feedback": []}, {"feedback": {}}, [], None])
def test_a_request_without_feedback_is_refused(body):
    with pytest.raises(InvalidInput) as refused:
        parse_feedback(body, now=NOW)
    assert refused.value.field == "feedback"


def test_too_many_items_are_refused():
    items = [_overridden(str(uuid.uuid4())) for _ in range(51)]
    with pytest.raises(InvalidInput, match="at most 50"):
        parse_feedback({"feedback": items}, now=NOW)


def test_an_override_without_a_reason_or_with_the_ehrs_own_is_read():
    own = {"reason": {"system": "https://ehr.example.org/reasons", "code": "R1", "display": "x"}}
    read = parse_feedback(
        {
            "feedback": [
                _overridden(str(uuid.uuid4())) | {"overrideReason": None},
                _overridden(str(uuid.uuid4())) | {"overrideReason": own},
            ]
        },
        now=NOW,
    )
    assert read[0].reason is None
    assert read[1].reason is not None
    assert (read[1].reason.system, read[1].reason.code) == ("https://ehr.example.org/reasons", "R1")
