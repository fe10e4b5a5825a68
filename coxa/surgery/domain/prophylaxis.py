"""VTE prophylaxis as prescribed in the operation note: checked, and dated. Pure.

Three choices: a regimen the catalogue offers for the procedure (NICE NG89 for elective hip
replacement, which resurfacing follows), a clinician's own agent, dose and duration (the
only choice for core decompression, which fits no NG89 category: marked as not from NG89),
or none, with the reason. Day 0 is the operation day: a course of ``n`` days runs from its
first day to its first day plus ``n - 1``; a regimen's courses follow one another.
"""

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from coxa.catalogue.schema_medicines import ProphylaxisRegimen, VteProphylaxis
from coxa.core.errors import ErrorCode, Problem
from coxa.core.inputs import STORABLE, Note

Short = Annotated[str, Field(max_length=120), STORABLE]
MAX_DAYS = 90  # a duration beyond this is a typing error (NG89's longest course is 28 days)


class Choice(StrEnum):
    REGIMEN = "regimen"
    CUSTOM = "custom"
    NONE = "none"


class ProphylaxisIn(BaseModel):
    """The prophylaxis prescribed: a catalogue regimen, the clinician's own, or none."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)

    choice: Choice
    regimen: Annotated[str, Field(max_length=40), STORABLE] = ""
    agent: Short = ""  # a clinician's own agent (custom only)
    dose: Short = ""  # as prescribed, for a regimen or a custom agent
    duration_days: int | None = Field(default=None, ge=1, le=MAX_DAYS)
    reason: Note = ""  # why none, why a second-line regimen, why not the guideline's


def _needs_duration(regimen: ProphylaxisRegimen) -> bool:
    return any(c.days is None for c in regimen.courses)


def prophylaxis_problems(
    given: ProphylaxisIn, offered: VteProphylaxis, *, at: str = "vte_prophylaxis"
) -> list[Problem]:
    """Everything missing or contradictory, each on its field (``at`` + ``.`` + name)."""
    found = {
        Choice.NONE: _none_problems,
        Choice.CUSTOM: _custom_problems,
        Choice.REGIMEN: _regimen_problems,
    }[given.choice](given, offered)
    if given.choice is not Choice.NONE and not given.dose:
        found.insert(0, (ErrorCode.REQUIRED, "give the dose as prescribed", "dose"))
    return [Problem(code, message, f"{at}.{name}") for code, message, name in found]


Found = list[tuple[ErrorCode, str, str]]


def _none_problems(given: ProphylaxisIn, offered: VteProphylaxis) -> Found:
    found: Found = []
    if not given.reason.strip():
        found.append((ErrorCode.REASON_REQUIRED, "say why no prophylaxis is given", "reason"))
    found += [
        (ErrorCode.NOT_CUSTOM, f"no prophylaxis has no {name.replace('_', ' ')}", name)
        for name in ("regimen", "agent", "dose")
        if getattr(given, name)
    ]
    if given.duration_days is not None:
        found.append((ErrorCode.NOT_CUSTOM, "no prophylaxis has no duration", "duration_days"))
    return found


def _custom_problems(given: ProphylaxisIn, offered: VteProphylaxis) -> Found:
    found: Found = []
    if given.regimen:
        found.append((ErrorCode.NOT_CUSTOM, "a clinician's own choice names no regimen", "regimen"))
    if not given.agent:
        found.append((ErrorCode.REQUIRED, "name the agent", "agent"))
    if given.duration_days is None:
        found.append((ErrorCode.REQUIRED, "give the duration in days", "duration_days"))
    if offered.regimens and not given.reason.strip():
        found.append(
            (
                ErrorCode.REASON_REQUIRED,
                "say why none of the guideline's regimens is used",
                "reason",
            )
        )
    return found


def _regimen_problems(given: ProphylaxisIn, offered: VteProphylaxis) -> Found:
    regimen = offered.regimen(given.regimen)
    if regimen is None:
        names = ", ".join(r.code for r in offered.regimens)
        offer = f"offered: {names}" if names else "choose the agent, dose and duration"
        shown = given.regimen or "no regimen"
        return [
            (
                ErrorCode.REGIMEN_NOT_OFFERED,
                f"{shown!r} is not offered for this operation; {offer}",
                "regimen",
            )
        ]
    found: Found = []
    if given.agent:
        found.append((ErrorCode.NOT_CUSTOM, "the regimen names its agents", "agent"))
    if _needs_duration(regimen) and given.duration_days is None:
        found.append(
            (ErrorCode.REQUIRED, "give the duration in days as prescribed", "duration_days")
        )
    elif not _needs_duration(regimen) and given.duration_days is not None:
        found.append(
            (
                ErrorCode.REGIMEN_SETS_DURATION,
                f"{regimen.title} sets its own duration",
                "duration_days",
            )
        )
    if regimen.second_line and not given.reason.strip():
        found.append(
            (ErrorCode.REASON_REQUIRED, "say why none of the first options can be used", "reason")
        )
    return found


@dataclass(frozen=True, slots=True)
class Course:
    """One medicine taken each day, from ``starts_on`` to ``ends_on`` inclusive."""

    agent: str  # the catalogue's agent code, or the clinician's own words
    patient_text: str  # plain English: "Blood-thinning injections each day"
    starts_on: dt.date
    ends_on: dt.date


@dataclass(frozen=True, slots=True)
class Prophylaxis:
    """The prophylaxis as the plan shows it; ``from_guideline`` False: not from NG89."""

    choice: Choice
    title: str  # staff words: the regimen's title, or agent and dose
    dose: str
    courses: tuple[Course, ...]
    stockings_until_discharge: bool
    from_guideline: bool
    reason: str

    @property
    def ends_on(self) -> dt.date | None:
        return self.courses[-1].ends_on if self.courses else None


def schedule(given: ProphylaxisIn, offered: VteProphylaxis, operated_on: dt.date) -> Prophylaxis:
    """The courses' dates from the operation day (day 0). The input must have no problems."""
    if given.choice is Choice.NONE:
        return Prophylaxis(given.choice, "None", "", (), False, True, given.reason)
    if given.choice is Choice.CUSTOM:
        days = given.duration_days or 1
        course = Course(
            given.agent,
            f"{given.agent} ({given.dose}) each day",
            operated_on,
            operated_on + dt.timedelta(days=days - 1),
        )
        title = f"{given.agent}, {given.dose}, {days} days"
        return Prophylaxis(given.choice, title, given.dose, (course,), False, False, given.reason)
    regimen = offered.regimen(given.regimen)
    if regimen is None:
        raise ValueError(f"regimen {given.regimen!r} is not offered")
    courses, start = [], operated_on
    for each in regimen.courses:
        days = each.days or given.duration_days or 1
        end = start + dt.timedelta(days=days - 1)
        courses.append(Course(each.agent, each.patient_text, start, end))
        start = end + dt.timedelta(days=1)
    return Prophylaxis(
        given.choice,
        regimen.title,
        given.dose,
        tuple(courses),
        regimen.stockings_until_discharge,
        True,
        given.reason,
    )
