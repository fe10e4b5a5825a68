"""`coxa audit verify` finds the first broken record, whatever was done to the log."""

import datetime as dt
import importlib
import json
import types
import uuid
import zoneinfo

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from coxa import cli
from coxa.core import audit, clock
from coxa.core.audit import AuditChainBrokenError, chain_key
from coxa.core.audit_chain import Fault, Fields, utc_text
from coxa.core.audit_verify import COLUMNS, verify
from coxa.core.models import AuditChainHead, AuditEvent, AuditRecordIsAppendOnlyError
from coxa.core.tests.conftest import execute

pytestmark = pytest.mark.django_db


def verify_on_the_command_line(capsys) -> tuple[int, str]:
    with pytest.raises(SystemExit) as exited:
        cli.main(["audit", "verify"])
    return exited.value.code, capsys.readouterr().err


def stored_fields(event: AuditEvent) -> Fields:
    # The hashed fields are the stored columns between the id and the two hashes.
    return Fields(*(getattr(event, name) for name in COLUMNS[1:-2]))


def test_a_clean_log_verifies(log, nurse, capsys):
    log(5)
    audit.record(actor=nurse, action="patient.view", object_type="patient", reason="why")
    call_command("audit", "verify")
    total = AuditEvent.objects.count()
    assert capsys.readouterr().out.strip() == (
        f"Audit chain verified: {total} records, head sealed."
    )
    assert total >= 6


def test_verbosity_2_prints_the_rate(log, capsys):
    log(5)
    call_command("audit", "verify", "--chunk", "2", verbosity=2)
    out = capsys.readouterr().out
    assert out.count("records/s") == 3  # chunks of 2, 2 and 1
    assert "5 records in" in out


def test_the_rate_is_asked_for_after_the_subcommand_too(log, capsys):
    log(3)
    call_command("audit", "verify", "--verbosity", "2")
    assert "records/s" in capsys.readouterr().out
    call_command("audit", "verify", "--chunk", "1")
    assert "records/s" not in capsys.readouterr().out


def test_the_head_is_printed_to_be_kept_outside_the_database(log, capsys):
    events = log(2)
    call_command("audit", "head")
    line = json.loads(capsys.readouterr().out)
    assert (line["last_id"], line["last_hash"]) == (events[-1].pk, events[-1].row_hash)
    assert line["seal"] == chain_key().seal(events[-1].pk, events[-1].row_hash)


def test_a_chunk_must_hold_a_record(log):
    with pytest.raises(CommandError, match="--chunk"):
        call_command("audit", "verify", "--chunk", "0")


def test_records_are_chained_and_the_head_follows(log):
    first, second = log(2)
    assert second.prev_hash == first.row_hash
    head = AuditChainHead.objects.get()
    assert (head.last_id, head.last_hash) == (second.pk, second.row_hash)
    assert head.seal == chain_key().seal(second.pk, second.row_hash)


def test_a_record_rehashes_identically_as_the_database_gives_it_back(nurse):
    awkward = {
        "size": 1.0,
        "big": 1e20,
        "huge": 2**70,
        "tiny": 1e-7,
        "third": 1 / 3,
        "zero": -0.0,
        "pair": (1, 2),
        "text": 'héllo \u2603 "quoted"\n',
        "nothing": None,
        "nested": {"b": [True, False], "a": {}},
    }
    moment = dt.datetime(2025, 6, 30, 23, 59, 59, 999999, tzinfo=zoneinfo.ZoneInfo("Europe/London"))
    with clock.replaying(moment):
        event = audit.record(
            actor=nurse,
            action="patient.update",
            object_type="patient",
            object_id=uuid.UUID(int=9),
            patient_id=uuid.UUID(int=10),
            summary="s" * 400,
            reason="ünïcode reason",
            details=awkward,
        )
    stored = AuditEvent.objects.get(pk=event.pk)
    assert stored.details == event.details
    assert len(stored.summary) == 300
    assert utc_text(stored.at) == "2025-06-30T22:59:59.999999Z"
    assert chain_key().row_hash(stored_fields(stored), stored.prev_hash) == stored.row_hash
    assert verify().ok


def test_details_no_database_can_store_are_refused(nurse):
    with pytest.raises(ValueError, match="Out of range float values"):
        audit.record(actor=nurse, action="x.y", object_type="x", details={"v": float("nan")})


def test_records_are_written_only_through_record():
    with pytest.raises(AuditRecordIsAppendOnlyError, match=r"only by coxa\.core\.audit\.record"):
        AuditEvent.objects.create(
            at=clock.now(), actor_username="x", action="x", object_type="x", via="web"
        )


def test_a_delete_after_dropping_the_trigger_is_caught(log, drop_triggers, capsys):
    events = log(5)
    drop_triggers()
    execute("DELETE FROM core_auditevent WHERE id = %s", [events[2].pk])
    code, err = verify_on_the_command_line(capsys)
    assert code != 0
    assert f"audit record {events[3].pk} ({utc_text(events[3].at)}) is broken (deleted)" in err
    assert f"the record before it (id {events[1].pk})" in err


def test_an_update_after_dropping_the_trigger_is_caught(log, drop_triggers, capsys):
    events = log(5)
    drop_triggers()
    execute("UPDATE core_auditevent SET reason = 'nothing to see' WHERE id = %s", [events[1].pk])
    code, err = verify_on_the_command_line(capsys)
    assert code != 0
    assert f"audit record {events[1].pk} ({utc_text(events[1].at)}) is broken (changed)" in err


def test_a_record_forged_with_raw_sql_is_caught(log, capsys):
    events = log(3)
    execute(
        "INSERT INTO core_auditevent (at, actor_username, actor_role, action, object_type, "
        "object_id, summary, reason, via, details, prev_hash, row_hash) VALUES "
        "(%s, 'sam', 'surgeon', 'note.sign', 'note', '1', '', '', 'web', '{}', %s, %s)",
        [clock.now(), events[-1].row_hash, "ab" * 32],
    )
    forged = AuditEvent.objects.order_by("-id").first()
    code, err = verify_on_the_command_line(capsys)
    assert code != 0
    assert f"audit record {forged.pk}" in err
    assert "(forged)" in err


def test_a_forged_record_stays_caught_after_coxa_records_more(log):
    log(2)
    execute(
        "INSERT INTO core_auditevent (at, actor_username, actor_role, action, object_type, "
        "object_id, summary, reason, via, details, prev_hash, row_hash) VALUES "
        "(%s, 'sam', 'surgeon', 'note.sign', 'note', '1', '', '', 'web', '{}', %s, %s)",
        [clock.now(), "0" * 64, "cd" * 32],
    )
    forged = AuditEvent.objects.order_by("-id").first()
    log(2)
    verdict = verify()
    assert (verdict.broken.row_id, verdict.broken.fault) == (forged.pk, Fault.FORGED)


def test_a_cut_tail_is_caught(log, drop_triggers, capsys):
    events = log(5)
    drop_triggers()
    execute("DELETE FROM core_auditevent WHERE id > %s", [events[2].pk])
    code, err = verify_on_the_command_line(capsys)
    assert code != 0
    assert f"audit record {events[2].pk}" in err
    assert "(tail cut): it is the last record left" in err
    assert f"the chain's head says the chain ends at record {events[4].pk}" in err


def test_a_head_altered_without_the_key_is_caught(log, drop_triggers):
    events = log(4)
    drop_triggers()
    execute(
        "UPDATE core_auditchainhead SET last_id = %s, last_hash = %s",
        [events[1].pk, events[1].row_hash],
    )
    execute("DELETE FROM core_auditevent WHERE id > %s", [events[1].pk])
    broken = verify().broken
    assert (broken.fault, broken.row_id) == (Fault.HEAD, None)


def test_a_missing_head_is_caught_and_the_chain_is_not_restarted(log, drop_triggers):
    log(2)
    drop_triggers()
    execute("DELETE FROM core_auditchainhead")
    assert verify().broken.fault == Fault.HEAD
    with pytest.raises(AuditChainBrokenError, match="head is missing"):
        audit.record(actor=None, action="job.run", object_type="job")


def test_an_empty_log_starts_a_new_chain(drop_triggers):
    drop_triggers()
    execute("DELETE FROM core_auditevent")
    execute("DELETE FROM core_auditchainhead")
    event = audit.record(actor=None, action="job.run", object_type="job")
    assert event.prev_hash == "0" * 64
    assert verify().verified == 1


def test_the_migration_chains_the_records_that_exist(log, drop_triggers):
    log(3)
    drop_triggers()
    execute("UPDATE core_auditevent SET prev_hash = '', row_hash = ''")
    execute("DELETE FROM core_auditchainhead")
    assert not verify().ok
    migration = importlib.import_module("coxa.core.migrations.0003_audit_chain")
    state = MigrationExecutor(connection).loader.project_state(("core", "0003_audit_chain"))
    editor = types.SimpleNamespace(connection=connection)
    migration.chain_existing_records(state.apps, editor)
    assert verify().verified == AuditEvent.objects.count()
