"""The data's version: a number every service's change moves (ADR 0028, H84).

``audit.atomic()`` calls ``count_change`` in the transaction of every change it records, so a
result computed from the records (the analytics page) can be kept under the version it read
and is never served once a record changed. Reads are recorded outside such transactions and
move nothing.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.db import connection

from coxa.core.models import DataVersion

COUNT_CHANGE = "UPDATE core_dataversion SET version = version + 1 WHERE id = 1"
# Inside ``held()``: the key once read (a list of one, filled by the first read), else None.
_HELD: ContextVar[list[str] | None] = ContextVar("coxa_data_key_held", default=None)


def count_change() -> None:
    """Add one to the data's version, in the caller's transaction (plain SQL: one statement)."""
    with connection.cursor() as cursor:
        cursor.execute(COUNT_CHANGE)
        if cursor.rowcount == 0:  # no row yet (a database just flushed): make it, then count
            DataVersion.objects.bulk_create([DataVersion(pk=1)], ignore_conflicts=True)
            cursor.execute(COUNT_CHANGE)


def data_version() -> int:
    """The data's version now."""
    found = DataVersion.objects.filter(pk=1).values_list("version", flat=True).first()
    return int(found or 0)


def data_key() -> str:
    """The data's version as a cache key: this database's identity and its version now.

    A database made again (a test run, a fresh install) starts its version at 0 again, so a
    cache that outlives it (files, Redis) is keyed by which database counted too.
    """
    kept = _HELD.get()
    if kept:
        return kept[0]
    key = _read_key()
    if kept is not None:
        kept.append(key)
    return key


@contextmanager
def held() -> Iterator[None]:
    """Within: ``data_key`` is read once, and the same key answered after.

    For a read that keeps several results under the version (a page's capped counts: one
    query, not one a list). Only around reads: a change made inside would not move the key
    it answers. A count made after a change meanwhile is kept under the older key, as it is
    when the change falls between one read of the key and its count.
    """
    token = _HELD.set([])
    try:
        yield
    finally:
        _HELD.reset(token)


def _read_key() -> str:
    found = DataVersion.objects.filter(pk=1).values_list("identity", "version").first()
    if found is None:  # nothing has changed yet: make the row, so that the key is its own
        DataVersion.objects.bulk_create([DataVersion(pk=1)], ignore_conflicts=True)
        found = DataVersion.objects.filter(pk=1).values_list("identity", "version").get()
    identity, version = found
    return f"{identity}-{version}"


def continue_from(earlier: int) -> None:
    """After a restore: the version goes on above ``earlier`` (the replaced data's).

    So no number is used twice for two states of the records.
    """
    DataVersion.objects.bulk_create([DataVersion(pk=1)], ignore_conflicts=True)
    DataVersion.objects.filter(pk=1, version__lte=earlier).update(version=earlier + 1)
