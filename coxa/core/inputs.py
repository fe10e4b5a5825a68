"""Bounded input types for every boundary: text, days, moments, counts and measures.

Pure (pydantic, no Django), so the domain's input types use them as well as the API's
schemas. Each refuses what could not be stored or computed with, naming the reason:

- text longer than its field, or holding a NUL or a lone surrogate (``core/text.py``);
- a day or a moment outside EARLIEST_DAY..LATEST_DAY: no arithmetic Coxa does on a date
  (a plan laid out from it, a stop some days before it) can then overflow. Services judge
  the clinical window on top (not in the future, within a year of today, after listing);
- a count outside its range, a measure that is not a finite number.
"""

import datetime as dt
from typing import Annotated

from pydantic import AfterValidator, Field, StringConstraints
from pydantic_core import PydanticCustomError

from coxa.core.text import ADDRESS_MAX, LABEL_MAX, NAME_MAX, NOTE_MAX, REASON_MAX, unstorable

EARLIEST_DAY = dt.date(1900, 1, 1)  # no one alive was born before it (patients' window)
LATEST_DAY = dt.date(2100, 12, 31)
WINDOW = f"between {EARLIEST_DAY} and {LATEST_DAY}"
# No clinical event Coxa records (a referral, an entry, a study) is older than this; a date of
# birth may be (from EARLIEST_DAY). A plausibility bound, not a clinical threshold.
EARLIEST_EVENT = dt.date(1950, 1, 1)


def _storable(value: str) -> str:
    bad = unstorable(value)
    if bad:
        raise PydanticCustomError(
            "invalid-text", "contains {what}, which cannot be stored", {"what": bad}
        )
    return value


def _day_in_window(value: dt.date) -> dt.date:
    if not EARLIEST_DAY <= value <= LATEST_DAY:
        raise PydanticCustomError("date-out-of-range", f"the date must be {WINDOW}")
    return value


def _moment_in_window(value: dt.datetime) -> dt.datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise PydanticCustomError(
            "timezone-required", "give the time with its UTC offset, e.g. 2026-02-02T16:00:00Z"
        )
    _day_in_window(value.date())
    return value


# Text that can be stored. The common lengths are named below; any other field gives its
# own, before the check: ``Annotated[str, Field(max_length=60), STORABLE]``.
STORABLE = AfterValidator(_storable)
Name = Annotated[str, StringConstraints(max_length=NAME_MAX), STORABLE]
Label = Annotated[str, StringConstraints(max_length=LABEL_MAX), STORABLE]
Address = Annotated[str, StringConstraints(max_length=ADDRESS_MAX), STORABLE]
Reason = Annotated[str, StringConstraints(max_length=REASON_MAX), STORABLE]
Note = Annotated[str, StringConstraints(max_length=NOTE_MAX), STORABLE]
Day = Annotated[dt.date, AfterValidator(_day_in_window)]
Moment = Annotated[dt.datetime, AfterValidator(_moment_in_window)]
Measure = Annotated[float, Field(allow_inf_nan=False)]
