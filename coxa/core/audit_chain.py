"""The audit's hash chain: what a record's hash covers, and how a walk finds a break.

Pure Python (no Django), so that the serialisation and the walk are tested without a
database. Each record's hash is HMAC-SHA256, under a key derived from AUDIT_CHAIN_KEY, of a
canonical serialisation of every stored field and the previous record's hash. The chain's
head (the last id and hash) is sealed with the same key, so that cutting rows off the end
shows too. Without the key no one can write a record, or a head, that verifies (ADR 0011).

The serialisation hashes what the database gives back: the time in UTC with microseconds,
ids and UUIDs as text, and ``details`` as canonical JSON in which a whole number is an
integer however it was written (PostgreSQL's jsonb gives ``1.0`` or ``1e20`` back as an
integer; SQLite gives back what was written), so that a record re-hashes identically on
either database.
"""

import datetime as dt
import hashlib
import hmac
import json
import math
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

FORMAT = "coxa-audit/1"
HEAD_FORMAT = "coxa-audit-head/1"
GENESIS = "0" * 64  # the "previous hash" of the first record
_KEY_PURPOSE = b"coxa audit hash chain, version 1"


def normalise_json(value: Any) -> Any:
    """Return ``value`` as the database will give it back, ready for canonical JSON.

    Whole-number floats become integers (exactly: ``1e20`` becomes 10**20); NaN and
    infinities, which PostgreSQL cannot store, are refused; tuples become lists and keys
    strings, as a JSON round trip makes them.
    """
    kind = type(value)
    if kind is str or kind is int or kind is bool or value is None:
        return value  # the common case first: verifying walks millions of these
    if kind is dict:
        return {
            key if type(key) is str else _key(key): normalise_json(item)
            for key, item in value.items()
        }
    if kind is list or kind is tuple:
        return [normalise_json(item) for item in value]
    return _normalise_other(value)


def _key(key: Any) -> str:
    """A key as JSON writes it: 1 as "1", True as "true", None as "null"."""
    return str(key) if isinstance(key, str) else json.dumps(key)


def _normalise_other(value: Any) -> Any:
    """Floats, and subclasses of the JSON types (a StrEnum, an IntEnum, an OrderedDict)."""
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"audit details cannot hold {value!r}: not a finite number")
        return int(value) if value.is_integer() else float(value)
    if isinstance(value, str):
        return str(value)
    if isinstance(value, int):
        return int(value)
    if isinstance(value, dict):
        return normalise_json(dict(value))
    if isinstance(value, list | tuple):
        return normalise_json(list(value))
    raise TypeError(f"audit details cannot hold a {type(value).__name__}: use JSON values")


def canonical_json(value: Any) -> str:
    """One spelling for one JSON value: sorted keys, no spaces, ASCII only."""
    return _dumps(normalise_json(value))


def _dumps(normalised: Any) -> str:
    return json.dumps(
        normalised, sort_keys=True, separators=(",", ":"), ensure_ascii=True, allow_nan=False
    )


def utc_text(moment: dt.datetime) -> str:
    """A timezone-aware moment in UTC with microseconds: 2026-11-22T02:37:00.000001Z."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("an audit time must be timezone-aware")
    return moment.astimezone(dt.UTC).replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


@dataclass(frozen=True, slots=True)
class Fields:
    """Every stored field of a record that its hash covers (all but id and the hashes)."""

    at: dt.datetime
    actor_id: int | None
    actor_username: str
    actor_role: str
    action: str
    object_type: str
    object_id: str
    patient_id: uuid.UUID | None
    summary: str
    reason: str
    via: str
    details: Any

    def canonical(self, prev_hash: str) -> bytes:
        """The bytes the record's hash is taken over, ending with the previous hash."""
        values = [
            FORMAT,
            utc_text(self.at),
            None if self.actor_id is None else int(self.actor_id),
            str(self.actor_username),
            str(self.actor_role),
            str(self.action),
            str(self.object_type),
            str(self.object_id),
            None if self.patient_id is None else str(uuid.UUID(str(self.patient_id))),
            str(self.summary),
            str(self.reason),
            str(self.via),
            normalise_json(self.details),
            str(prev_hash),
        ]
        return _dumps(values).encode("ascii")


class ChainKey:
    """The HMAC key of the chain, derived from the configured secret."""

    def __init__(self, secret: str) -> None:
        if not secret:
            raise ValueError("the audit chain needs a key (AUDIT_CHAIN_KEY)")
        derived = hmac.new(secret.encode("utf-8"), _KEY_PURPOSE, hashlib.sha256).digest()
        self._base = hmac.new(derived, digestmod=hashlib.sha256)

    def _mac(self, message: bytes) -> str:
        mac = self._base.copy()
        mac.update(message)
        return mac.hexdigest()

    def row_hash(self, fields: Fields, prev_hash: str) -> str:
        return self._mac(fields.canonical(prev_hash))

    def seal(self, last_id: int, last_hash: str) -> str:
        """The head's seal over the last id and hash (so the tail cannot be cut unseen)."""
        return self._mac(canonical_json([HEAD_FORMAT, int(last_id), last_hash]).encode("ascii"))

    def seals(self, last_id: int, last_hash: str, seal: str) -> bool:
        """Whether ``seal`` is this key's seal of the head (False: another key, or altered)."""
        return _same(self.seal(last_id, last_hash), seal)


@dataclass(frozen=True, slots=True)
class Link:
    """One stored record as the chain sees it."""

    id: int
    fields: Fields
    prev_hash: str
    row_hash: str
    # Columns whose stored text is not what Coxa writes for the value read (and hashed).
    misspelt: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Head:
    """The stored head of the chain: the last record's id and hash, and their seal."""

    last_id: int
    last_hash: str
    seal: str


class Fault(StrEnum):
    """What is wrong where a chain breaks."""

    CHANGED = "changed"  # a record no longer matches the hash written with it
    FORGED = "forged"  # a record the chain passes over: inserted outside Coxa
    DELETED = "deleted"  # a record's predecessor is missing
    TAIL_CUT = "tail cut"  # records after the last one left are missing
    HEAD = "head"  # the head is missing, altered or older than the records
    # a value hashed as written but stored in another spelling, which searches miss
    MISSPELT = "stored differently from what was hashed"


@dataclass(frozen=True, slots=True)
class Break:
    """The first place the chain breaks: the record (when there is one) and why."""

    fault: Fault
    explanation: str
    row_id: int | None = None
    at: dt.datetime | None = None

    def describe(self) -> str:
        where = "the chain head" if self.row_id is None else f"audit record {self.row_id}"
        when = "" if self.at is None else f" ({utc_text(self.at)})"
        return f"{where}{when} is broken ({self.fault}): {self.explanation}"


@dataclass(frozen=True, slots=True)
class Verdict:
    """How many records verified before the first break (None when the chain is whole)."""

    verified: int
    broken: Break | None

    @property
    def ok(self) -> bool:
        return self.broken is None


def _same(one: str, other: str) -> bool:
    return hmac.compare_digest(one.encode("ascii", "replace"), other.encode("ascii", "replace"))


def _unmatched(row: Link, expected: str, following: Link | None, head: Head | None) -> Break:
    """Name the fault of a record whose contents do not match its hash."""
    if following is not None:
        vouched = _same(following.prev_hash, row.row_hash)
        passed_over = _same(following.prev_hash, expected)
    else:
        vouched = head is not None and _same(head.last_hash, row.row_hash)
        passed_over = head is not None and head.last_id < row.id
    if vouched:
        why = (
            "its contents no longer match the hash written with it, which the record after "
            "it still links to: it was changed after it was written"
        )
        return Break(Fault.CHANGED, why, row.id, row.fields.at)
    if passed_over:
        after = "the record after it" if following else "the chain's head"
        why = f"its hash is not Coxa's and {after} links past it: it was inserted outside Coxa"
        return Break(Fault.FORGED, why, row.id, row.fields.at)
    why = "its contents and its hash do not match, and nothing links to it: changed or forged"
    return Break(Fault.CHANGED, why, row.id, row.fields.at)


def _judge(
    row: Link, previous: Link | None, following: Link | None, head: Head | None, key: ChainKey
) -> Break | None:
    expected = GENESIS if previous is None else previous.row_hash
    if not _same(key.row_hash(row.fields, row.prev_hash), row.row_hash):
        return _unmatched(row, expected, following, head)
    if row.misspelt:
        columns = " and ".join(row.misspelt)
        why = (
            f"its {columns} read back as the values its hash covers, but the stored text is "
            "not what Coxa writes for them: it was rewritten in the database, and searches "
            "and sorting by it no longer find the record where they should"
        )
        return Break(Fault.MISSPELT, why, row.id, row.fields.at)
    if not _same(row.prev_hash, expected):
        why = "it is whole, but its predecessor is missing: " + (
            "the records before it were deleted"
            if previous is None
            else f"the record before it (id {previous.id}) is not the one it links to, "
            "so a record between them was deleted"
        )
        return Break(Fault.DELETED, why, row.id, row.fields.at)
    if head is not None and row.id > head.last_id:
        why = (
            f"the chain's head ends at record {head.last_id}, before this whole record: "
            "the head was replaced by an older copy"
        )
        return Break(Fault.HEAD, why, row.id, row.fields.at)
    return None


def _judge_head(last: Link | None, head: Head | None, verified: int, key: ChainKey) -> Break | None:
    if head is None:
        # An empty log without a head is a new or just-emptied test database.
        return None if verified == 0 else Break(Fault.HEAD, "the chain's head is missing")
    if not key.seals(head.last_id, head.last_hash, head.seal):
        return Break(Fault.HEAD, "the chain's head was altered: its seal does not match it")
    if last is None:
        if head.last_id == 0:
            return None
        why = f"every record is missing: the head says the chain ends at record {head.last_id}"
        return Break(Fault.TAIL_CUT, why)
    if head.last_id == last.id and _same(head.last_hash, last.row_hash):
        return None
    why = (
        f"it is the last record left, but the chain's head says the chain ends at record "
        f"{head.last_id}: the records after it were deleted"
    )
    return Break(Fault.TAIL_CUT, why, last.id, last.fields.at)


def _with_next(rows: Iterable[Link]) -> Iterator[tuple[Link, Link | None]]:
    iterator = iter(rows)
    current = next(iterator, None)
    while current is not None:
        following = next(iterator, None)
        yield current, following
        current = following


def walk(rows: Iterable[Link], head: Head | None, key: ChainKey) -> Verdict:
    """Check every record in id order, each link, and the head; stop at the first break."""
    previous: Link | None = None
    verified = 0
    sealed = (
        head if head is not None and key.seals(head.last_id, head.last_hash, head.seal) else None
    )
    for row, following in _with_next(rows):
        broken = _judge(row, previous, following, sealed, key)
        if broken is not None:
            return Verdict(verified, broken)
        verified += 1
        previous = row
    return Verdict(verified, _judge_head(previous, head, verified, key))
