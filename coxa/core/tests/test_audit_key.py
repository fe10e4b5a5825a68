"""A chain sealed under one key is not extended under another, and `coxa check` says so.

Appending under a new key would make every earlier record look changed, silently; real
tampering could no longer be told from the key change (ADR 0011).
"""

import os
import subprocess
import sys

import pytest
from django.contrib.auth import get_user_model
from django.core import checks
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.db import connection, transaction
from django.test import override_settings

from coxa import cli
from coxa.core import audit
from coxa.core.audit import AuditChainBrokenError, AuditKeyMismatchError
from coxa.core.audit_verify import current_head, verify
from coxa.core.checks import audit_head_is_sealed_under_the_key
from coxa.core.models import AuditEvent
from coxa.core.tests.conftest import execute

pytestmark = pytest.mark.django_db
ANOTHER_KEY = override_settings(AUDIT_CHAIN_KEY="a key the chain was not made with")
NAMED = "the audit chain was sealed with another key: set COXA_AUDIT_KEY to the key it was made"


def test_a_record_under_another_key_is_refused_and_nothing_is_appended(log):
    log(2)
    head, count = current_head(), AuditEvent.objects.count()
    with ANOTHER_KEY, pytest.raises(AuditKeyMismatchError, match=NAMED), transaction.atomic():
        audit.record(actor=None, action="job.run", object_type="job")
    assert (current_head(), AuditEvent.objects.count()) == (head, count)
    assert isinstance(AuditKeyMismatchError(), AuditChainBrokenError)
    assert verify().ok


def test_a_change_recorded_under_another_key_fails_with_its_record(log):
    log(1)
    users = get_user_model().objects

    def add_kit() -> None:
        with audit.atomic():
            users.create_user(username="kit", role="nurse")
            audit.record(actor=None, action="user.create", object_type="user", object_id="kit")

    with ANOTHER_KEY, pytest.raises(AuditKeyMismatchError):
        add_kit()
    assert not users.filter(username="kit").exists()


def test_the_right_key_still_appends_after_a_refusal(log):
    log(1)
    with ANOTHER_KEY, pytest.raises(AuditKeyMismatchError), transaction.atomic():
        audit.record(actor=None, action="job.run", object_type="job")
    audit.record(actor=None, action="job.run", object_type="job")
    assert verify().ok


def test_a_head_altered_by_someone_without_the_key_stops_appends_too(log, drop_triggers):
    log(2)
    drop_triggers()
    execute("UPDATE core_auditchainhead SET seal = %s", ["ab" * 32])
    with pytest.raises(AuditKeyMismatchError, match="run `coxa audit verify`"):
        audit.record(actor=None, action="job.run", object_type="job")


def test_coxa_check_fails_under_another_key(log):
    log(1)
    assert audit_head_is_sealed_under_the_key() == []
    call_command("check")
    with ANOTHER_KEY:
        (error,) = audit_head_is_sealed_under_the_key(databases=["default"])
        assert (error.id, error.level) == ("coxa.E001", checks.ERROR)
        assert "sealed with another key" in error.msg
        assert "set COXA_AUDIT_KEY to the key it was made with" in error.msg
        assert error in checks.run_checks()  # registered, and not only with --deploy
        with pytest.raises(SystemCheckError, match=r"coxa\.E001"):
            call_command("check")


def test_the_check_is_quiet_without_a_head_or_a_table(log, drop_triggers, monkeypatch):
    log(1)
    with ANOTHER_KEY:
        monkeypatch.setattr(connection.introspection, "table_names", lambda *a, **k: [])
        assert audit_head_is_sealed_under_the_key() == []  # before migrations
        monkeypatch.undo()
        drop_triggers()
        execute("DELETE FROM core_auditchainhead")
        assert audit_head_is_sealed_under_the_key() == []  # no head: verify names that


def test_verify_still_runs_under_another_key_and_points_at_the_key(log, capsys):
    log(3)
    assert verify().ok
    with ANOTHER_KEY, pytest.raises(SystemExit) as exited:
        cli.main(["audit", "verify"])  # despite coxa.E001
    err = capsys.readouterr().err
    assert exited.value.code != 0
    assert "broken (changed)" in err
    assert "set COXA_AUDIT_KEY to the key the chain was made with" in err


@pytest.mark.skipif(connection.vendor != "sqlite", reason="a database file of its own")
def test_a_new_secret_key_without_an_audit_key_is_caught_before_anything_is_recorded(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("COXA_", "DJANGO_"))} | {
        "COXA_ALLOWED_HOSTS": "coxa.example.org",
        "COXA_DATABASE_URL": f"sqlite:///{tmp_path / 'coxa.sqlite3'}",
        "COXA_VAR_DIR": str(tmp_path),
        "COXA_SECRET_KEY": "the first secret key",
    }

    def coxa(*argv: str, **changes: str) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-m", "coxa", *argv]
        return subprocess.run(
            command, env=env | changes, capture_output=True, text=True, check=False
        )

    assert coxa("check").returncode == 0  # no tables yet
    assert coxa("migrate", "--verbosity", "0").returncode == 0
    assert coxa("check").returncode == 0
    moved = coxa("check", COXA_SECRET_KEY="a new secret key")
    assert moved.returncode == 1
    assert "coxa.E001" in moved.stderr
    assert "COXA_AUDIT_KEY" in moved.stderr
    assert (
        coxa("check", COXA_SECRET_KEY="a new", COXA_AUDIT_KEY="the first secret key").returncode
        == 0
    )
