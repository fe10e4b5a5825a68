"""The PostgreSQL programs as a backup drives them, played by scripts that say what they got.

No server is needed: ``pg_dump``, ``pg_restore`` and ``psql`` are replaced by small shell
scripts, so that what Coxa does when one of them fails is seen on either suite.
"""

import contextlib
import datetime as dt
from types import SimpleNamespace

import pytest

from coxa.core import backup, backup_format, backup_postgres

KEY = bytes(range(32))
SETTINGS = {"NAME": "coxa", "USER": "coxa_owner", "PASSWORD": "pw-never-on-a-line", "HOST": "db"}


@pytest.fixture
def programs(tmp_path, monkeypatch):
    """Install fake programs: ``install(name, body)`` writes the script ``name`` runs."""
    found = {}

    def install(name, body):
        script = tmp_path / name
        script.write_text(f'#!/bin/sh\necho "$@" > {tmp_path}/{name}.args\n{body}\n')
        script.chmod(0o700)
        found[name] = str(script)

    monkeypatch.setattr(backup_postgres, "_program", lambda name: found[name])
    return install


class Cursor:
    """Answers the two reads a backup's header makes."""

    def execute(self, sql):
        self.rows = [("core", "0005_job_runs")] if "django_migrations" in sql else [(3, "ab")]

    def fetchall(self):
        return self.rows

    def fetchone(self):
        return self.rows[0]


def test_a_dump_that_fails_midway_leaves_no_backup(tmp_path, programs, monkeypatch):
    programs("pg_dump", "printf 'half a dump'; echo 'connection lost' >&2; exit 1")

    @contextlib.contextmanager
    def snapshot(connection):
        yield "00000003-1", Cursor()

    monkeypatch.setattr(backup_postgres, "snapshot", snapshot)
    connection = SimpleNamespace(settings_dict=SETTINGS, vendor="postgresql")
    target = tmp_path / "out" / "coxa.coxa-backup"
    target.parent.mkdir()
    now = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)
    with pytest.raises(backup_format.BackupRefusedError, match="pg_dump failed: connection lost"):
        backup._make_postgres(connection, target, KEY, now)
    assert list(target.parent.iterdir()) == []
    args = (tmp_path / "pg_dump.args").read_text()
    assert "--format=custom --snapshot=00000003-1" in args
    assert "pw-never-on-a-line" not in args


def test_the_live_database_is_committed_only_when_the_whole_script_has_run(tmp_path, programs):
    programs("pg_restore", "echo 'CREATE TABLE t (id int);'; echo 'COPY t FROM stdin;'")
    programs("psql", f'cat > {tmp_path}/psql.in; echo "$PGPASSWORD" > {tmp_path}/psql.env')
    connection = SimpleNamespace(settings_dict=SETTINGS)
    backup_postgres.replace_live(connection, tmp_path / "plain")
    ran = (tmp_path / "psql.in").read_text()
    assert ran.index("BEGIN;") < ran.index("DROP TABLE") < ran.index("CREATE TABLE t")
    assert ran.rstrip().endswith("COMMIT;")
    assert "--clean --if-exists --file=-" in (tmp_path / "pg_restore.args").read_text()
    assert "pw-never-on-a-line" not in (tmp_path / "psql.args").read_text()
    assert (tmp_path / "psql.env").read_text().strip() == "pw-never-on-a-line"


def test_a_script_cut_short_is_never_committed(tmp_path, programs):
    programs("pg_restore", "echo 'CREATE TABLE t (id int);'; echo 'damaged' >&2; exit 1")
    programs("psql", f"cat > {tmp_path}/psql.in")
    with pytest.raises(backup_format.BackupRefusedError, match="pg_restore failed, so nothing"):
        backup_postgres.replace_live(SimpleNamespace(settings_dict=SETTINGS), tmp_path / "plain")
    ran = (tmp_path / "psql.in").read_text()
    assert "CREATE TABLE t" in ran
    assert "COMMIT" not in ran  # psql ends with the transaction open: the server rolls back


def test_a_statement_that_fails_rolls_the_restore_back(tmp_path, programs):
    programs("pg_restore", "i=0; while [ $i -lt 20000 ]; do echo 'SELECT 1;'; i=$((i+1)); done")
    programs("psql", "head -c 100 > /dev/null; echo 'ERROR:  must be owner of table t' >&2; exit 3")
    with pytest.raises(backup_format.BackupRefusedError, match=r"rolled back.*must be owner"):
        backup_postgres.replace_live(SimpleNamespace(settings_dict=SETTINGS), tmp_path / "plain")


def test_the_connection_goes_to_the_programs_through_their_environment():
    env = backup_postgres.environment(
        SETTINGS | {"PORT": 5433, "OPTIONS": {"sslmode": "require"}}, "coxa_restore_check"
    )
    assert (env["PGHOST"], env["PGPORT"], env["PGUSER"]) == ("db", "5433", "coxa_owner")
    assert (env["PGPASSWORD"], env["PGDATABASE"]) == ("pw-never-on-a-line", "coxa_restore_check")
    assert env["PGSSLMODE"] == "require"


def test_a_missing_program_is_named(monkeypatch):
    monkeypatch.setattr(backup_postgres.shutil, "which", lambda name, path=None: None)
    with pytest.raises(backup_format.BackupRefusedError, match="pg_dump was not found"):
        backup_postgres._program("pg_dump")


def test_header_reads_refuse_a_database_that_is_not_coxas():
    class Empty:
        def execute(self, sql):
            raise backup.sqlite3.OperationalError("no such table: django_migrations")

    with pytest.raises(backup_format.BackupRefusedError, match="not Coxa's, or not migrated"):
        backup._header("sqlite", Empty(), dt.datetime(2026, 12, 1, tzinfo=dt.UTC), "zlib")
