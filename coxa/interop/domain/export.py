"""A bulk export as the FHIR Bulk Data Access IG describes it (https://hl7.org/fhir/uv/bulkdata/).

The kick-off request is read here (what, since when, in which format), and the manifest and
the progress a poll shows are written here; the work runs as a background task.
"""

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from coxa.core.errors import ErrorCode, InvalidInput
from coxa.interop.domain.capability import SUPPORTED

NDJSON = "application/fhir+ndjson"
FORMATS = (NDJSON, "application/ndjson", "ndjson")
# Every type Coxa serves is in a patient's compartment: each is exported at every level.
EXPORTABLE: tuple[str, ...] = tuple(s.type for s in SUPPORTED)
KNOWN = ("_type", "_since", "_outputFormat")
PART_DIGITS = 9  # of a file's part in its name ("Observation-2.ndjson"): never that many files


class Level(StrEnum):
    SYSTEM = "system"  # [base]/$export
    PATIENT = "patient"  # [base]/Patient/$export: every patient
    GROUP = "group"  # [base]/Group/[id]/$export: the patients of one procedure


@dataclass(frozen=True, slots=True)
class ExportRequest:
    level: Level
    group: str
    types: tuple[str, ...]
    since: dt.datetime | None


def _bad(field: str, message: str) -> InvalidInput:
    return InvalidInput(ErrorCode.INVALID_VALUE, f"{field}: {message}", field)


def _types(value: str | None) -> tuple[str, ...]:
    if value is None:
        return EXPORTABLE
    asked = [t.strip() for t in value.split(",") if t.strip()]
    unknown = [t for t in asked if t not in EXPORTABLE]
    if unknown or not asked:
        raise _bad(
            "_type", f"Coxa exports {', '.join(EXPORTABLE)}; not {', '.join(unknown) or 'nothing'}"
        )
    return tuple(t for t in EXPORTABLE if t in asked)  # in the table's order, each once


def _since(value: str | None) -> dt.datetime | None:
    if value is None:
        return None
    try:
        moment = dt.datetime.fromisoformat(value.strip().replace(" ", "+"))
    except ValueError:
        raise _bad("_since", f"{value!r} is not a FHIR instant (2026-01-31T09:00:00Z)") from None
    if moment.tzinfo is None:
        raise _bad("_since", "give the instant's time zone (Z, or +01:00)")
    try:
        moment.astimezone(dt.UTC)  # as it is stored: the first or last day may leave the calendar
    except OverflowError:
        raise _bad("_since", f"{value!r} is outside the calendar") from None
    return moment


def parse_kickoff(
    level: Level, group: str, query: Mapping[str, Sequence[str]], *, prefer: str
) -> ExportRequest:
    """Read a kick-off request; raise InvalidInput naming what is wrong."""
    if "respond-async" not in prefer.replace(" ", "").lower().split(","):
        raise InvalidInput(
            ErrorCode.REQUIRED,
            "Prefer: send Prefer: respond-async (an export is asynchronous)",
            "Prefer",
        )
    for name in query:
        if name not in KNOWN:
            raise InvalidInput(
                ErrorCode.UNKNOWN_FIELD,
                f"{name}: Coxa's export takes {', '.join(KNOWN)}",
                name,
            )
    fmt = query.get("_outputFormat", [None])[-1]
    if fmt is not None and fmt not in FORMATS:
        raise _bad("_outputFormat", f"Coxa writes {NDJSON} only")
    return ExportRequest(
        level=level,
        group=group,
        types=_types(query.get("_type", [None])[-1]),
        since=_since(query.get("_since", [None])[-1]),
    )


def file_named(name: str) -> tuple[str, int] | None:
    """The type and part an export file's name gives ("Observation-2.ndjson"), or None."""
    type_, _, part = name.removesuffix(".ndjson").rpartition("-")
    if type_ not in EXPORTABLE or not part.isdecimal() or len(part) > PART_DIGITS:
        return None
    return type_, int(part)


def progress(done: int, total: int, stage: str) -> str:
    """What a poll's X-Progress says: how far, and at which type."""
    share = 0 if total <= 0 else min(100, round(100 * done / total))
    return f"{share}% ({stage})" if stage else f"{share}%"


def manifest(
    *,
    transaction_time: str,
    request: str,
    files: Sequence[tuple[str, str, int]],
) -> dict[str, Any]:
    """The completed export: each file's type, address and number of resources."""
    return {
        "transactionTime": transaction_time,
        "request": request,
        "requiresAccessToken": True,
        "output": [{"type": type_, "url": url, "count": count} for type_, url, count in files],
        "error": [],
    }
