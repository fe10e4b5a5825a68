"""Working days: when the service can see a patient. Pure.

An appointment that falls on a day the service does not work (a weekday it does not open,
or a closed day such as a bank holiday) moves FORWARD to the next working day, never back:
a review is not brought earlier than its clinical day. Weight-bearing phases are clinical day
counts and are never moved; only appointments are.

Which weekdays the service works and which days it is closed are configuration
(``COXA_WORKING_WEEKDAYS``, ``COXA_CLOSED_DAYS``, read in ``config/settings.py``); the
default closed days are England's bank holidays below. A signed plan keeps the calendar it
was laid out with (``RecoveryPlan.working_days``), so a later change of configuration does
not move a patient's dates.
"""

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from coxa.core.words import long_date

# England and Wales bank holidays, 2026 to 2028, as published by gov.uk
# (https://www.gov.uk/bank-holidays, "england-and-wales"): New Year's Day, Good Friday, Easter
# Monday, the early May, spring and summer bank holidays, Christmas Day and Boxing Day, with
# the substitute day when one falls at a weekend (27 and 28 December 2026 are a Sunday and
# the Monday standing in for Boxing Day; 3 January 2028 stands in for New Year's Day).
# Checked against the rules of the Banking and Financial Dealings Act 1971, schedule 1, by
# tests/test_workdays.py. Extend before 2029: an unlisted year has no closed days.
ENGLAND_BANK_HOLIDAYS: tuple[dt.date, ...] = tuple(
    dt.date.fromisoformat(day)
    for day in (
        "2026-01-01",
        "2026-04-03",
        "2026-04-06",
        "2026-05-04",
        "2026-05-25",
        "2026-08-31",
        "2026-12-25",
        "2026-12-28",
        "2027-01-01",
        "2027-03-26",
        "2027-03-29",
        "2027-05-03",
        "2027-05-31",
        "2027-08-30",
        "2027-12-27",
        "2027-12-28",
        "2028-01-03",
        "2028-04-14",
        "2028-04-17",
        "2028-05-01",
        "2028-05-29",
        "2028-08-28",
        "2028-12-25",
        "2028-12-26",
    )
)

WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MONDAY_TO_FRIDAY = frozenset(range(5))  # date.weekday(): Monday is 0


@dataclass(frozen=True)
class WorkingDays:
    """The weekdays the service works (0 is Monday) and the days it is closed."""

    weekdays: frozenset[int] = MONDAY_TO_FRIDAY
    closed: frozenset[dt.date] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        if not self.weekdays or not self.weekdays <= set(range(7)):
            raise ValueError("the service must work on at least one weekday, numbered 0 to 6")

    def is_working(self, day: dt.date) -> bool:
        return day.weekday() in self.weekdays and day not in self.closed

    def on_or_after(self, day: dt.date) -> dt.date:
        """The first working day on or after ``day``."""
        # Every run of non-working days is finite: at most the closed days plus a week.
        for _ in range(len(self.closed) + 8):
            if self.is_working(day):
                return day
            day += dt.timedelta(days=1)
        raise AssertionError("unreachable: a working weekday comes within a week")

    def why_not(self, day: dt.date) -> str:
        """Why ``day`` is not a working day, in words: 'Sunday 27 December'."""
        named = long_date(day).rsplit(" ", 1)[0]  # the year is the plan's, said once
        if day.weekday() not in self.weekdays:
            return named
        return f"{named}, when the service is closed"

    def after(self, day: dt.date) -> "WorkingDays":
        """The same calendar with only the closed days from ``day`` on (to store with a plan)."""
        return WorkingDays(self.weekdays, frozenset(d for d in self.closed if d >= day))

    def as_json(self) -> dict[str, Any]:
        return {
            "weekdays": sorted(self.weekdays),
            "closed": [d.isoformat() for d in sorted(self.closed)],
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> "WorkingDays | None":
        """The stored calendar; None for a plan stored before working days were kept."""
        if not data:
            return None
        return cls(
            frozenset(int(d) for d in data["weekdays"]),
            frozenset(dt.date.fromisoformat(d) for d in data["closed"]),
        )


@dataclass(frozen=True)
class Moved:
    """An appointment moved off a day the service does not work."""

    day: int  # the plan's day count (days after the operation)
    fell_on: dt.date  # the day it would have been
    why: str  # "Sunday 27 December"

    @property
    def text(self) -> str:
        """'day 14 fell on Sunday 27 December; moved to the next working day'."""
        return f"day {self.day} fell on {self.why}; moved to the next working day"


def working_day(
    day: dt.date, count: int, calendar: "WorkingDays | None"
) -> tuple[dt.date, Moved | None]:
    """The working day for an appointment due on ``day`` (day ``count`` of the plan).

    Without a calendar (a plan stored before the rule) the day stands as it is.
    """
    if calendar is None or calendar.is_working(day):
        return day, None
    return calendar.on_or_after(day), Moved(count, day, calendar.why_not(day))
