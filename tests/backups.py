"""Helpers for the backup tests: a database full of every app's records, read back whole.

Outside the ``coxa`` package on purpose, as ``tests/journeys.py``: core's tests fill the
database through the demo loader (every app's services), which the import contracts keep
core itself from importing.
"""

import contextlib
import datetime as dt
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.db import connection

from coxa.accounts.models import User
from coxa.core import clock
from coxa.core.audit import Via
from coxa.core.models import JobRun
from coxa.demo import loading, logins
from coxa.demo.domain import plan_patients
from coxa.patients import services as patients
from coxa.patients.domain import PatientDetails

FAMILY_NAME = "Lovelace-Byron"
# A moment with microseconds, so that a round trip that drops them is seen.
PRECISE = dt.datetime(2026, 11, 30, 2, 0, 0, 123456, tzinfo=dt.UTC)


def _register(given_name: str, family_name: str, hospital_number: str) -> None:
    details = PatientDetails(
        given_name=given_name,
        family_name=family_name,
        date_of_birth=dt.date(1985, 12, 10),
        sex="female",
        nhs_number="",
        hospital_number=hospital_number,
    )
    nurse = User.objects.get(username="nurse")  # the demo's
    patients.register_patient(details=details, by=nurse, via=Via.WEB)


def fill() -> None:
    """Demo patients through many states (every app's tables), one named patient, a job run."""
    users, _ = logins.ensure_users("a-demo-password")
    today = clock.today()
    loading.load(plan_patients(3, seed=7, today=today), users, today, seed=7)
    _register("Ada", FAMILY_NAME, "H100300")
    JobRun.objects.create(name="refresh_readiness", last_started_at=PRECISE)


def change() -> None:
    """Change the database after a backup: a record added, one changed."""
    _register("Bert", "Okafor", "H100200")
    JobRun.objects.filter(name="refresh_readiness").update(last_started_at=None)


def rows() -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, as the database gives it, in primary-key order."""
    found = {}
    with connection.cursor() as cursor:
        for table in sorted(connection.introspection.table_names(cursor)):
            keys = connection.introspection.get_primary_key_columns(cursor, table) or []
            order = ", ".join(connection.ops.quote_name(k) for k in keys) or "1"
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)} ORDER BY {order}")  # noqa: S608
            found[table] = cursor.fetchall()
    return found


@contextlib.contextmanager
def in_a_file(path: Path) -> Iterator[Path]:
    """On SQLite, point the default connection at a copy of the test database in a file.

    The test suite's SQLite database lives in memory, and a restore replaces a file. A second
    connection keeps the in-memory database alive meanwhile; afterwards the suite's own
    connection is back. On PostgreSQL the test database is already a database to replace.
    """
    if connection.vendor != "sqlite":
        yield path
        return
    settings_dict = connection.settings_dict
    memory = settings_dict["NAME"]
    keeper = sqlite3.connect(memory, uri=True)
    try:
        connection.ensure_connection()
        with contextlib.closing(sqlite3.connect(path)) as copy:
            connection.connection.backup(copy)
        settings_dict["NAME"] = str(path)
        connection.close()  # no longer in memory, so it really closes
        try:
            yield path
        finally:
            connection.close()
            settings_dict["NAME"] = memory
            connection.ensure_connection()
    finally:
        keeper.close()
