"""SQLite's side of backups: a consistent copy, a check, and an atomic swap (ADR 0029).

A live SQLite file is never copied as a file: a copy taken while a write is under way, or
without its ``-wal`` file, can be torn. The online backup API copies every page under one
read lock, so the copy is the database as of one moment, while Coxa goes on writing (WAL).
A restore puts a verified file in the live one's place with one rename, once no other
process has the live database open.
"""

import os
import sqlite3
from contextlib import closing, suppress
from pathlib import Path

from django.db.backends.base.base import BaseDatabaseWrapper

from coxa.core.backup_format import BackupRefusedError

IN_USE = (
    "the live database is in use by another process: stop Coxa's web processes, worker and "
    "scheduler, then restore"
)


def live_path(connection: BaseDatabaseWrapper) -> Path:
    """The live database's file; an in-memory database has none to replace."""
    name = str(connection.settings_dict["NAME"])
    if name in ("", ":memory:") or "mode=memory" in name:
        raise BackupRefusedError("the database is in memory: there is no file to restore into")
    return Path(name)


def copy_out(connection: BaseDatabaseWrapper, into: Path) -> None:
    """Copy the live database, as of one moment, into the empty file ``into``."""
    connection.ensure_connection()
    with closing(sqlite3.connect(into)) as target:
        connection.connection.backup(target)  # every page in one step: one read lock


def check(path: Path) -> None:
    """Refuse a file that is not a whole SQLite database; leave it in rollback-journal mode.

    Its journal mode is stored in the file; in rollback mode it brings no ``-wal`` of its
    own into the live one's place (Coxa turns WAL on again when it connects).
    """
    try:
        with closing(sqlite3.connect(path, isolation_level=None)) as db:
            (result,) = db.execute("PRAGMA quick_check").fetchone()
            db.execute("PRAGMA journal_mode=DELETE")
    except sqlite3.DatabaseError as error:
        raise BackupRefusedError(f"the database in it cannot be read: {error}") from None
    if result != "ok":
        raise BackupRefusedError(f"the database in it is damaged: {result}")


def _hold(live: Path) -> sqlite3.Connection | None:
    """Hold the live database alone, or refuse: None if it is not a database at all.

    Leaving WAL mode needs the only connection; it writes back and removes ``-wal``. Then an
    exclusive lock keeps any process that connects now waiting until the swap is done.
    """
    held = sqlite3.connect(live, timeout=5, isolation_level=None)
    try:
        (mode,) = held.execute("PRAGMA journal_mode=DELETE").fetchone()
        if str(mode).lower() != "delete":
            raise BackupRefusedError(IN_USE)
        held.execute("BEGIN EXCLUSIVE")
    except sqlite3.OperationalError as error:
        held.close()
        if "locked" in str(error) or "busy" in str(error):
            raise BackupRefusedError(IN_USE) from None
        raise BackupRefusedError(f"the live database cannot be read: {error}") from None
    except sqlite3.DatabaseError:
        held.close()  # not a database (a damaged file): nothing of it to keep
        return None
    except BaseException:
        held.close()
        raise
    return held


def _like(path: Path, live: Path) -> None:
    """Give ``path`` the live file's permissions, and its owner where allowed (root)."""
    status = live.stat()
    os.chmod(path, status.st_mode & 0o777)
    with suppress(PermissionError):
        os.chown(path, status.st_uid, status.st_gid)


def swap(verified: Path, live: Path) -> None:
    """Put ``verified`` (in ``live``'s folder) in ``live``'s place with one atomic rename."""
    if not live.exists():
        os.replace(verified, live)
        _sync(live.parent)
        return
    held = _hold(live)
    try:
        _like(verified, live)
        for stale in (Path(f"{live}-wal"), Path(f"{live}-shm"), Path(f"{live}-journal")):
            if held is None:  # a damaged file's leftovers would be read into the new one
                stale.unlink(missing_ok=True)
        os.replace(verified, live)
        _sync(live.parent)
    finally:
        if held is not None:
            held.close()


def _sync(folder: Path) -> None:
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        with suppress(OSError):
            os.fsync(descriptor)
    finally:
        os.close(descriptor)
