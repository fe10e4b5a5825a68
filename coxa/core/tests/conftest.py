"""Tools for tampering with the audit as an attacker with the database would."""

from collections.abc import Callable

import pytest
from django.db import connection

from coxa.core import audit
from coxa.core.audit_guard import TRIGGERS


def execute(sql: str, params: list | None = None) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params or [])
        return cursor.fetchall() if cursor.description else []


@pytest.fixture
def drop_triggers() -> Callable[[], None]:
    """Drop every audit trigger (the test's transaction brings them back)."""

    def drop() -> None:
        for name in TRIGGERS[connection.vendor]:
            if connection.vendor == "sqlite":
                execute(f"DROP TRIGGER {name}")
            else:
                table = (
                    "core_auditevent"
                    if name.startswith("core_auditevent")
                    else "core_auditchainhead"
                )
                execute(f"DROP TRIGGER {name} ON {table}")

    return drop


@pytest.fixture
def log(db) -> Callable[[int], list]:
    """Append ``n`` records through ``audit.record``; return them in order."""

    def append(n: int) -> list:
        return [
            audit.record(actor=None, action="job.run", object_type="job", object_id=str(i))
            for i in range(n)
        ]

    return append
