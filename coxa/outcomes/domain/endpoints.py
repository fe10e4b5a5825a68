"""How a hip's episode ends: conversion or revision (the event), and death (the competing risk).

Pure. ADR 0013: an episode ends in one of four ways, each owned by the step that records it.
This module decides what a conversion or a death may say; the services store it.

What a conversion or a revision is (issue 14, DESIGN J11):
- a **conversion** is a hip-preserving operation that failed and became a replacement: a core
  decompression that did not prevent collapse, a resurfacing converted to a hip replacement.
  The new procedure is the catalogue's ``converts_to`` of the index procedure;
- a **revision** of a hip replacement (a procedure with no ``converts_to``) is any further
  operation on the implant; it is recorded against the same procedure (a hip replacement
  revised is followed as a hip replacement). For the analytics both are the index hip's event.
"""

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from coxa.core.errors import Conflict, ErrorCode, Problem
from coxa.core.text import meaningful
from coxa.pathways.domain import CONVERTIBLE, EpisodeState

S = EpisodeState

# After the operation and not yet ended: the hips a conversion may be recorded for
# (operated, recovering, follow-up, discharged from follow-up; ADR 0013 keeps completed →
# converted for a late failure found elsewhere).
CONVERTIBLE_STATES = CONVERTIBLE


class RelatedToHip(StrEnum):
    """Whether a death was related to the hip (its operation or a complication of it)."""

    YES = "yes"
    NO = "no"
    UNKNOWN = "unknown"

    @property
    def label(self) -> str:
        return {"yes": "Related to the hip", "no": "Not related to the hip"}.get(
            self.value, "Not known whether related to the hip"
        )


def conversion_targets(code: str, converts_to: str | None) -> tuple[str, ...]:
    """The procedures a hip operated with ``code`` may become (see the module's docstring)."""
    return (converts_to,) if converts_to else (code,)


def conversion_state_problem(state: EpisodeState) -> Conflict | None:
    """Why a conversion cannot be recorded for a hip in this state (None: it can)."""
    if state in CONVERTIBLE_STATES:
        return None
    if state in {S.CONVERTED, S.DIED, S.WITHDRAWN}:
        return Conflict(
            ErrorCode.EPISODE_ENDED,
            f"this episode has ended ({state.label.lower()}): a conversion is recorded on the "
            "hip's open episode",
            "episode",
        )
    return Conflict(
        ErrorCode.NOT_OPERATED,
        f"a conversion is recorded only after the operation; this hip is {state.label.lower()}",
        "episode",
    )


def conversion_problems(
    *,
    on: dt.date | None,
    operated_on: dt.date | None,
    today: dt.date,
    reason: str,
    reasons: Mapping[str, bool],
    note: str,
    procedure: str,
    targets: tuple[str, ...],
    died_on: dt.date | None = None,
) -> list[Problem]:
    """What is wrong with a conversion's date, reason and new procedure, each on its field.

    ``reasons`` maps each coded reason to whether it needs words in the note ("other").
    A hip discharged from follow-up before the patient died may still be recorded as
    converted up to the day of death (``died_on``), never after.
    """
    problems = []
    if on is None:
        problems.append(Problem(ErrorCode.REQUIRED, "give the day of the conversion", "on"))
    elif on > today:
        problems.append(
            Problem(ErrorCode.DATE_IN_FUTURE, "the conversion day cannot be in the future", "on")
        )
    elif operated_on is not None and on < operated_on:
        problems.append(
            Problem(
                ErrorCode.BEFORE_OPERATION,
                f"the conversion day cannot be before the operation ({operated_on:%-d %b %Y})",
                "on",
            )
        )
    elif died_on is not None and on > died_on:
        problems.append(
            Problem(
                ErrorCode.PATIENT_DECEASED,
                f"the conversion day is after the patient's death ({died_on:%-d %b %Y})",
                "on",
            )
        )
    if not reason:
        problems.append(Problem(ErrorCode.REQUIRED, "choose the reason", "reason"))
    elif reason not in reasons:
        problems.append(
            Problem(
                ErrorCode.UNKNOWN_REASON,
                f"reason must be one of: {', '.join(reasons)}",
                "reason",
            )
        )
    elif reasons[reason] and not meaningful(note):
        problems.append(
            Problem(ErrorCode.REASON_REQUIRED, "say in the note what the reason was", "note")
        )
    if not procedure:
        problems.append(Problem(ErrorCode.REQUIRED, "choose the new procedure", "procedure"))
    elif procedure not in targets:
        problems.append(
            Problem(
                ErrorCode.CONVERSION_PROCEDURE,
                f"this hip can become: {', '.join(targets)}",
                "procedure",
            )
        )
    return problems


def death_problems(
    *,
    on: dt.date | None,
    born: dt.date,
    today: dt.date,
    related_to_hip: str,
    last_event: dt.date | None,
) -> list[Problem]:
    """What is wrong with a death's date and relation to the hip, each on its field.

    The date follows the patients' rules (not in the future, not before birth), and cannot be
    before an operation or a conversion already recorded (``last_event``): a dead patient is
    not operated on. Whether the death was related to the hip is required, never assumed.
    """
    problems = []
    if on is None:
        problems.append(Problem(ErrorCode.REQUIRED, "give the date of death", "on"))
    elif on > today:
        problems.append(
            Problem(ErrorCode.DATE_IN_FUTURE, "date of death cannot be in the future", "on")
        )
    elif on < born:
        problems.append(
            Problem(ErrorCode.BEFORE_BIRTH, "date of death is before date of birth", "on")
        )
    elif last_event is not None and on < last_event:
        problems.append(
            Problem(
                ErrorCode.DEATH_BEFORE_EVENT,
                f"date of death is before an operation or conversion recorded on "
                f"{last_event:%-d %b %Y}",
                "on",
            )
        )
    if not related_to_hip:
        problems.append(
            Problem(
                ErrorCode.REQUIRED,
                "say whether the death was related to the hip (yes, no or unknown)",
                "related_to_hip",
            )
        )
    elif related_to_hip not in {r.value for r in RelatedToHip}:
        problems.append(
            Problem(
                ErrorCode.INVALID_VALUE,
                "related_to_hip must be yes, no or unknown",
                "related_to_hip",
            )
        )
    return problems


@dataclass(frozen=True, slots=True)
class Ends:
    """Where a hip's record stops: its conversion or revision day, the patient's death."""

    converted_on: dt.date | None = None  # outcomes.models.Conversion.on of this episode
    died_on: dt.date | None = None  # the earlier of Death.on and the patient's date of death


def after_end(day: dt.date, field: str, ends: Ends) -> Problem | None:
    """Why nothing dated ``day`` may be recorded on this hip's episode (None: it may).

    A questionnaire, complication or review dated after the hip's conversion day belongs to
    the new episode (the replacement), never to the failed index operation whose figures it
    would otherwise enter; one dated after the patient's death cannot have happened. A
    record dated on or before the end is a late entry and stays allowed. When the day is
    after both, the earlier end is named. (Hazards H60 and H63; ADR 0013.)
    """
    found = []
    if ends.converted_on is not None and day > ends.converted_on:
        found.append(
            (
                ends.converted_on,
                Problem(
                    ErrorCode.AFTER_CONVERSION,
                    f"the day is after this hip's conversion or revision "
                    f"({ends.converted_on:%-d %b %Y}): record it on the new episode",
                    field,
                ),
            )
        )
    if ends.died_on is not None and day > ends.died_on:
        found.append(
            (
                ends.died_on,
                Problem(
                    ErrorCode.AFTER_DEATH,
                    f"the day is after the patient's recorded death ({ends.died_on:%-d %b %Y})",
                    field,
                ),
            )
        )
    return min(found, key=lambda pair: pair[0])[1] if found else None
