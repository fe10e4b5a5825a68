"""`coxa audit verify` checks the stored text, not only the values Django reads from it.

On SQLite a UUID, a time or a JSON document is text, and Django reads several spellings as
one value. A row re-spelled in the database hashes as before, yet searches miss it.
"""

import datetime as dt
import uuid

import pytest
from django.db import connection

from coxa import cli
from coxa.core import audit, clock
from coxa.core.audit import chain_key
from coxa.core.audit_chain import Fault, utc_text
from coxa.core.audit_verify import verify
from coxa.core.models import AuditEvent
from coxa.core.tests.conftest import execute
from coxa.core.tests.test_audit_verify import stored_fields

pytestmark = pytest.mark.django_db
sqlite_only = pytest.mark.skipif(
    connection.vendor != "sqlite", reason="PostgreSQL stores uuid, timestamptz and jsonb typed"
)
PATIENT = uuid.UUID("0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0")


@pytest.fixture
def patient_log(nurse) -> list[AuditEvent]:
    """Four records about one patient, with details, by a user."""
    return [
        audit.record(
            actor=nurse,
            action="patient.view",
            object_type="patient",
            object_id=PATIENT,
            patient_id=PATIENT,
            details={"shown": ["hips", "plans"], "page": 2},
        )
        for _ in range(4)
    ]


def still_hashes(event: AuditEvent) -> bool:
    stored = AuditEvent.objects.get(pk=event.pk)
    return chain_key().row_hash(stored_fields(stored), stored.prev_hash) == stored.row_hash


def test_a_clean_log_of_awkward_values_verifies(patient_log, nurse):
    on_the_second = dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC)  # stored without .000000
    with clock.replaying(on_the_second):
        audit.record(actor=nurse, action="x.y", object_type="x", patient_id=uuid.UUID(int=0))
    audit.record(actor=None, action="x.y", object_type="x", details={"é": [1.5, None, {}]})
    assert verify().verified == AuditEvent.objects.count()


@sqlite_only
@pytest.mark.parametrize(
    ("column", "respelling"),
    [
        ("patient_id", "upper(patient_id)"),
        ("at", "replace(at, ' ', 'T') || '+00:00'"),
        ("at", "replace(at, ' ', 'T') || 'Z'"),
        ("details", "json(details)"),  # compact: {"shown":[...],"page":2}
        ("actor_id", "actor_id + 0.25"),  # a real: int() gives the id back, searches do not
    ],
)
def test_a_record_respelled_in_the_database_is_named(
    patient_log, drop_triggers, capsys, column, respelling
):
    target = patient_log[1]
    drop_triggers()
    rewrite = f"UPDATE core_auditevent SET {column} = {respelling} WHERE id = %s"  # noqa: S608
    execute(rewrite, [target.pk])
    verdict = verify()
    assert still_hashes(target)  # what Django reads from it is what was hashed
    assert (verdict.broken.fault, verdict.broken.row_id) == (Fault.MISSPELT, target.pk)
    assert verdict.verified == AuditEvent.objects.filter(pk__lt=target.pk).count()
    assert f"its {column} read back as the values its hash covers" in verdict.broken.explanation
    with pytest.raises(SystemExit) as exited:
        cli.main(["audit", "verify"])
    err = capsys.readouterr().err
    assert exited.value.code != 0
    assert f"audit record {target.pk} ({utc_text(target.at)}) is broken" in err
    assert "(stored differently from what was hashed)" in err
    if column == "actor_id":  # put back, for the foreign key check at the test's end
        execute("UPDATE core_auditevent SET actor_id = CAST(actor_id AS INTEGER)")


@sqlite_only
def test_the_probe_a_patients_records_hidden_by_upper_case_is_caught(patient_log, drop_triggers):
    drop_triggers()
    execute(
        "UPDATE core_auditevent SET patient_id = upper(patient_id) WHERE patient_id = %s",
        [PATIENT.hex],
    )
    assert not AuditEvent.objects.filter(patient_id=PATIENT).exists()  # the timeline is blank
    assert all(still_hashes(event) for event in patient_log)
    broken = verify().broken
    assert (broken.fault, broken.row_id) == (Fault.MISSPELT, patient_log[0].pk)


@sqlite_only
def test_the_first_misspelt_record_is_named_and_a_change_before_it_first(
    patient_log, drop_triggers
):
    drop_triggers()
    for event in patient_log[2:]:
        execute("UPDATE core_auditevent SET details = json(details) WHERE id = %s", [event.pk])
    assert verify().broken.row_id == patient_log[2].pk
    execute("UPDATE core_auditevent SET reason = 'x' WHERE id = %s", [patient_log[1].pk])
    broken = verify().broken
    assert (broken.fault, broken.row_id) == (Fault.CHANGED, patient_log[1].pk)


@sqlite_only
def test_text_stored_as_bytes_is_not_taken_for_text(patient_log, drop_triggers):
    drop_triggers()
    execute(
        "UPDATE core_auditevent SET action = CAST(action AS BLOB) WHERE id = %s",
        [patient_log[0].pk],
    )
    assert not AuditEvent.objects.filter(action="patient.view", pk=patient_log[0].pk).exists()
    assert verify().broken.row_id == patient_log[0].pk
