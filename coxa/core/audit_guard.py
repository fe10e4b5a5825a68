"""The database's own guards on the audit, and the checks that they are in place.

On SQLite, triggers refuse every UPDATE of a record and every DELETE of a record or of the
chain's head unless ``coxa_audit_erasable()`` says 1. Coxa registers that SQL function on
its own connections, where it says 1 only while the test harness flushes a test database
(settings_test.py alone sets AUDIT_ERASABLE_BY_TEST_FLUSH). Any other program has no such
function, so there a DELETE fails too. On PostgreSQL, row triggers refuse UPDATE and DELETE;
TRUNCATE and dropping a trigger are kept from the application by running it as a role that
does not own the tables (``role_problems``; ADR 0011). On both, the head only moves forward.
"""

import contextlib
import contextvars
from collections.abc import Iterator
from typing import Any

from django.conf import settings
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.migrations.exceptions import AmbiguityError
from django.db.migrations.executor import MigrationExecutor

ERASABLE_FUNCTION = "coxa_audit_erasable"
AUDIT_TABLE = "core_auditevent"
HEAD_TABLE = "core_auditchainhead"
TRIGGERS = {
    "sqlite": (
        "core_auditevent_no_update",
        "core_auditevent_no_delete",
        "core_auditchainhead_no_delete",
        "core_auditchainhead_forward",
    ),
    "postgresql": (
        "core_auditevent_no_change",
        "core_auditchainhead_no_delete",
        "core_auditchainhead_forward",
    ),
}
# Privileges the application's role must not hold, per table (SELECT and INSERT it needs;
# on the head it needs UPDATE too, which the seal and the forward-only trigger guard).
REFUSED_PRIVILEGES = {
    AUDIT_TABLE: ("UPDATE", "DELETE", "TRUNCATE", "TRIGGER"),
    HEAD_TABLE: ("DELETE", "TRUNCATE", "TRIGGER"),
}

_erasing: contextvars.ContextVar[bool] = contextvars.ContextVar("coxa_audit_erasing", default=False)


class AuditFlushRefusedError(Exception):
    """A flush of a database that holds the audit, outside the test suite."""


def _erasable() -> int:
    return 1 if _erasing.get() else 0


def register_sql_functions(sender: Any, connection: BaseDatabaseWrapper, **kwargs: Any) -> None:
    """Give each new SQLite connection of Coxa's the function the DELETE triggers ask."""
    if connection.vendor == "sqlite":
        connection.connection.create_function(ERASABLE_FUNCTION, 0, _erasable)


@contextlib.contextmanager
def erasing_for_test_flush() -> Iterator[None]:
    """Let the enclosed flush empty the audit: only under the test suite's settings."""
    if not getattr(settings, "AUDIT_ERASABLE_BY_TEST_FLUSH", False):
        raise AuditFlushRefusedError(
            "flush is refused: it would erase the audit log, which is append-only "
            "(only the test suite may empty its own database)"
        )
    token = _erasing.set(True)
    try:
        yield
    finally:
        _erasing.reset(token)


def trigger_problems(connection: BaseDatabaseWrapper) -> list[str]:
    """Name each of the audit's triggers that is missing or disabled."""
    expected = TRIGGERS.get(connection.vendor, ())
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        else:
            cursor.execute(
                "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal AND tgenabled <> 'D' "
                "AND tgrelid IN (%s::regclass, %s::regclass)",
                [AUDIT_TABLE, HEAD_TABLE],
            )
        present = {name for (name,) in cursor.fetchall()}
    return [
        f"the trigger {name} is missing or disabled: audit records are not protected by it"
        for name in expected
        if name not in present
    ]


def role_problems(connection: BaseDatabaseWrapper) -> list[str]:
    """Name what the connected PostgreSQL role may do to the audit that it must not."""
    if connection.vendor != "postgresql":
        return []
    problems = []
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user, rolsuper FROM pg_roles WHERE rolname = current_user")
        role, superuser = cursor.fetchone()
        if superuser:
            problems.append(
                f"the role {role} is a superuser: it can TRUNCATE the audit and drop its triggers"
            )
        for table, refused in REFUSED_PRIVILEGES.items():
            cursor.execute(
                "SELECT pg_has_role(current_user, relowner, 'USAGE'), pg_get_userbyid(relowner) "
                "FROM pg_class WHERE oid = %s::regclass",
                [table],
            )
            owns, owner = cursor.fetchone()
            if owns and not superuser:
                problems.append(
                    f"the role {role} owns {table} (as {owner}): an owner can TRUNCATE it and "
                    "drop its triggers; run Coxa as a role that does not own the tables"
                )
            for privilege in refused:
                cursor.execute(
                    "SELECT has_table_privilege(current_user, %s, %s)", [table, privilege]
                )
                (held,) = cursor.fetchone()
                if held and not owns and not superuser:
                    problems.append(
                        f"the role {role} holds {privilege} on {table}: "
                        f"REVOKE {privilege} ON {table} FROM {role}"
                    )
    return problems


def unapplied_core_migrations(
    connection: BaseDatabaseWrapper, app_label: str, migration_name: str
) -> list[str]:
    """Name the core migrations that ``migrate app_label migration_name`` would unapply."""
    executor = MigrationExecutor(connection)
    target: tuple[str, str | None]
    if migration_name == "zero":
        target = (app_label, None)
    else:
        try:
            migration = executor.loader.get_migration_by_prefix(app_label, migration_name)
        except (KeyError, AmbiguityError):
            return []  # no such migration: migrate itself says so
        target = (app_label, migration.name)
    plan = executor.migration_plan([target])
    return [
        f"{migration.app_label}.{migration.name}"
        for migration, backwards in plan
        if backwards and migration.app_label == "core"
    ]
