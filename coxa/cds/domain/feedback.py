"""Feedback an EHR sends on Coxa's cards (CDS Hooks 2.0 "Feedback"), read and checked.

``{"feedback": [{"card", "outcome", "outcomeTimestamp", "overrideReason"?,
"acceptedSuggestions"?}]}``. Every problem is named by its field (``feedback.0.card``) and
the whole request is refused on any one: nothing is half-kept. Whether Coxa issued the card,
to this caller, is the service's check (it needs the records).
"""

import datetime as dt
import uuid
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from coxa.core.errors import ErrorCode, InvalidInput, Problem
from coxa.core.text import REASON_MAX, text_problem

MAX_ITEMS = 50  # one request: an EHR reports a few cards at a time
CODE_MAX = 200  # a coding's system, code or display
CLOCK_SKEW = dt.timedelta(minutes=5)  # an outcome later than now by more is implausible


class Outcome(StrEnum):
    ACCEPTED = "accepted"
    OVERRIDDEN = "overridden"


@dataclass(frozen=True)
class Reason:
    """The override reason the clinician chose (Coxa's, or one the EHR added) and a comment."""

    system: str = ""
    code: str = ""
    display: str = ""
    comment: str = ""


@dataclass(frozen=True)
class Feedback:
    card: uuid.UUID
    outcome: Outcome
    at: dt.datetime
    reason: Reason | None
    accepted_suggestions: tuple[str, ...]


def _text(value: Any, field: str, problems: list[Problem], limit: int = CODE_MAX) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        problems.append(Problem(ErrorCode.INVALID_VALUE, f"{field} must be text", field))
        return ""
    problem = text_problem(value, field=field, max_length=limit, label=field)
    if problem is not None:
        problems.append(problem)
    return value


def _reason(value: Any, field: str, problems: list[Problem]) -> Reason | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        problems.append(Problem(ErrorCode.INVALID_VALUE, f"{field} must be an object", field))
        return None
    coding = value.get("reason")
    if coding is not None and not isinstance(coding, dict):
        problems.append(Problem(ErrorCode.INVALID_VALUE, f"{field}.reason must be a Coding", field))
        coding = None
    coding = coding or {}
    reason = Reason(
        system=_text(coding.get("system"), f"{field}.reason.system", problems),
        code=_text(coding.get("code"), f"{field}.reason.code", problems),
        display=_text(coding.get("display"), f"{field}.reason.display", problems),
        comment=_text(value.get("userComment"), f"{field}.userComment", problems, REASON_MAX),
    )
    if bool(reason.system) != bool(reason.code):
        message = f"{field}.reason needs both its system and its code"
        problems.append(Problem(ErrorCode.REQUIRED, message, f"{field}.reason"))
    return reason


def _moment(value: Any, field: str, now: dt.datetime, problems: list[Problem]) -> dt.datetime:
    try:
        at = dt.datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        at = None
    if at is None or at.tzinfo is None:
        message = f"{field} must be a date and time with its offset (2026-12-11T10:05:31Z)"
        problems.append(Problem(ErrorCode.INVALID_VALUE, message, field))
        return now
    if at > now + CLOCK_SKEW:
        problems.append(Problem(ErrorCode.INVALID_VALUE, f"{field} is in the future", field))
    return at


def _suggestions(value: Any, field: str, problems: list[Problem]) -> tuple[str, ...]:
    items = value if isinstance(value, list) else None
    if items is None or not all(
        isinstance(i, dict) and isinstance(i.get("id"), str) for i in items
    ):
        message = f"{field} must be a list of {{'id': ...}} (required when accepted)"
        problems.append(Problem(ErrorCode.INVALID_VALUE, message, field))
        return ()
    return tuple(i["id"] for i in items)


def _item(value: Any, field: str, now: dt.datetime, problems: list[Problem]) -> Feedback | None:
    if not isinstance(value, dict):
        problems.append(Problem(ErrorCode.INVALID_VALUE, f"{field} must be an object", field))
        return None
    try:
        card = uuid.UUID(str(value.get("card")))
    except ValueError:
        message = f"{field}.card must be the uuid of a card Coxa returned"
        problems.append(Problem(ErrorCode.INVALID_VALUE, message, f"{field}.card"))
        card = uuid.UUID(int=0)
    outcome = value.get("outcome")
    if outcome not in tuple(Outcome):
        message = f"{field}.outcome must be accepted or overridden"
        problems.append(Problem(ErrorCode.INVALID_VALUE, message, f"{field}.outcome"))
        return None
    accepted = outcome == Outcome.ACCEPTED
    reason = _reason(value.get("overrideReason"), f"{field}.overrideReason", problems)
    if accepted and reason is not None:
        message = f"{field}.overrideReason is for an overridden card, not an accepted one"
        problems.append(Problem(ErrorCode.INVALID_VALUE, message, f"{field}.overrideReason"))
    suggestions = value.get("acceptedSuggestions")
    return Feedback(
        card=card,
        outcome=Outcome(outcome),
        at=_moment(value.get("outcomeTimestamp"), f"{field}.outcomeTimestamp", now, problems),
        reason=reason,
        accepted_suggestions=(
            _suggestions(suggestions, f"{field}.acceptedSuggestions", problems) if accepted else ()
        ),
    )


def parse_feedback(body: Any, *, now: dt.datetime) -> list[Feedback]:
    """Read a feedback request, or raise InvalidInput naming every problem's field."""
    items = body.get("feedback") if isinstance(body, dict) else None
    if not isinstance(items, list) or not items:
        message = "feedback must be a list of at least one card's feedback"
        raise InvalidInput(ErrorCode.REQUIRED, message, "feedback")
    if len(items) > MAX_ITEMS:
        message = f"feedback takes at most {MAX_ITEMS} items a request"
        raise InvalidInput(ErrorCode.INVALID_VALUE, message, "feedback")
    problems: list[Problem] = []
    read = [_item(item, f"feedback.{i}", now, problems) for i, item in enumerate(items)]
    if problems:
        raise InvalidInput.of(problems)
    return [item for item in read if item is not None]
