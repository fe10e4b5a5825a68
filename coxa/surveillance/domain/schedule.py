"""When an enrolled hip's next check is due, and under which rule (pure; issue 15, ADR 0024).

The surveillance table (catalogue surveillance.yaml) is read only once the service's clinical
lead has checked it; until then every hip gets the conservative default (a yearly review with
blood metal levels). A row whose group needs a fact the record does not hold (a head size
not known) does not match, so such a hip falls to the default, never to a lighter row.

The next check is the earliest of: the routine check (the last review plus the rule's
interval; before any review, a year after the operation, or on enrolment for a hip operated
elsewhere long ago); a repeat of the bloods still awaited; a rescan or imaging the last review
asked for and not yet done. An active hip always has one (a property test holds it).
"""

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from coxa.catalogue.schema_surveillance import ScheduleRule, SurveillanceFile


@dataclass(frozen=True, slots=True)
class HipFacts:
    implant: str  # resurfacing | mom-thr
    sex: str  # female | male | other | unknown
    head_mm: float | None
    symptomatic: bool | None  # at the last review; None: no review yet
    operated_on: dt.date | None
    today: dt.date

    @property
    def years_since_operation(self) -> int | None:
        if self.operated_on is None:
            return None
        years = self.today.year - self.operated_on.year
        before_anniversary = (self.today.month, self.today.day) < (
            self.operated_on.month,
            self.operated_on.day,
        )
        return years - 1 if before_anniversary else years


@dataclass(frozen=True, slots=True)
class Chosen:
    rule: ScheduleRule
    version: str  # the table's version
    checked: bool  # the table was checked by the clinical lead
    why: str  # in words: why this rule

    @property
    def label(self) -> str:
        return f"{self.rule.code}@{self.version}"


def _outside(value: float | None, low: float | None, below: float | None) -> bool:
    """Whether a condition on a fact fails: a bound is given and the fact is unknown or out."""
    if low is None and below is None:
        return False
    if value is None:
        return True
    return (low is not None and value < low) or (below is not None and value >= below)


def _matches(rule: ScheduleRule, hip: HipFacts) -> bool:
    when = rule.when
    wanted = {"implant": when.implant, "sex": when.sex, "symptomatic": when.symptomatic}
    held = {"implant": hip.implant, "sex": hip.sex, "symptomatic": hip.symptomatic}
    if any(v is not None and held[k] != v for k, v in wanted.items()):
        return False
    years = hip.years_since_operation
    return not (
        _outside(hip.head_mm, when.head_mm_at_least, when.head_mm_below)
        or _outside(years, when.years_from, when.years_before)
    )


def choose_rule(table: SurveillanceFile, hip: HipFacts) -> Chosen:
    if not table.checked:
        return Chosen(
            table.default,
            table.version,
            False,
            "The surveillance table has not been checked by the service's clinical lead, so "
            "every hip has the conservative default.",
        )
    for rule in table.rules:
        if _matches(rule, hip):
            return Chosen(rule, table.version, True, f"The hip is in the group '{rule.title}'.")
    return Chosen(
        table.default,
        table.version,
        True,
        "No row of the table holds this hip (or a fact a row needs is not recorded), so it "
        "has the conservative default.",
    )


class Next(StrEnum):
    REVIEW = "review"  # the routine check: review, with bloods (and imaging if the rule says)
    REPEAT_BLOODS = "repeat-bloods"
    IMAGING = "imaging"  # imaging a review asked for (a rescan, or investigation)

    @property
    def label(self) -> str:
        return {
            "review": "Surveillance review",
            "repeat-bloods": "Repeat blood metal levels",
            "imaging": "Imaging (MARS MRI or ultrasound)",
        }[self.value]


@dataclass(frozen=True, slots=True)
class Outstanding:
    """Something a review or a result asked for, not yet done."""

    kind: Next
    due_on: dt.date


@dataclass(frozen=True, slots=True)
class Due:
    kind: Next
    due_on: dt.date
    routine_on: dt.date  # the routine check, whatever comes first


def routine_due(
    *,
    interval_days: int,
    last_review_on: dt.date | None,
    operated_on: dt.date | None,
    enrolled_on: dt.date,
    operated_here: bool,
) -> dt.date:
    """The routine check: a full interval after the last review, or after the operation."""
    interval = dt.timedelta(days=interval_days)
    if last_review_on is not None:
        return last_review_on + interval
    if operated_on is None:
        return enrolled_on  # operated elsewhere on a day not known: check on enrolment
    first = operated_on + interval
    return first if operated_here else max(first, enrolled_on)


def next_due(routine_on: dt.date, outstanding: Sequence[Outstanding]) -> Due:
    """The earliest of the routine check and what is outstanding (the routine check on a tie)."""
    best = Due(Next.REVIEW, routine_on, routine_on)
    for item in sorted(outstanding, key=lambda o: o.due_on):
        if item.due_on < best.due_on:
            best = Due(item.kind, item.due_on, routine_on)
    return best
