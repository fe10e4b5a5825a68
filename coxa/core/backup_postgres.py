"""PostgreSQL's side of backups: pg_dump and pg_restore, driven from Django's settings.

The connection is Django's (``DATABASES``), handed to the programs through libpq's
environment (``PGHOST``, ``PGUSER``, ``PGPASSWORD``...), never on a command line where any
user of the machine could read it. ``pg_dump --format=custom`` shares the snapshot of a
transaction Coxa holds open, so the migrations and the audit head named in the backup's
header are those of the dump itself. A restore loads a scratch database first; the live one
is replaced in one transaction that Coxa commits only once the whole script has run, so a
failure anywhere leaves the old data (ADR 0029).
"""

import contextlib
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from django.db import DatabaseError, transaction
from django.db.backends.base.base import BaseDatabaseWrapper

from coxa.core.backup_format import CHUNK_BYTES, BackupRefusedError

_SAID = 2000  # characters of a program's complaint worth showing
_OPTIONS = {
    "sslmode": "PGSSLMODE",
    "sslrootcert": "PGSSLROOTCERT",
    "sslcert": "PGSSLCERT",
    "sslkey": "PGSSLKEY",
    "connect_timeout": "PGCONNECT_TIMEOUT",
}
# Run by psql before pg_restore's script, in the transaction: every table of the schema goes
# (the script's own --clean misses tables that only the live database has, from a later
# migration); a Coxa still running makes the drop wait, and after 30 s fail, changing nothing.
_PROLOGUE = b"""SET client_min_messages = warning;
SET lock_timeout = '30s';
BEGIN;
DO $$ DECLARE found record; BEGIN
  FOR found IN SELECT tablename FROM pg_tables WHERE schemaname = current_schema() LOOP
    EXECUTE format('DROP TABLE IF EXISTS %I CASCADE', found.tablename);
  END LOOP;
END $$;
"""


def _program(name: str) -> str:
    found = shutil.which(name) or shutil.which(name, path="/usr/bin")  # Debian's, off PATH
    if found is None:
        raise BackupRefusedError(
            f"{name} was not found: install PostgreSQL's client programs "
            "(Debian: postgresql-client), of the server's major version or later"
        )
    return found


def environment(settings_dict: dict[str, Any], database: str | None = None) -> dict[str, str]:
    """The libpq variables of Django's connection (to ``database`` instead, if given)."""
    env = dict(os.environ)
    values = {
        "PGHOST": settings_dict.get("HOST"),
        "PGPORT": settings_dict.get("PORT"),
        "PGUSER": settings_dict.get("USER"),
        "PGPASSWORD": settings_dict.get("PASSWORD"),
        "PGDATABASE": database or settings_dict.get("NAME"),
        "PGAPPNAME": "coxa-backup",
    }
    options = settings_dict.get("OPTIONS") or {}
    values.update({variable: options.get(option) for option, variable in _OPTIONS.items()})
    env.update({name: str(value) for name, value in values.items() if value})
    return env


def _said(errors: IO[bytes]) -> str:
    errors.seek(0)
    text = errors.read().decode("utf-8", "replace").strip()
    return text[-_SAID:] or "no message"


@contextlib.contextmanager
def snapshot(connection: BaseDatabaseWrapper) -> Iterator[tuple[str, Any]]:
    """A read-only REPEATABLE READ transaction, its snapshot's name and a cursor in it."""
    if connection.in_atomic_block:
        raise RuntimeError("a backup takes its own transaction")
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        cursor.execute("SELECT pg_export_snapshot()")
        (name,) = cursor.fetchone()
        yield str(name), cursor


@contextlib.contextmanager
def dump(connection: BaseDatabaseWrapper, snapshot_name: str) -> Iterator[IO[bytes]]:
    """pg_dump's custom-format output, as of the snapshot; refused unless it ends well."""
    with tempfile.TemporaryFile() as errors:
        process = subprocess.Popen(  # noqa: S603 (a fixed program; values are not parsed)
            [
                _program("pg_dump"),
                "--format=custom",
                f"--snapshot={snapshot_name}",
                "--no-password",
            ],
            stdout=subprocess.PIPE,
            stderr=errors,
            env=environment(connection.settings_dict),
        )
        try:
            assert process.stdout is not None  # noqa: S101 (stdout=PIPE)
            yield process.stdout
            if process.wait() != 0:
                raise BackupRefusedError(f"pg_dump failed: {_said(errors)}")
        finally:
            if process.poll() is None:
                process.kill()
            process.wait()
            if process.stdout is not None:
                process.stdout.close()


def _run(command: list[str], env: dict[str, str], what: str) -> None:
    with tempfile.TemporaryFile() as errors:
        done = subprocess.run(  # noqa: S603 (a fixed program; values are not parsed)
            command, stdout=subprocess.DEVNULL, stderr=errors, env=env, check=False
        )
        if done.returncode != 0:
            raise BackupRefusedError(f"{what} failed: {_said(errors)}")


def scratch_name(connection: BaseDatabaseWrapper) -> str:
    return f"{connection.settings_dict['NAME']}_restore_check"


def drop_scratch(connection: BaseDatabaseWrapper, name: str) -> None:
    quoted = connection.ops.quote_name(name)
    with connection.cursor() as cursor:
        cursor.execute(f"DROP DATABASE IF EXISTS {quoted} WITH (FORCE)")


def load_scratch(connection: BaseDatabaseWrapper, name: str, plain: Path) -> None:
    """Make the scratch database afresh and restore the dump into it."""
    try:
        drop_scratch(connection, name)  # one a crashed restore left
        with connection.cursor() as cursor:
            cursor.execute(f"CREATE DATABASE {connection.ops.quote_name(name)}")
    except DatabaseError as error:
        raise BackupRefusedError(
            f"the scratch database {name} cannot be made ({error}): restore as the role "
            "that owns Coxa's database, with the right to create databases"
        ) from None
    command = [_program("pg_restore"), "--no-owner", "--no-acl", "--single-transaction"]
    _run(
        [*command, "--no-password", f"--dbname={name}", str(plain)],
        environment(connection.settings_dict, name),
        "pg_restore into the scratch database",
    )


def replace_live(connection: BaseDatabaseWrapper, plain: Path) -> None:
    """Replace the live database's tables with the dump's, in one transaction.

    pg_restore writes the restore as SQL, which psql runs after the prologue; COMMIT is sent
    only once pg_restore has written all of it, so a failure of either rolls everything back.
    """
    env = environment(connection.settings_dict)
    with tempfile.TemporaryFile() as script_errors, tempfile.TemporaryFile() as psql_errors:
        script = subprocess.Popen(  # noqa: S603
            [_program("pg_restore"), "--clean", "--if-exists", "--file=-", str(plain)],
            stdout=subprocess.PIPE,
            stderr=script_errors,
            env=env,
        )
        psql = subprocess.Popen(  # noqa: S603
            [_program("psql"), "--no-psqlrc", "--quiet", "--no-password", "--set=ON_ERROR_STOP=1"],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=psql_errors,
            env=env,
        )
        committed = _pump(script, psql)
        if script.returncode != 0:
            raise BackupRefusedError(
                f"pg_restore failed, so nothing was changed: {_said(script_errors)}"
            )
        if psql.returncode != 0 or not committed:
            raise BackupRefusedError(
                f"the restore failed and was rolled back, so nothing was changed: "
                f"{_said(psql_errors)}"
            )


def _pump(script: subprocess.Popen[bytes], psql: subprocess.Popen[bytes]) -> bool:
    """Feed the prologue and pg_restore's script to psql; COMMIT if the script is whole."""
    assert script.stdout is not None  # noqa: S101 (stdout=PIPE)
    assert psql.stdin is not None  # noqa: S101 (stdin=PIPE)
    committed = False
    try:
        psql.stdin.write(_PROLOGUE)
        shutil.copyfileobj(script.stdout, psql.stdin, CHUNK_BYTES)
        if script.wait() == 0:
            psql.stdin.write(b"COMMIT;\n")
            committed = True
    except BrokenPipeError:
        pass  # psql stopped at an error (ON_ERROR_STOP): the transaction is rolled back
    finally:
        with contextlib.suppress(BrokenPipeError):
            psql.stdin.close()
        script.stdout.close()  # a pg_restore still writing stops
        for process in (script, psql):
            process.wait()
    return committed
