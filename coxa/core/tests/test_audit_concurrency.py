"""Several writers at once still make one line of records (PostgreSQL, real transactions)."""

import threading

import pytest
from django.db import connection, connections, transaction

from coxa.core import audit
from coxa.core.audit_verify import verify
from coxa.core.models import AuditEvent

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent writers: PostgreSQL"),
    pytest.mark.django_db(transaction=True),
]

THREADS = 6
EACH = 15


def _writers(work) -> list[BaseException]:
    start = threading.Barrier(THREADS)
    failures: list[BaseException] = []

    def writer(index: int) -> None:
        try:
            start.wait()
            for n in range(EACH):
                work(index, n)
        except BaseException as error:  # noqa: BLE001 - reported to the test below
            failures.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=writer, args=(i,)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return failures


def _record(index: int, n: int) -> None:
    audit.record(actor=None, action="job.run", object_type="job", object_id=f"{index}-{n}")


def test_threads_recording_at_once_make_one_valid_chain():
    assert _writers(_record) == []
    total = AuditEvent.objects.count()
    assert total == THREADS * EACH
    links = list(AuditEvent.objects.order_by("id").values_list("prev_hash", "row_hash"))
    assert len({prev for prev, _ in links}) == total  # no two records share a predecessor
    assert all(prev == before for (prev, _), (_, before) in zip(links[1:], links, strict=False))
    verdict = verify()
    assert (verdict.ok, verdict.verified) == (True, total)


def test_records_inside_longer_transactions_still_make_one_chain():
    def in_a_transaction(index: int, n: int) -> None:
        with transaction.atomic():
            _record(index, n)
            _record(index, n)  # a service may record twice in one change

    assert _writers(in_a_transaction) == []
    verdict = verify()
    assert (verdict.ok, verdict.verified) == (True, 2 * THREADS * EACH)
