"""A FHIR search as Coxa reads it (https://hl7.org/fhir/R4/search.html).

Checked against the capability table: an unknown parameter is refused under
``Prefer: handling=strict`` and otherwise ignored (and left out of the Bundle's self link), as
the specification asks.

Bad values are refused naming the parameter; nothing is guessed.
"""

import calendar
import datetime as dt
import re
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from coxa.core.errors import ErrorCode, InvalidInput
from coxa.interop.domain.capability import BY_TYPE, COMMON, Kind, Support

DEFAULT_COUNT = 50
MAX_COUNT = 100
MAX_PAGE = 10_000  # as core.pagination: past this, a typing error or a probe
# Values of one kind (ids, codes or identifiers, dates) in one search: past this, a probe, and a
# query SQLite refuses (its expressions nest at most 1000 deep: each value is one more OR).
MAX_VALUES = 100
_ONE_DAY = dt.timedelta(days=1)
_PREFIXES = ("eq", "ge", "le", "gt", "lt")
_DATE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?(?:T[0-9:.+\-Z]*)?$")
_REFERENCE = re.compile(r"^(?:.*/)?(?:Patient/)?([0-9a-fA-F-]{32,36})$")


@dataclass(frozen=True, slots=True)
class Token:
    system: str | None  # None: any system ("code"); "": no system ("|code")
    code: str


@dataclass(frozen=True, slots=True)
class Period:
    """Days from ``start`` to ``end``, both included; None where the search leaves it open."""

    start: dt.date | None
    end: dt.date | None

    def holds(self, day: dt.date) -> bool:
        return (self.start is None or day >= self.start) and (self.end is None or day <= self.end)


@dataclass(frozen=True, slots=True)
class Search:
    type: str
    ids: tuple[str, ...] = ()
    patient: uuid.UUID | None = None
    tokens: tuple[Token, ...] = ()  # identifier or code, whichever the type takes
    periods: tuple[Period, ...] = ()  # every one must hold
    count: int = DEFAULT_COUNT
    page: int = 1
    used: tuple[tuple[str, str], ...] = ()  # (name, value) read, for the self link
    ignored: tuple[str, ...] = ()

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.count


def _bad(name: str, message: str) -> InvalidInput:
    return InvalidInput(ErrorCode.INVALID_VALUE, f"{name}: {message}", name)


def _token(name: str, value: str) -> Token:
    if "|" in value:
        system, _, code = value.partition("|")
        if not code:
            raise _bad(name, "give a code after the '|' (system|code)")
        return Token(system, code)
    if not value:
        raise _bad(name, "give a value (system|code, or a code)")
    return Token(None, value)


def _day_span(name: str, value: str) -> tuple[dt.date, dt.date]:
    match = _DATE.match(value)
    if not match:
        raise _bad(name, f"{value!r} is not a FHIR date (YYYY, YYYY-MM or YYYY-MM-DD)")
    year, month, day = (int(g) if g else None for g in match.groups())
    try:
        if day is not None and month is not None:
            start = end = dt.date(year or 1, month, day)
        elif month is not None:
            start = dt.date(year or 1, month, 1)
            end = start.replace(day=calendar.monthrange(start.year, month)[1])
        else:
            start, end = dt.date(year or 1, 1, 1), dt.date(year or 1, 12, 31)
    except ValueError:
        raise _bad(name, f"{value!r} is not a day of the calendar") from None
    return start, end


def _period(name: str, value: str) -> Period:
    prefix = value[:2] if value[:2] in _PREFIXES else "eq"
    start, end = _day_span(name, value[2:] if value[:2] in _PREFIXES else value)
    if prefix == "eq":
        return Period(start, end)
    if prefix in ("ge", "le"):
        return Period(start, None) if prefix == "ge" else Period(None, end)
    try:  # the day after the last of the calendar, or before its first, is none
        return Period(end + _ONE_DAY, None) if prefix == "gt" else Period(None, start - _ONE_DAY)
    except OverflowError:
        raise _bad(name, f"{value!r}: the calendar has no day beyond it") from None


def _patient(name: str, value: str) -> uuid.UUID:
    match = _REFERENCE.match(value.strip())
    try:
        return uuid.UUID(match.group(1)) if match else uuid.UUID(value)
    except ValueError:
        raise _bad(name, f"{value!r} is not a patient (Patient/<id>)") from None


def _number(name: str, value: str, high: int) -> int:
    if not value.isdecimal() or len(value) > len(str(high)) or not 1 <= int(value) <= high:
        raise _bad(name, f"must be a whole number from 1 to {high:,}")
    return int(value)


def _read(support: Support, name: str, values: Sequence[str], search: dict[str, Any]) -> None:
    parameter = support.parameter(name)
    assert parameter is not None  # noqa: S101 - the caller checked the table
    for value in values:
        if parameter.name == "_id":
            search["ids"] += tuple(v for v in value.split(",") if v)
        elif parameter.kind is Kind.REFERENCE:
            search["patient"] = _patient(name, value)
        elif parameter.kind is Kind.DATE:
            search["periods"] += (_period(name, value),)
        else:
            search["tokens"] += tuple(_token(name, v) for v in value.split(","))
        search["used"] += ((name, value),)
        if max(len(search["ids"]), len(search["tokens"]), len(search["periods"])) > MAX_VALUES:
            raise _bad(name, f"at most {MAX_VALUES} values of one kind in a search")


def parse_search(type_: str, query: Mapping[str, Sequence[str]], *, strict: bool) -> Search:
    """Read a search of ``type_``; raise InvalidInput naming the parameter at fault."""
    support = BY_TYPE[type_]
    found: dict[str, Any] = {"ids": (), "tokens": (), "periods": (), "used": ()}
    ignored: list[str] = []
    count, page = DEFAULT_COUNT, 1
    for name, values in query.items():
        if name == "_count":
            count = _number(name, values[-1], MAX_COUNT)
        elif name == "_page":
            page = _number(name, values[-1], MAX_PAGE)
        elif name == "_format":
            if values[-1] not in ("json", "application/fhir+json", "application/json"):
                raise _bad(name, "Coxa answers in JSON only (json)")
        elif support.parameter(name) is not None:
            _read(support, name, values, found)
        elif strict:
            known = ", ".join([p.name for p in support.parameters] + list(COMMON))
            raise InvalidInput(
                ErrorCode.UNKNOWN_FIELD, f"{name}: {type_} is not searched by it ({known})", name
            )
        else:
            ignored.append(name)
    needs_patient = support.parameter("patient") is not None
    if needs_patient and found.get("patient") is None and not found["ids"]:
        raise InvalidInput(
            ErrorCode.REQUIRED, f"patient: search {type_} by patient (or by _id)", "patient"
        )
    return Search(type=type_, count=count, page=page, ignored=tuple(ignored), **found)
