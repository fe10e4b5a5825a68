"""`coxa backup` and `coxa restore`: every row back exactly, or nothing changed (ADR 0029).

These run on the suite's database, SQLite or PostgreSQL alike: on SQLite the database is
first copied into a file (``tests.backups.in_a_file``), since a restore replaces a file.
"""

import contextlib
import dataclasses
import datetime as dt
import io
import os
import shutil
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.db.migrations.recorder import MigrationRecorder

from coxa import cli
from coxa.core import audit, audit_labels, backup, backup_format, backup_postgres, backup_sqlite
from coxa.core.audit_verify import verify
from coxa.core.models import AuditChainHead, AuditEvent, JobRun
from coxa.core.versions import data_version
from tests import backups

KEY = bytes(range(32))


@pytest.fixture
def keyed(settings, tmp_path):
    settings.BACKUP_KEY = KEY
    settings.BACKUP_DIR = tmp_path / "backups"
    return settings.BACKUP_DIR


@pytest.fixture
def live(transactional_db, keyed, tmp_path):
    """The live database, filled; afterwards, no plaintext and no scratch database is left."""
    folder = tmp_path / "live"
    folder.mkdir()
    with backups.in_a_file(folder / "coxa.sqlite3"):
        backups.fill()
        yield folder
        assert [p.name for p in folder.iterdir() if p.name.startswith(".coxa-")] == []
        if keyed.exists():
            assert [p.name for p in keyed.iterdir() if not p.name.startswith("coxa-")] == []
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT datname FROM pg_database WHERE datname = %s",
                    [backup_postgres.scratch_name(connection)],
                )
                assert cursor.fetchall() == []


def make_backup(*arguments):
    out = io.StringIO()
    call_command("backup", *arguments, stdout=out)
    return out.getvalue()


def restore(*arguments):
    out = io.StringIO()
    call_command("restore", *map(str, arguments), stdout=out)
    return out.getvalue()


def only_backup(folder):
    (found,) = folder.glob("coxa-*.coxa-backup")
    return found


def opened(path, key=KEY):
    """The backup's header and its plaintext (a SQLite file, or pg_dump's custom format)."""
    with path.open("rb") as source:
        sealed = backup_format.read_header(source, key)
        plain = io.BytesIO()
        backup_format.decrypt(sealed, source, plain)
    return sealed.header, plain.getvalue()


def reseal(path, target, **changes):
    """The backup sealed again, under the same key, with its header changed."""
    header, plain = opened(path)
    with target.open("wb") as out:
        backup_format.write(out, io.BytesIO(plain), dataclasses.replace(header, **changes), KEY)
    return target


def without_audit(tables):
    # The data's version is moved by the restore's own record, as the audit is.
    audit_tables = (AuditEvent._meta.db_table, AuditChainHead._meta.db_table, "core_dataversion")
    return {name: found for name, found in tables.items() if name not in audit_tables}


def test_a_backup_restored_gives_back_every_row_of_every_table(live, keyed):
    before = backups.rows()
    (job,) = before[JobRun._meta.db_table]
    assert backups.PRECISE.microsecond in [getattr(v, "microsecond", None) for v in job]
    assert len(before) > 40
    assert sum(map(len, before.values())) > 500
    make_backup()
    backups.change()
    assert without_audit(backups.rows()) != without_audit(before)

    cache.set("figures-of-the-replaced-data", "stale")
    replaced_version = data_version()
    said = restore(only_backup(keyed), "--yes")

    assert "verified before it replaced the live database" in said
    assert cache.get("figures-of-the-replaced-data") is None  # never served again (H84)
    assert data_version() > replaced_version  # no number names two states of the records
    after = backups.rows()
    assert without_audit(after) == without_audit(before)
    events = AuditEvent._meta.db_table
    assert after[events][:-1] == before[events]  # then the restore's own record, after it
    last = AuditEvent.objects.order_by("-id").first()
    assert (last.action, last.via, last.actor_id) == ("backup.restore", "cli", None)
    assert last.details["restored_audit_last_id"] == before[events][-1][0]
    assert verify().ok


def test_a_backup_is_private_and_holds_neither_patient_data_nor_the_key(live, keyed):
    said = make_backup()
    path = only_backup(keyed)
    assert str(path) in said
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(keyed.stat().st_mode) == 0o700
    data = path.read_bytes()
    assert backups.FAMILY_NAME.encode() not in data
    assert KEY not in data
    assert backup_format.new_key()[:10].encode() not in data
    header, plain = opened(path)
    assert header.vendor == connection.vendor
    assert backups.FAMILY_NAME.encode() in readable(plain)  # so the check above can fail


def readable(plain):
    """The plaintext as text a person could read: SQLite pages, or pg_dump's data as SQL."""
    if connection.vendor == "sqlite":
        return plain
    return subprocess.run(
        [shutil.which("pg_restore"), "--data-only", "--file=-"],
        input=plain,
        capture_output=True,
        check=True,
    ).stdout


def test_a_backup_is_recorded_once_it_is_made(live, keyed):
    make_backup()
    header, _ = opened(only_backup(keyed))
    last = AuditEvent.objects.order_by("-id").first()
    assert (last.action, last.via, last.actor_id, last.actor_role) == (
        "backup.make",
        "cli",
        None,
        "system",
    )
    assert header.audit_last_id == last.id - 1
    latest = MigrationRecorder.Migration.objects.filter(app="core").order_by("-id").first()
    assert header.migrations["core"] == latest.name


def _wrong_key(path, tmp_path, settings):
    settings.BACKUP_KEY = bytes(32)
    return path, "COXA_BACKUP_KEY does not open it"


def _flipped_byte(path, tmp_path, settings):
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x20
    (altered := tmp_path / "altered.coxa-backup").write_bytes(bytes(data))
    return altered, "it was altered in part"


def _truncated(path, tmp_path, settings):
    (cut := tmp_path / "cut.coxa-backup").write_bytes(path.read_bytes()[:-100])
    return cut, "cut short"


def _other_vendor(path, tmp_path, settings):
    other = "postgresql" if connection.vendor == "sqlite" else "sqlite"
    target = reseal(path, tmp_path / "other.coxa-backup", vendor=other)
    return target, f"a backup of a {other} database; this Coxa runs on {connection.vendor}"


def _newer_migration(path, tmp_path, settings):
    header, _ = opened(path)
    later = header.migrations | {"core": "0099_from_a_later_release"}
    target = reseal(path, tmp_path / "later.coxa-backup", migrations=later)
    return target, "does not know the migrations core.0099_from_a_later_release"


def _no_key(path, tmp_path, settings):
    settings.BACKUP_KEY = None
    return path, "COXA_BACKUP_KEY is not set"


@pytest.mark.parametrize(
    "spoil", [_wrong_key, _flipped_byte, _truncated, _other_vendor, _newer_migration, _no_key]
)
def test_a_backup_that_is_not_right_is_refused_and_nothing_changes(
    live, keyed, tmp_path, settings, spoil
):
    make_backup()
    path, reason = spoil(only_backup(keyed), tmp_path, settings)
    before = backups.rows()
    with pytest.raises(CommandError, match="was not restored: ") as refused:
        restore(path, "--yes")
    assert reason in str(refused.value)
    assert str(refused.value).endswith("The live database was not changed.")
    assert backups.rows() == before


def _alter_an_audit_record():
    """As someone with the database would: past the triggers, one record's summary changed."""
    first = AuditEvent.objects.order_by("id").values_list("id", flat=True).first()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE core_auditevent DISABLE TRIGGER USER")
            cursor.execute("UPDATE core_auditevent SET summary = 'nothing' WHERE id = %s", [first])
            cursor.execute("ALTER TABLE core_auditevent ENABLE TRIGGER USER")
            return first
        cursor.execute("SELECT sql FROM sqlite_master WHERE name = 'core_auditevent_no_update'")
        (trigger,) = cursor.fetchone()
        cursor.execute("DROP TRIGGER core_auditevent_no_update")
        cursor.execute("UPDATE core_auditevent SET summary = 'nothing' WHERE id = %s", [first])
        cursor.execute(trigger)
    return first


def test_a_backup_whose_audit_records_were_altered_is_refused_before_the_live_one_is_touched(
    live, keyed
):
    altered = _alter_an_audit_record()
    make_backup()
    before = backups.rows()
    with pytest.raises(CommandError, match="the audit chain in it does not verify") as refused:
        restore(only_backup(keyed), "--yes")
    assert f"audit record {altered} " in str(refused.value)
    assert backups.rows() == before


def test_a_database_that_holds_data_is_replaced_only_when_confirmed(live, keyed):
    make_backup()
    before = backups.rows()
    with pytest.raises(CommandError, match=r"audit records .* not confirmed \(pass --yes"):
        restore(only_backup(keyed))  # the suite's stdin is not a terminal: no one to ask
    assert backups.rows() == before


def test_check_verifies_a_backup_in_a_scratch_copy_and_changes_nothing(live, keyed):
    make_backup()
    backups.change()
    before = backups.rows()
    said = restore(only_backup(keyed), "--check")
    assert "its audit chain of" in said
    assert "Nothing was changed" in said
    assert backups.rows() == before


def test_without_a_key_no_backup_is_made(live, keyed, settings):
    settings.BACKUP_KEY = None
    with pytest.raises(CommandError, match="no backup was made: COXA_BACKUP_KEY is not set"):
        make_backup()
    assert not keyed.exists() or list(keyed.iterdir()) == []


def test_an_output_file_is_never_overwritten(live, keyed, tmp_path):
    target = tmp_path / "mine.coxa-backup"
    target.write_bytes(b"someone's file")
    with pytest.raises(CommandError, match="already exists"):
        make_backup("--output", str(target))
    assert target.read_bytes() == b"someone's file"
    with pytest.raises(CommandError, match="--prune-days must be at least 1"):
        make_backup("--prune-days", "0")


def test_the_new_key_command_prints_a_key_and_touches_nothing(keyed):
    printed = make_backup("--new-key").strip()
    assert len(backup_format.parse_key(printed)) == 32
    assert not keyed.exists()


def test_a_malformed_key_setting_stops_start_up_naming_it():
    clean = {k: v for k, v in os.environ.items() if not k.startswith("COXA_")}
    result = subprocess.run(
        [sys.executable, "-c", "import coxa.config.settings"],
        env=clean | {"COXA_DEBUG": "true", "COXA_BACKUP_KEY": "too-short"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    assert "COXA_BACKUP_KEY is not a key: it is not URL-safe base64" in result.stderr
    assert "coxa backup --new-key" in result.stderr


def test_the_audit_names_backups_in_words():
    assert audit.action_label("backup.make") == "Made a backup"
    assert audit_labels.AREA_LABELS["backup"] == "Backups"


def test_a_new_key_is_printed_even_while_the_setting_is_wrong(monkeypatch, capsys):
    monkeypatch.setenv("COXA_BACKUP_KEY", "not-a-key")
    cli.main(["backup", "--new-key"])
    assert len(backup_format.parse_key(capsys.readouterr().out.strip())) == 32


def sqlite_file(path, value, *, wal=True):
    with contextlib.closing(sqlite3.connect(path, isolation_level=None)) as db:
        if wal:
            db.execute("PRAGMA journal_mode=WAL")
        db.execute("CREATE TABLE t (v TEXT)")
        db.execute("INSERT INTO t VALUES (?)", [value])
    return path


def value_of(path):
    with contextlib.closing(sqlite3.connect(path)) as db:
        return db.execute("SELECT v FROM t").fetchone()[0]


def test_a_sqlite_database_another_process_holds_open_is_not_replaced(tmp_path):
    live = sqlite_file(tmp_path / "coxa.sqlite3", "live")
    verified = sqlite_file(tmp_path / ".coxa-plain-1.tmp", "restored", wal=False)
    holder = sqlite3.connect(live)
    holder.execute("SELECT * FROM t").fetchall()  # a web process, connected
    with pytest.raises(backup_format.BackupRefusedError, match="in use by another process"):
        backup_sqlite.swap(verified, live)
    assert value_of(live) == "live"
    assert verified.exists()
    holder.close()
    live.chmod(0o640)
    backup_sqlite.swap(verified, live)
    assert value_of(live) == "restored"
    assert not verified.exists()
    assert stat.S_IMODE(live.stat().st_mode) == 0o640  # the live file's permissions kept
    assert sorted(p.name for p in tmp_path.iterdir()) == ["coxa.sqlite3"]  # no -wal, no -shm


def test_a_damaged_sqlite_file_is_replaced_with_its_leftovers(tmp_path):
    live = tmp_path / "coxa.sqlite3"
    live.write_bytes(b"not a database at all" * 100)
    Path(f"{live}-wal").write_bytes(b"pages of the damaged file")
    verified = sqlite_file(tmp_path / ".coxa-plain-2.tmp", "restored", wal=False)
    backup_sqlite.swap(verified, live)
    assert value_of(live) == "restored"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["coxa.sqlite3"]


def test_a_file_that_is_not_a_whole_database_is_refused_before_any_swap(tmp_path):
    half = tmp_path / "half.sqlite3"
    sqlite_file(half, "x" * 5000, wal=False)
    half.write_bytes(half.read_bytes()[:4096])  # its first page only
    with pytest.raises(backup_format.BackupRefusedError, match="database in it"):
        backup_sqlite.check(half)


def test_old_backups_and_stale_temporary_files_are_pruned(tmp_path):
    now = dt.datetime(2026, 12, 1, 3, 0, tzinfo=dt.UTC)
    names = {
        "coxa-20261025T030000Z.coxa-backup": False,  # 37 days old
        "coxa-20261027T025959Z.coxa-backup": False,  # 35 days and a second
        "coxa-20261027T030001Z.coxa-backup": True,  # a second short of 35 days
        "coxa-20261130T030000Z.coxa-backup": True,
        "coxa-copy-made-by-hand.coxa-backup": True,  # not named by coxa backup: not ours
        "notes.txt": True,
        ".coxa-plain-fresh.tmp": True,  # a backup under way
        ".coxa-plain-stale.tmp": False,  # left by a killed one
        ".coxa-20261101T000000Z.coxa-backup.k2j4.tmp": False,  # a killed one's encrypted half
        ".coxa-report.html.x1.tmp": True,  # someone else's
    }
    for name in names:
        (tmp_path / name).write_bytes(b"x")
    two_days_ago = (now - dt.timedelta(days=2)).timestamp()
    for stale in (".coxa-plain-stale.tmp", ".coxa-20261101T000000Z.coxa-backup.k2j4.tmp"):
        os.utime(tmp_path / stale, (two_days_ago, two_days_ago))
    os.utime(tmp_path / ".coxa-report.html.x1.tmp", (two_days_ago, two_days_ago))
    os.utime(tmp_path / ".coxa-plain-fresh.tmp", (now.timestamp(), now.timestamp()))
    removed = backup.prune(tmp_path, 35, now)
    assert sorted(p.name for p in removed) == [
        "coxa-20261025T030000Z.coxa-backup",
        "coxa-20261027T025959Z.coxa-backup",
    ]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        n for n, kept in names.items() if kept
    )


def test_backup_prunes_the_backups_folder_by_the_days_given(live, keyed):
    keyed.mkdir(mode=0o700)
    old = keyed / "coxa-20200101T000000Z.coxa-backup"
    old.write_bytes(b"x")
    said = make_backup("--prune-days", "3")
    assert "Removed 1 backups made over 3 days ago" in said
    assert not old.exists()
    assert only_backup(keyed).exists()
