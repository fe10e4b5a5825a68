"""Backups: made encrypted, and pruned after a while (ADR 0029); restoring is ``core.restore``.

``make`` copies the database as of one moment (SQLite's online backup API; ``pg_dump`` in a
snapshot) and writes it encrypted (``backup_format``) to ``COXA_VAR_DIR/backups``, mode
0600, by an atomic rename; the header names the migrations and the audit chain's head of
that moment. Plaintext lives only in temporary files (mode 0600, removed in ``finally``;
``sweep`` removes what a killed process left). Each backup is recorded in the audit.
"""

import contextlib
import datetime as dt
import os
import re
import signal
import sqlite3
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from types import FrameType
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from django.db.backends.base.base import BaseDatabaseWrapper

from coxa.core import audit, backup_format, backup_postgres, backup_sqlite, clock
from coxa.core.backup_format import BackupRefusedError, Header
from coxa.core.files import atomic_write

EXTENSION = ".coxa-backup"
_NAMED = re.compile(r"coxa-(\d{8}T\d{6})Z" + re.escape(EXTENSION))
_TEMPORARY = ".coxa-"  # temporary files: ".coxa-plain-*" and atomic_write's ".coxa-*.coxa-backup.*"
STALE_AFTER = dt.timedelta(days=1)  # a temporary file this old was left by a killed process
FILE_MODE, FOLDER_MODE = 0o600, 0o700


@dataclass(frozen=True)
class Made:
    path: Path
    size: int
    header: Header
    pruned: tuple[Path, ...]


def key() -> bytes:
    """The backup key, or a refusal naming the setting."""
    found: bytes | None = settings.BACKUP_KEY
    if found is None:
        raise BackupRefusedError(
            "COXA_BACKUP_KEY is not set: backups are never made or read in clear. Make a key "
            "with `coxa backup --new-key` and keep it apart from the backups"
        )
    return found


@contextlib.contextmanager
def interruptible() -> Iterator[None]:
    """Let SIGTERM end the work through ``finally`` blocks, so temporary files go too."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(number: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt(f"stopped by signal {number}")

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@contextlib.contextmanager
def plaintext(folder: Path) -> Iterator[Path]:
    """A temporary file (0600) for plaintext, removed (with SQLite's companions) come what may."""
    descriptor, name = tempfile.mkstemp(prefix=f"{_TEMPORARY}plain-", suffix=".tmp", dir=folder)
    os.close(descriptor)
    path = Path(name)
    try:
        yield path
    finally:
        for leftover in (path, *(Path(f"{path}{end}") for end in ("-journal", "-wal", "-shm"))):
            leftover.unlink(missing_ok=True)


def sweep(folder: Path, now: dt.datetime) -> None:
    """Remove temporary files a killed backup or restore left (``finally`` never ran)."""
    left = [*folder.glob(f"{_TEMPORARY}plain-*"), *folder.glob(f"{_TEMPORARY}*{EXTENSION}.*")]
    for path in left:
        with contextlib.suppress(OSError):
            moment = dt.datetime.fromtimestamp(path.stat().st_mtime, tz=dt.UTC)
            if now - moment > STALE_AFTER:
                path.unlink()


def prune(folder: Path, keep_days: int, now: dt.datetime) -> tuple[Path, ...]:
    """Remove the backups in ``folder`` named as made more than ``keep_days`` ago."""
    cutoff = now - dt.timedelta(days=keep_days)
    removed = []
    for path in sorted(folder.glob(f"coxa-*{EXTENSION}")):
        named = _NAMED.fullmatch(path.name)
        if named is None:
            continue  # not named by `coxa backup`: someone else's file
        made = dt.datetime.strptime(named[1], "%Y%m%dT%H%M%S").replace(tzinfo=dt.UTC)
        if made < cutoff:
            path.unlink(missing_ok=True)
            removed.append(path)
    sweep(folder, now)
    return tuple(removed)


def _version() -> str:
    try:
        return version("coxa")
    except PackageNotFoundError:
        return "unknown"


def _header(vendor: str, cursor: Any, now: dt.datetime, compression: str) -> Header:
    """The header of a backup of the database ``cursor`` reads (DB-API, no parameters)."""
    try:
        cursor.execute("SELECT app, name FROM django_migrations ORDER BY id")
        latest = {str(app): str(name) for app, name in cursor.fetchall()}
        cursor.execute("SELECT last_id, last_hash FROM core_auditchainhead WHERE id = 1")
        head = cursor.fetchone()
    except (DatabaseError, sqlite3.DatabaseError) as error:
        raise BackupRefusedError(f"the database is not Coxa's, or not migrated: {error}") from None
    return Header(
        vendor=vendor,
        coxa_version=_version(),
        created_at=now,
        migrations=latest,
        audit_last_id=0 if head is None else int(head[0]),
        audit_last_hash="" if head is None else str(head[1]),
        compression=compression,
    )


def make(*, output: Path | None = None, keep_days: int | None = None) -> Made:
    """Make a backup (to ``output``, else the backups folder); prune the folder."""
    secret = key()
    now = clock.now().astimezone(dt.UTC)
    folder = Path(settings.BACKUP_DIR)
    target = output or folder / f"coxa-{now:%Y%m%dT%H%M%S}Z{EXTENSION}"
    # The backups folder is made in any case: SQLite's plaintext copy is made there (private,
    # local), never beside an --output on another disk, where a killed run could leave it.
    folder.mkdir(mode=FOLDER_MODE, parents=True, exist_ok=True)
    if target.exists():
        raise BackupRefusedError(f"{target} already exists: a backup never overwrites a file")
    if not target.parent.is_dir():
        raise BackupRefusedError(f"--output: the folder {target.parent} does not exist")
    connection = connections[DEFAULT_DB_ALIAS]
    if connection.vendor == "sqlite":
        header = _make_sqlite(connection, target, secret, now, folder)
    else:
        header = _make_postgres(connection, target, secret, now)
    pruned: tuple[Path, ...] = ()
    if output is None or keep_days is not None:
        pruned = prune(folder, keep_days or settings.BACKUP_KEEP_DAYS, now)
    made = Made(target, target.stat().st_size, header, pruned)
    with audit.atomic():
        audit.record(
            actor=None,
            action="backup.make",
            object_type="backup",
            object_id=target.name[:64],
            summary=f"Backup {target.name}",
            via=audit.Via.CLI,
            details={
                "bytes": made.size,
                "vendor": header.vendor,
                "audit_last_id": header.audit_last_id,
                "pruned": len(pruned),
            },
        )
    return made


def _make_sqlite(
    connection: BaseDatabaseWrapper, target: Path, secret: bytes, now: dt.datetime, private: Path
) -> Header:
    with plaintext(private) as plain:
        backup_sqlite.copy_out(connection, plain)
        with contextlib.closing(sqlite3.connect(plain)) as copy:
            header = _header("sqlite", copy.cursor(), now, "zlib")
        with open(plain, "rb") as source, atomic_write(target, permissions=FILE_MODE) as out:
            backup_format.write(out, source, header, secret)
    return header


def _make_postgres(
    connection: BaseDatabaseWrapper, target: Path, secret: bytes, now: dt.datetime
) -> Header:
    with backup_postgres.snapshot(connection) as (snapshot, cursor):
        header = _header("postgresql", cursor, now, "none")
        # The dump is checked (and refused) before the file takes its name.
        with (
            atomic_write(target, permissions=FILE_MODE) as out,
            backup_postgres.dump(connection, snapshot) as stream,
        ):
            backup_format.write(out, stream, header, secret)
    return header
