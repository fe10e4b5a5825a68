"""Verifying the audit chain in the database: every record, each link, and the head.

Records are read in id order in chunks (keyset pages, no OFFSET), as plain values rather
than model objects, inside one read-only snapshot (PostgreSQL: REPEATABLE READ; SQLite: a
deferred read transaction), so that records appended while the walk runs neither show as
beyond the head nor block it. The judgement itself is ``coxa.core.audit_chain.walk``.
"""

import contextlib
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from django.db import DEFAULT_DB_ALIAS, connections, transaction

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


@dataclass(frozen=True, slots=True)
class Progress:
    """How far a walk has got: records read and seconds since it began."""

    records: int
    seconds: float

    @property
    def rate(self) -> float:
        return self.records / self.seconds if self.seconds > 0 else 0.0


def _links(using: str, chunk: int, report: Callable[[Progress], None] | None) -> Iterator[Link]:
    started = time.perf_counter()
    last_id, read = 0, 0
    while True:
        rows = list(
            AuditEvent.objects.using(using)
            .filter(id__gt=last_id)
            .order_by("id")
            .values_list(*COLUMNS)[:chunk]
        )
        if not rows:
            return
        for row in rows:
            yield Link(
                id=row[0],
                fields=Fields(*row[1:13]),
                prev_hash=row[13],
                row_hash=row[14],
            )
        last_id = rows[-1][0]
        read += len(rows)
        if report is not None:
            report(Progress(read, time.perf_counter() - started))


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
