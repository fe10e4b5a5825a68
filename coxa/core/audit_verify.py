"""Verifying the audit chain in the database: every record, each link, and the head.

Records are read in id order in chunks (keyset pages, no OFFSET) with a plain cursor, as
stored, inside one read-only snapshot (PostgreSQL: REPEATABLE READ; SQLite: a deferred read
transaction), so that records appended while the walk runs neither show as beyond the head
nor block it. Each row is parsed as Django parses it (the values the hash covers) and its
stored text is checked against what Django writes for those values: on SQLite a UUID or a
time spelled another way hashes the same but is missed by searches. The judgement itself is
``coxa.core.audit_chain.walk``.
"""

import contextlib
import datetime as dt
import json
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.backends.base.base import BaseDatabaseWrapper

from coxa.core.audit import HEAD_ID, chain_key
from coxa.core.audit_chain import Fields, Head, Link, Verdict, walk
from coxa.core.models import AuditChainHead, AuditEvent

CHUNK = 5000
_SQLITE_MODE = "transaction_mode"  # how Django's SQLite backend begins (not in django-stubs)
COLUMNS = (
    "id",
    "at",
    "actor_id",
    "actor_username",
    "actor_role",
    "action",
    "object_type",
    "object_id",
    "patient_id",
    "summary",
    "reason",
    "via",
    "details",
    "prev_hash",
    "row_hash",
)
_AT, _ACTOR, _PATIENT, _DETAILS = 1, 2, 8, 12  # where these are in COLUMNS
_SPELT = (_AT, _PATIENT, _DETAILS)  # stored as text on SQLite
_TEXT = (3, 4, 5, 6, 7, 9, 10, 11)  # actor_username ... via: text, and hashed as it is
_Row = Sequence[Any]


@dataclass(frozen=True, slots=True)
class Progress:
    """How far a walk has got: records read and seconds since it began."""

    records: int
    seconds: float

    @property
    def rate(self) -> float:
        return self.records / self.seconds if self.seconds > 0 else 0.0


def _select(connection: BaseDatabaseWrapper) -> str:
    names = [connection.ops.quote_name(name) for name in COLUMNS]
    if connection.vendor == "sqlite":
        # Python's sqlite3 turns a column declared datetime into a datetime itself, whatever
        # its spelling; an expression (a no-op +) gives the stored text instead.
        names[_AT] = "+" + names[_AT]
    return (
        f"SELECT {', '.join(names)} FROM {AuditEvent._meta.db_table} "  # noqa: S608 (no values)
        "WHERE id > %s ORDER BY id LIMIT %s"
    )


def _plain(row: _Row) -> bool:
    """Whether the row's text columns hold text and its actor id an integer."""
    actor = row[_ACTOR]
    return (actor is None or type(actor) is int) and all(type(row[i]) is str for i in _TEXT)


def _misspelt(row: _Row, spelt: tuple[Any, ...]) -> tuple[str, ...]:
    """The columns of ``row`` not stored as Django stores their values (``spelt``)."""
    wrong = [COLUMNS[i] for i, text in zip(_SPELT, spelt, strict=False) if row[i] != text]
    if row[_ACTOR] is not None and type(row[_ACTOR]) is not int:
        wrong.append(COLUMNS[_ACTOR])
    wrong += [COLUMNS[i] for i in _TEXT if type(row[i]) is not str]
    return tuple(sorted(wrong, key=COLUMNS.index))


def _json(stored: Any) -> Any:
    """``details`` as Django's JSONField reads it (text that is not JSON stays text)."""
    try:
        return json.loads(stored)
    except (json.JSONDecodeError, TypeError):
        return stored


def _fields(row: _Row, at: Any, patient: Any, details: Any) -> Fields:
    """The values a record's hash covers: the row's, with its time, patient and details read."""
    return Fields(
        at,
        row[2],
        row[3],
        row[4],
        row[5],
        row[6],
        row[7],
        patient,
        row[9],
        row[10],
        row[11],
        details,
    )


def _reader(connection: BaseDatabaseWrapper) -> Callable[[_Row], Link]:
    """Turn a stored row into a link: the values Django reads, and any column misspelt."""
    if connection.vendor != "sqlite":
        return _read_typed
    # SQLite stores the time, the UUID (32 hex digits) and the JSON as text. Read them as
    # Django's backend does and spell them as it writes them.
    to_moment = connection.ops.convert_datetimefield_value  # type: ignore[attr-defined]
    adapt_moment = connection.ops.adapt_datetimefield_value
    zone = connection.timezone

    def spell_moment(at: dt.datetime) -> str | None:
        # What adapt_datetimefield_value gives (the naive time in the connection's zone),
        # without its conversions when the time is already in that zone.
        return str(at.replace(tzinfo=None)) if at.tzinfo is zone else adapt_moment(at)

    def read(row: _Row) -> Link:
        at = to_moment(row[_AT], None, connection)
        patient = None if row[_PATIENT] is None else uuid.UUID(row[_PATIENT])
        details = _json(row[_DETAILS])
        spelt = (
            spell_moment(at),
            None if patient is None else patient.hex,
            json.dumps(details),  # as JSONField writes it
        )
        same = spelt == (row[_AT], row[_PATIENT], row[_DETAILS])
        misspelt = () if same and _plain(row) else _misspelt(row, spelt)
        fields = _fields(row, at, patient, details)
        return Link(row[0], fields, row[13], row[14], misspelt)

    return read


def _read_typed(row: _Row) -> Link:
    """PostgreSQL's timestamptz, uuid and jsonb have one stored form for each value."""
    details = _json(row[_DETAILS])
    misspelt = () if _plain(row) else _misspelt(row, ())
    fields = _fields(row, row[_AT], row[_PATIENT], details)
    return Link(row[0], fields, row[13], row[14], misspelt)


def _links(using: str, chunk: int, report: Callable[[Progress], None] | None) -> Iterator[Link]:
    started = time.perf_counter()
    connection = connections[using]
    select, read = _select(connection), _reader(connection)
    last_id, read_so_far = 0, 0
    while True:
        with connection.cursor() as cursor:
            cursor.execute(select, [last_id, chunk])
            rows = cursor.fetchall()
        if not rows:
            return
        yield from map(read, rows)
        last_id = rows[-1][0]
        read_so_far += len(rows)
        if report is not None:
            report(Progress(read_so_far, time.perf_counter() - started))


@contextlib.contextmanager
def _snapshot(using: str) -> Iterator[None]:
    """One consistent, read-only view of the log for the walk (the current one if inside)."""
    connection = connections[using]
    if connection.in_atomic_block:
        yield
        return
    if connection.vendor == "sqlite":
        # Connecting sets the mode from the settings (IMMEDIATE: the write lock at BEGIN),
        # so connect first; then this one transaction begins DEFERRED and, only reading,
        # never takes the write lock. (WAL lets writers commit while it reads.)
        connection.ensure_connection()
        mode = getattr(connection, _SQLITE_MODE, None)
        setattr(connection, _SQLITE_MODE, "DEFERRED")
        try:
            with transaction.atomic(using=using):
                setattr(connection, _SQLITE_MODE, mode)
                yield
        finally:
            setattr(connection, _SQLITE_MODE, mode)
        return
    with transaction.atomic(using=using), connection.cursor() as cursor:
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        yield


def verify(
    *,
    using: str = DEFAULT_DB_ALIAS,
    chunk: int = CHUNK,
    report: Callable[[Progress], None] | None = None,
) -> Verdict:
    """Walk the whole log and its head; ``report`` hears after each chunk."""
    if chunk < 1:
        raise ValueError("a chunk holds at least one record")
    with _snapshot(using):
        return walk(_links(using, chunk, report), current_head(using), chain_key())


def current_head(using: str = DEFAULT_DB_ALIAS) -> Head | None:
    """The chain's head as stored (None if there is none)."""
    stored = AuditChainHead.objects.using(using).filter(pk=HEAD_ID).first()
    return None if stored is None else Head(stored.last_id, stored.last_hash, stored.seal)
