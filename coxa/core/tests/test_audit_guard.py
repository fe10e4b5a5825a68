"""The database guards the audit: no delete (but the test suite's flush), no truncate by
the application's role, a head that only moves forward, and a check that says so."""

import contextlib
import os
import sqlite3
import subprocess
import sys
import uuid

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.core.management.commands import flush as django_flush
from django.db import DatabaseError, connection, transaction
from django.test import override_settings

from coxa.core import audit
from coxa.core.audit_guard import REFUSED_PRIVILEGES, role_problems, trigger_problems
from coxa.core.audit_verify import verify
from coxa.core.models import AuditChainHead, AuditEvent, AuditRecordIsAppendOnlyError
from coxa.core.tests.conftest import execute

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="roles and privileges are PostgreSQL's"
)
sqlite_only = pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's own function")


def refused(sql: str, params: list | None = None) -> None:
    with pytest.raises(DatabaseError), transaction.atomic():
        execute(sql, params)


# ------------------------------------------------------------------ through the ORM
@pytest.mark.django_db
def test_the_base_manager_is_the_append_only_one(log):
    (event,) = log(1)
    with pytest.raises(AuditRecordIsAppendOnlyError):
        AuditEvent._base_manager.filter(pk=event.pk).delete()
    with pytest.raises(AuditRecordIsAppendOnlyError):
        AuditEvent._base_manager.filter(pk=event.pk).update(reason="x")
    with pytest.raises(AuditRecordIsAppendOnlyError):
        AuditChainHead._base_manager.all().delete()
    with pytest.raises(AuditRecordIsAppendOnlyError):
        AuditChainHead.objects.get().delete()
    assert AuditEvent.objects.filter(pk=event.pk).exists()


# ------------------------------------------------------------------ in the database
@pytest.mark.django_db
def test_the_database_refuses_to_delete_records_or_the_head(log):
    events = log(2)
    refused("DELETE FROM core_auditevent")
    refused("DELETE FROM core_auditchainhead")
    assert AuditEvent.objects.filter(pk__in=[e.pk for e in events]).count() == 2
    assert verify().ok


@pytest.mark.django_db
def test_the_head_only_moves_forward(log):
    events = log(3)
    refused(
        "UPDATE core_auditchainhead SET last_id = %s, last_hash = %s",
        [events[0].pk, events[0].row_hash],
    )
    refused("UPDATE core_auditchainhead SET id = 2")
    assert AuditChainHead.objects.get().last_id == events[-1].pk


@sqlite_only
@pytest.mark.django_db(transaction=True)
def test_outside_coxa_sqlite_cannot_delete_a_record_either(log):
    log(1)
    name = connection.settings_dict["NAME"]
    assert "mode=memory" in name  # the test database, shared with this plain connection
    outside = sqlite3.connect(name, uri=True)
    try:
        with pytest.raises(sqlite3.OperationalError, match="no such function: coxa_audit_erasable"):
            outside.execute("DELETE FROM core_auditevent")
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            outside.execute("UPDATE core_auditevent SET reason = 'x'")
    finally:
        outside.close()
    assert AuditEvent.objects.count() >= 1


# ------------------------------------------------------------------ flush
@pytest.mark.django_db(transaction=True)
def test_the_test_suites_flush_empties_the_audit(log):
    log(3)
    call_command("flush", interactive=False, verbosity=0)
    assert (AuditEvent.objects.count(), AuditChainHead.objects.count()) == (0, 0)
    audit.record(actor=None, action="job.run", object_type="job")  # a new chain starts
    assert verify().verified == 1


def test_only_the_test_settings_allow_the_flush(tmp_path):
    code = (
        "import django; from django.conf import settings; django.setup(); "
        "print(getattr(settings, 'AUDIT_ERASABLE_BY_TEST_FLUSH', 'unset'))"
    )
    env = os.environ | {
        "DJANGO_SETTINGS_MODULE": "coxa.config.settings",
        "COXA_DEBUG": "true",
        "COXA_VAR_DIR": str(tmp_path),
    }
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=False
    )
    assert (result.returncode, result.stdout.strip()) == (0, "unset"), result.stderr


@pytest.mark.django_db
@override_settings(AUDIT_ERASABLE_BY_TEST_FLUSH=False)
def test_with_the_normal_settings_flush_is_refused(log):
    log(2)
    with pytest.raises(CommandError, match="flush is refused: it would erase the audit log"):
        call_command("flush", interactive=False, verbosity=0)
    assert AuditEvent.objects.count() >= 2


@sqlite_only
@pytest.mark.django_db
@override_settings(AUDIT_ERASABLE_BY_TEST_FLUSH=False)
def test_with_the_normal_settings_djangos_own_flush_is_refused_by_the_trigger(log):
    log(2)
    with pytest.raises(CommandError, match="couldn't be flushed"):
        call_command(django_flush.Command(), interactive=False, verbosity=0)
    assert AuditEvent.objects.count() >= 2
    assert verify().ok


# ------------------------------------------------------------------ the checks
@pytest.mark.django_db
def test_every_trigger_is_in_place_after_the_migrations():
    assert trigger_problems(connection) == []


@pytest.mark.django_db
def test_a_missing_trigger_is_named(drop_triggers, capsys):
    drop_triggers()
    problems = trigger_problems(connection)
    assert any("core_auditchainhead_forward is missing" in p for p in problems)
    with pytest.raises(CommandError, match=r"core_auditevent_no_\w+ is missing or disabled"):
        call_command("audit", "check-role")


@sqlite_only
@pytest.mark.django_db
def test_check_role_passes_on_sqlite(capsys):
    call_command("audit", "check-role")
    assert "every audit trigger is in place" in capsys.readouterr().out


# ------------------------------------------------------------------ PostgreSQL roles
APP_GRANTS = [
    "GRANT SELECT, INSERT ON core_auditevent TO {role}",
    "GRANT USAGE, SELECT ON SEQUENCE core_auditevent_id_seq TO {role}",
    "GRANT SELECT, UPDATE ON core_auditchainhead TO {role}",
]


@pytest.fixture
def app_role(db):
    """A role granted what ADR 0011 grants the application (gone with the test's rollback)."""
    role = f"coxa_app_{uuid.uuid4().hex[:8]}"
    execute(f"CREATE ROLE {role} NOLOGIN")
    for grant in APP_GRANTS:
        execute(grant.format(role=role))
    return role


@contextlib.contextmanager
def acting_as(role: str):
    execute(f"SET ROLE {role}")
    try:
        yield
    finally:
        execute("RESET ROLE")


@postgresql_only
def test_the_application_role_records_and_verifies_but_cannot_erase(app_role, log):
    log(2)
    with acting_as(app_role):
        assert role_problems(connection) == []
        audit.record(actor=None, action="job.run", object_type="job")
        assert verify().ok
        refused("TRUNCATE core_auditevent")
        refused("TRUNCATE core_auditchainhead")
        refused("DELETE FROM core_auditevent")
        refused("UPDATE core_auditevent SET reason = 'x'")
        refused("ALTER TABLE core_auditevent DISABLE TRIGGER USER")
        refused("DROP TRIGGER core_auditevent_no_change ON core_auditevent")


@postgresql_only
def test_check_role_passes_for_the_application_role(app_role, capsys):
    with acting_as(app_role):
        call_command("audit", "check-role")
    assert f"The role {app_role} cannot change, delete or truncate" in capsys.readouterr().out


@postgresql_only
@pytest.mark.parametrize(
    ("table", "privilege"),
    [(table, privilege) for table, refused in REFUSED_PRIVILEGES.items() for privilege in refused],
)
def test_check_role_names_a_privilege_the_role_must_not_hold(app_role, table, privilege):
    execute(f"GRANT {privilege} ON {table} TO {app_role}")
    with acting_as(app_role), pytest.raises(CommandError) as failed:
        call_command("audit", "check-role")
    assert f"the role {app_role} holds {privilege} on {table}" in str(failed.value)


@postgresql_only
def test_check_role_names_a_role_that_owns_the_audit(app_role):
    execute(f"ALTER TABLE core_auditevent OWNER TO {app_role}")
    with acting_as(app_role):
        problems = role_problems(connection)
    assert problems == [
        f"the role {app_role} owns core_auditevent (as {app_role}): an owner can TRUNCATE it "
        "and drop its triggers; run Coxa as a role that does not own the tables"
    ]


@postgresql_only
@pytest.mark.django_db
def test_check_role_names_a_superuser():
    with pytest.raises(CommandError, match="is a superuser"):
        call_command("audit", "check-role")
