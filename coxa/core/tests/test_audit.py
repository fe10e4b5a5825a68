import pytest
from django.db import DatabaseError, connection, transaction

from coxa.core import audit
from coxa.core.audit_verify import verify
from coxa.core.models import AuditEvent, AuditRecordIsAppendOnlyError

pytestmark = pytest.mark.django_db


@pytest.fixture
def event(nurse):
    return audit.record(actor=nurse, action="patient.view", object_type="patient", reason="why")


def test_a_record_says_who_did_what_when_and_why(event, nurse):
    stored = AuditEvent.objects.get(pk=event.pk)
    assert (stored.actor, stored.actor_username, stored.actor_role) == (nurse, "nia", "nurse")
    assert (stored.action, stored.reason, stored.via) == ("patient.view", "why", "web")
    assert stored.at is not None


def test_a_system_action_is_attributed_to_coxa():
    event = audit.record(actor=None, action="job.run", object_type="job")
    assert (event.actor_username, event.actor_role) == ("coxa", "system")


def test_records_cannot_be_changed_or_deleted_through_the_application(event):
    event.reason = "rewritten"
    with pytest.raises(AuditRecordIsAppendOnlyError):
        event.save()
    with pytest.raises(AuditRecordIsAppendOnlyError):
        event.delete()
    with pytest.raises(AuditRecordIsAppendOnlyError):
        AuditEvent.objects.filter(pk=event.pk).update(reason="x")
    with pytest.raises(AuditRecordIsAppendOnlyError):
        AuditEvent.objects.filter(pk=event.pk).delete()
    assert AuditEvent.objects.get(pk=event.pk).reason == "why"


def test_the_database_refuses_to_rewrite_a_record(event):
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE core_auditevent SET reason = 'x' WHERE id = %s", [event.pk])
    assert AuditEvent.objects.get(pk=event.pk).reason == "why"


def test_the_database_refuses_to_delete_a_record(event):
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM core_auditevent WHERE id = %s", [event.pk])
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_reads_are_told_from_changes():
    assert audit.is_read("patient.view")
    assert audit.is_read("episode.list")
    assert not audit.is_read("episode.transition")


# ------------------------------------------------------------------ lock first, record last
def _job(name: str) -> AuditEvent:
    return audit.record(actor=None, action="job.run", object_type="job", object_id=name)


def test_records_in_an_atomic_block_are_appended_at_its_end_in_order():
    with audit.atomic():
        first, second = _job("first"), _job("second")
        assert (first.pk, second.pk) == (None, None)
        assert not AuditEvent.objects.exists()  # nothing touches the chain's head yet
    assert second.pk > first.pk
    assert second.prev_hash == first.row_hash
    assert verify().ok


@audit.atomic()
def _refused_job() -> None:
    _job("lost")
    raise ValueError("refused")


def test_a_block_that_fails_appends_nothing():
    with pytest.raises(ValueError, match="refused"):
        _refused_job()
    assert not AuditEvent.objects.exists()
    _job("after")  # nothing is left held back: the next record is appended at once
    assert AuditEvent.objects.count() == 1


def test_an_inner_block_hands_its_records_to_the_outer_and_drops_them_if_it_fails():
    with audit.atomic():
        _job("outer")

        @audit.atomic()
        def inner(fail: bool) -> None:
            _job(f"inner, failing={fail}")
            if fail:
                raise ValueError("refused")

        inner(False)
        with pytest.raises(ValueError, match="refused"):
            inner(True)
        assert not AuditEvent.objects.exists()
    kept = list(AuditEvent.objects.order_by("id").values_list("object_id", flat=True))
    assert kept == ["outer", "inner, failing=False"]
    assert verify().ok
