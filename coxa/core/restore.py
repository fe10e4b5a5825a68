"""Restoring a backup: only once it has verified in a scratch copy, audit chain and all.

``restore`` refuses a file that does not verify under the key (``backup_format``), is of
another database or needs migrations this code does not know; asks before replacing a
database that holds data; restores into a scratch copy (SQLite: the decrypted file itself;
PostgreSQL: the database ``<name>_restore_check``) and verifies the audit chain there
(``audit_verify``); and only then replaces the live database (SQLite: one rename;
PostgreSQL: one transaction). The restore is recorded in the restored database, after it.
"""

import contextlib
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.migrations.loader import MigrationLoader
from django.db.utils import load_backend

from coxa.core import audit, backup_format, backup_postgres, backup_sqlite, clock, versions
from coxa.core.audit_verify import current_head, verify
from coxa.core.backup import FOLDER_MODE, key, plaintext, sweep
from coxa.core.backup_format import BackupRefusedError, Header
from coxa.core.models import AuditEvent

SCRATCH_ALIAS = "coxa_restore_check"


@dataclass(frozen=True)
class Restored:
    header: Header
    verified: int  # audit records verified in the scratch copy
    replaced: bool  # False for --check
    behind: tuple[str, ...]  # migrations this code has that the backup lacks: run migrate
    unrecorded: str | None  # why the restore could not be recorded, if it could not


def _migrations(header: Header) -> tuple[str, ...]:
    """Refuse migrations this code does not know; name those the backup lacks."""
    loader = MigrationLoader(None, ignore_no_migrations=True)
    unknown = sorted(
        f"{app}.{name}"
        for app, name in header.migrations.items()
        if (app, name) not in loader.disk_migrations
    )
    if unknown:
        raise BackupRefusedError(
            f"it was made by a newer Coxa: this code does not know the migrations "
            f"{', '.join(unknown)}; restore it with the release that made it "
            f"(Coxa {header.coxa_version})"
        )
    leaves = dict(loader.graph.leaf_nodes())
    return tuple(
        sorted(
            f"{app}.{leaf}" for app, leaf in leaves.items() if header.migrations.get(app) != leaf
        )
    )


def _held(connection: BaseDatabaseWrapper) -> str | None:
    """What the live database holds, in words; None if it is empty or missing."""
    if connection.vendor == "sqlite":
        name = str(connection.settings_dict["NAME"])
        if "memory" not in name and not Path(name).exists():
            return None
    counted = []
    try:
        tables = set(connection.introspection.table_names())
        with connection.cursor() as cursor:
            for model, what in ((AuditEvent, "audit records"), (get_user_model(), "accounts")):
                table = model._meta.db_table
                if table in tables:
                    cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")  # noqa: S608
                    (count,) = cursor.fetchone()
                    if count:
                        counted.append(f"{count:,} {what}")
    except DatabaseError as error:
        return f"something that cannot be read ({error})"
    return " and ".join(counted) or None


@contextlib.contextmanager
def _scratch(connection: BaseDatabaseWrapper, **changes: Any) -> Iterator[str]:
    """A connection alias to a scratch database like the live one (``changes`` apart).

    Made at run time and not listed in DATABASES: nothing routes there but what names it.
    """
    settings_dict = {**connection.settings_dict, **changes}
    connections[SCRATCH_ALIAS] = load_backend(settings_dict["ENGINE"]).DatabaseWrapper(
        settings_dict, SCRATCH_ALIAS
    )
    try:
        yield SCRATCH_ALIAS
    finally:
        connections[SCRATCH_ALIAS].close()
        del connections[SCRATCH_ALIAS]


def _verify_scratch(alias: str, header: Header) -> int:
    verdict = verify(using=alias)
    if verdict.broken is not None:
        raise BackupRefusedError(
            f"the audit chain in it does not verify, so its records may have been altered: "
            f"{verdict.broken.describe()} ({verdict.verified} records before it verified). "
            "If COXA_AUDIT_KEY changed since the backup was made, set it to the key the chain "
            "was made with"
        )
    head = current_head(alias)
    if (head.last_id if head else 0) != header.audit_last_id:
        raise BackupRefusedError("its header and its database disagree about the audit's end")
    return verdict.verified


def _check_sqlite(connection: BaseDatabaseWrapper, plain: Path, header: Header) -> int:
    backup_sqlite.check(plain)
    options = dict(connection.settings_dict.get("OPTIONS") or {})
    options.pop("init_command", None)  # read as it is: not switched to WAL
    with _scratch(connection, NAME=str(plain), OPTIONS=options) as alias:
        return _verify_scratch(alias, header)


def _check_postgres(connection: BaseDatabaseWrapper, plain: Path, header: Header) -> int:
    name = backup_postgres.scratch_name(connection)
    try:
        backup_postgres.load_scratch(connection, name, plain)
        with _scratch(connection, NAME=name) as alias:
            return _verify_scratch(alias, header)
    finally:
        backup_postgres.drop_scratch(connection, name)


def _scratch_folder(connection: BaseDatabaseWrapper) -> Path:
    """Where plaintext goes: beside a SQLite file (the rename stays on its file system)."""
    if connection.vendor == "sqlite":
        with contextlib.suppress(BackupRefusedError):
            return backup_sqlite.live_path(connection).resolve().parent
    folder = Path(settings.BACKUP_DIR)
    folder.mkdir(mode=FOLDER_MODE, parents=True, exist_ok=True)
    return folder


def _confirmed(connection: BaseDatabaseWrapper, question: str, ask: Callable[[str], bool]) -> None:
    held = _held(connection)
    if held is not None and not ask(f"The live database holds {held}. {question}"):
        raise BackupRefusedError(
            f"the live database holds {held}, and replacing it was not confirmed "
            "(pass --yes to replace it)"
        )


def restore(path: Path, *, confirm: Callable[[str], bool], check_only: bool = False) -> Restored:
    """Verify the backup at ``path`` in a scratch copy, then (unless ``check_only``) restore it."""
    secret = key()
    connection = connections[DEFAULT_DB_ALIAS]
    try:
        source = path.open("rb")
    except OSError as error:
        raise BackupRefusedError(f"it cannot be read: {error.strerror}") from None
    with source:
        sealed = backup_format.read_header(source, secret)
        header = sealed.header
        if header.vendor != connection.vendor:
            raise BackupRefusedError(
                f"it is a backup of a {header.vendor} database; this Coxa runs on "
                f"{connection.vendor}"
            )
        behind = _migrations(header)
        made = f"{header.created_at:%Y-%m-%d %H:%M:%S} UTC"
        if not check_only:
            _confirmed(connection, f"Replace it with the backup made {made}?", confirm)
        folder = _scratch_folder(connection)
        sweep(folder, clock.now())
        with plaintext(folder) as plain:
            with plain.open("wb") as out:
                backup_format.decrypt(sealed, source, out)
                out.flush()
                os.fsync(out.fileno())  # on disk before it can take the live one's name
            check = _check_sqlite if connection.vendor == "sqlite" else _check_postgres
            verified = check(connection, plain, header)
            if check_only:
                return Restored(header, verified, False, behind, None)
            replaced = _head_of_live()
            _replace(connection, plain)
    return Restored(header, verified, True, behind, _record_restore(path, header, replaced))


def _head_of_live() -> dict[str, Any]:
    with contextlib.suppress(DatabaseError):
        head = current_head()
        if head is not None:
            return {
                "replaced_audit_last_id": head.last_id,
                "replaced_audit_last_hash": head.last_hash,
            }
    return {}


def _replace(connection: BaseDatabaseWrapper, plain: Path) -> None:
    replaced_version = 0
    with contextlib.suppress(DatabaseError):
        replaced_version = versions.data_version()
    connections.close_all()  # nothing of Coxa's holds the live database, or plans for it
    if connection.vendor == "sqlite":
        backup_sqlite.swap(plain, backup_sqlite.live_path(connection))
    else:
        backup_postgres.replace_live(connection, plain)
    connections.close_all()
    # The restored data's version would count again from the backup's, under numbers results
    # were cached with over other data: it goes on from the replaced one's instead, and the
    # cache is emptied too (a worker still running may have cached under either) (H84).
    with contextlib.suppress(DatabaseError):
        versions.continue_from(replaced_version)
    cache.clear()


def _record_restore(path: Path, header: Header, replaced: dict[str, Any]) -> str | None:
    """Record the restore in the restored database; why not, if it could not be."""
    try:
        with audit.atomic():
            audit.record(
                actor=None,
                action="backup.restore",
                object_type="backup",
                object_id=path.name[:64],
                summary=f"Restored the database from {path.name}",
                via=audit.Via.CLI,
                details={
                    "made_at": header.created_at.isoformat(),
                    "coxa_version": header.coxa_version,
                    "restored_audit_last_id": header.audit_last_id,
                    **replaced,
                },
            )
    except (DatabaseError, audit.AuditChainBrokenError) as error:
        return str(error)
    return None
