"""Discharge and physiotherapy records: what they must say to be possible. Pure."""

import datetime as dt
from collections.abc import Collection, Sequence
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from coxa.core.errors import ErrorCode, Problem
from coxa.core.inputs import STORABLE, Day, Moment, Note
from coxa.core.text import meaningful

Text = Note  # at most 4,000 characters, storable
# How much weight on the leg, as staff read it (the plan says it to the patient in its words).
WEIGHT_BEARING_WORDS = {
    "offloaded": "Weight off the leg",
    "partial": "Partial weight",
    "as-advised": "As the physiotherapist advises",
    "full": "Full weight",
}
# Where a patient goes on discharge, as a sentence says it ("Discharged ... to home").
DESTINATION_WORDS = {"home": "home", "rehabilitation-facility": "a rehabilitation facility"}
# A discharge criterion's code (the catalogue's), as a key.
CriterionCode = Annotated[str, Field(max_length=60), STORABLE]


class DischargeIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    out_of_bed_at: Moment  # first time out of bed after the operation, with its UTC offset
    discharged_on: Day
    destination: Literal["home", "rehabilitation-facility"]
    destination_reason: Annotated[str, Field(min_length=1, max_length=4000), STORABLE]
    criteria: Annotated[dict[CriterionCode, bool], Field(max_length=50)]  # each: met or not
    unmet_reason: Text = ""  # why the patient goes although a criterion is not met


def discharge_problems(
    entry: DischargeIn,
    *,
    operated_at: dt.datetime,
    today: dt.date,
    destinations: Sequence[str],
    criteria: Sequence[str],
) -> list[Problem]:
    problems = []
    if not meaningful(entry.destination_reason):
        problems.append(
            Problem(
                ErrorCode.REASON_REQUIRED,
                "say why the patient goes there (pain, how they will cope)",
                "destination_reason",
            )
        )
    if entry.out_of_bed_at < operated_at:
        problems.append(
            Problem(
                ErrorCode.BEFORE_OPERATION, "out of bed before the operation ended", "out_of_bed_at"
            )
        )
    if entry.discharged_on < operated_at.date():
        problems.append(
            Problem(ErrorCode.BEFORE_OPERATION, "discharged before the operation", "discharged_on")
        )
    if entry.discharged_on > today:
        problems.append(
            Problem(
                ErrorCode.DATE_IN_FUTURE,
                "the discharge date cannot be later than today",
                "discharged_on",
            )
        )
    if entry.destination not in destinations:
        problems.append(
            Problem(
                ErrorCode.DESTINATION, f"choose one of {', '.join(destinations)}", "destination"
            )
        )
    missing = [c for c in criteria if c not in entry.criteria]
    unknown = [c for c in entry.criteria if c not in criteria]
    if missing:
        problems.append(
            Problem(
                ErrorCode.CRITERIA, f"say whether each is met: {', '.join(missing)}", "criteria"
            )
        )
    if unknown:
        problems.append(
            Problem(
                ErrorCode.CRITERIA, f"not discharge criteria here: {', '.join(unknown)}", "criteria"
            )
        )
    unmet = [c for c in criteria if entry.criteria.get(c) is False]
    if unmet and not meaningful(entry.unmet_reason):
        problems.append(
            Problem(
                ErrorCode.REASON_REQUIRED,
                f"not met: {', '.join(unmet)}; say why the patient is discharged anyway",
                "unmet_reason",
            )
        )
    return problems


class PhysioReviewIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    reviewed_on: Day
    walking_aid: Literal["none", "cane", "crutches", "frame"]
    weight_bearing: Literal["offloaded", "partial", "as-advised", "full"]
    flexion_deg: float | None = Field(default=None, ge=0, le=160)
    abduction_deg: float | None = Field(default=None, ge=0, le=90)
    internal_rotation_deg: float | None = Field(default=None, ge=0, le=90)
    external_rotation_deg: float | None = Field(default=None, ge=0, le=90)
    pain: int | None = Field(default=None, ge=0, le=10)
    exercises_progressed: Text = ""
    progress_to_next_phase: bool = False
    notes: Text = ""


def next_phase(phases: Sequence[str], reached: Sequence[str]) -> str | None:
    """The phase after the latest one reached (the first phase is where everyone starts)."""
    if not phases:
        return None
    current = max((phases.index(p) for p in reached if p in phases), default=0)
    return phases[current + 1] if current + 1 < len(phases) else None


# How much weight each status allows, least first ("as-advised" defers to the team).
_LOAD = {"offloaded": 0, "partial": 1, "full": 2}


def plan_conflict(recorded: str, planned: str | None, phase_title: str = "") -> str:
    """Why a review's weight bearing goes beyond the plan's for that day ('' if it does not)."""
    if planned is None or planned not in _LOAD or recorded not in _LOAD:
        return ""
    if _LOAD[recorded] <= _LOAD[planned]:
        return ""
    where = f" ({phase_title})" if phase_title else ""
    return f"Recorded {recorded} weight bearing; the plan says {planned}{where} on that day."


def review_problems(
    entry: PhysioReviewIn, *, operated_on: dt.date, today: dt.date, next_code: str | None
) -> list[Problem]:
    problems = []
    if entry.reviewed_on < operated_on:
        problems.append(
            Problem(
                ErrorCode.BEFORE_OPERATION,
                "a review after the operation, not before",
                "reviewed_on",
            )
        )
    if entry.reviewed_on > today:
        problems.append(
            Problem(
                ErrorCode.DATE_IN_FUTURE,
                "the review date cannot be later than today",
                "reviewed_on",
            )
        )
    if entry.progress_to_next_phase and next_code is None:
        problems.append(
            Problem(
                ErrorCode.LAST_PHASE,
                "there is no later phase to move on to",
                "progress_to_next_phase",
            )
        )
    return problems


PHYSIOTHERAPY_REVIEW = "physiotherapy-review"  # the catalogue's appointment kind
# Service policy: a review up to this many days before its due day counts as that review.
REVIEW_WINDOW_DAYS = 3


def review_held(due_on: dt.date, reviewed_on: Collection[dt.date]) -> dt.date | None:
    """The day a physiotherapy review due on ``due_on`` was held, or None if it was not.

    Any review on or after the window before its due day counts (a later one too: held late);
    the first of them is the one held.
    """
    window = due_on - dt.timedelta(days=REVIEW_WINDOW_DAYS)
    return min((day for day in reviewed_on if day >= window), default=None)
