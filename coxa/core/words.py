"""Dates and codes as people read them: one place for the words a page or a letter shows.

Letters and plans write a day as people do ("Tuesday 15 December 2026"); a short form
("15 Dec 2026") fits tables. A code that has no label of its own is never shown as typed
("insufficient-data", "systolic_bp"): its label comes from where the code is defined
(an enum's ``label``, the catalogue's ``title``); ``spoken`` is only the last resort for a
code from outside Coxa, and says so by its name.
"""

import datetime as dt
import re

_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def long_date(day: dt.date) -> str:
    """'Tuesday 15 December 2026': how a letter or a plan writes a day."""
    return f"{_DAYS[day.weekday()]} {day.day} {_MONTHS[day.month - 1]} {day.year}"


def day_month_year(day: dt.date) -> str:
    """'15 December 2026': a day inside a sentence."""
    return f"{day.day} {_MONTHS[day.month - 1]} {day.year}"


def short_date(day: dt.date) -> str:
    """'15 Dec 2026': a day in a table."""
    return f"{day.day} {_MONTHS[day.month - 1][:3]} {day.year}"


_SEPARATORS = re.compile(r"[-_]+")


def spoken(code: str) -> str:
    """A code from outside Coxa as words: 'insufficient-data' -> 'Insufficient data'.

    Only for a code with no label anywhere in Coxa; a code Coxa defines has its label.
    """
    text = _SEPARATORS.sub(" ", code).strip()
    return text[:1].upper() + text[1:]
