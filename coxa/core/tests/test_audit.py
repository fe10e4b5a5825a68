import pytest
from django.db import DatabaseError, connection, transaction

from coxa.core import audit
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
