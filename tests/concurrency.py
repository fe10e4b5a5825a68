"""Running requests at the same moment, for tests of races (PostgreSQL only).

SQLite's in-memory test database cannot be shared by threads that write, so these tests
run where the suite runs on PostgreSQL (``make test-postgres``); use them with
``@pytest.mark.django_db(transaction=True)`` so that each thread sees committed data.
"""

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import pytest
from django.db import connection
from django.test import Client

T = TypeVar("T")

postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="threads need a server database: SQLite's in-memory test database locks",
)


def clients_like(client: Client, count: int) -> list[Client]:
    """``count`` clients sending what ``client`` sends (its bearer token), one per thread."""
    defaults: dict[str, Any] = client.defaults
    return [Client(**defaults) for _ in range(count)]


def together(count: int, work: Callable[[int], T]) -> list[T]:
    """Run ``work(i)`` in ``count`` threads released at once; each closes its connection."""
    start = threading.Barrier(count)

    def run(index: int) -> T:
        start.wait()
        try:
            return work(index)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(run, range(count)))
