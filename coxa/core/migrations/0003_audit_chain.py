"""Chain the audit: each record's hash and its predecessor's, a sealed head, and triggers.

Existing records are chained in id order under settings.AUDIT_CHAIN_KEY (run this with the
key the application will use). On SQLite adding the columns rebuilds the table, which drops
its triggers, so every trigger is (re)created here last: UPDATE of a record refused; DELETE
of a record or of the head refused unless ``coxa_audit_erasable()`` (a function only Coxa's
own connections have, saying yes only to the test suite's flush); the head only moves
forward. On PostgreSQL the row trigger refuses UPDATE and DELETE of records, DELETE of the
head, and the head only moves forward; TRUNCATE is a privilege the application's role must
not hold (ADR 0011).

Irreversible: unapplying it would strip the chain and the guards from the audit.
"""

from django.conf import settings
from django.db import migrations, models

from coxa.core.audit_chain import GENESIS, ChainKey, Fields

REFUSE = "SELECT RAISE(ABORT, 'audit records are append-only')"
SQLITE_DROP = ["DROP TRIGGER IF EXISTS core_auditevent_no_update;"]
SQLITE_CREATE = [
    f"""CREATE TRIGGER IF NOT EXISTS core_auditevent_no_update BEFORE UPDATE ON core_auditevent
        BEGIN {REFUSE}; END;""",
    f"""CREATE TRIGGER IF NOT EXISTS core_auditevent_no_delete BEFORE DELETE ON core_auditevent
        WHEN coxa_audit_erasable() IS NOT 1 BEGIN {REFUSE}; END;""",
    f"""CREATE TRIGGER IF NOT EXISTS core_auditchainhead_no_delete
        BEFORE DELETE ON core_auditchainhead
        WHEN coxa_audit_erasable() IS NOT 1 BEGIN {REFUSE}; END;""",
    """CREATE TRIGGER IF NOT EXISTS core_auditchainhead_forward
        BEFORE UPDATE ON core_auditchainhead
        WHEN NEW.last_id <= OLD.last_id OR NEW.id <> OLD.id
        BEGIN SELECT RAISE(ABORT, 'the audit chain head only moves forward'); END;""",
]

POSTGRES_DROP = ["DROP TRIGGER IF EXISTS core_auditevent_no_change ON core_auditevent;"]
POSTGRES_CREATE = [
    """CREATE OR REPLACE FUNCTION core_auditevent_refuse() RETURNS trigger AS $$
       BEGIN RAISE EXCEPTION 'audit records are append-only'; END; $$ LANGUAGE plpgsql;""",
    """CREATE TRIGGER core_auditevent_no_change BEFORE UPDATE OR DELETE ON core_auditevent
       FOR EACH ROW EXECUTE FUNCTION core_auditevent_refuse();""",
    """CREATE TRIGGER core_auditchainhead_no_delete BEFORE DELETE ON core_auditchainhead
       FOR EACH ROW EXECUTE FUNCTION core_auditevent_refuse();""",
    """CREATE OR REPLACE FUNCTION core_auditchainhead_refuse_backward() RETURNS trigger AS $$
       BEGIN
         IF NEW.last_id <= OLD.last_id OR NEW.id <> OLD.id THEN
           RAISE EXCEPTION 'the audit chain head only moves forward';
         END IF;
         RETURN NEW;
       END; $$ LANGUAGE plpgsql;""",
    """CREATE TRIGGER core_auditchainhead_forward BEFORE UPDATE ON core_auditchainhead
       FOR EACH ROW EXECUTE FUNCTION core_auditchainhead_refuse_backward();""",
]

CHUNK = 2000


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)

    return run


def chain_existing_records(apps, schema_editor):
    AuditEvent = apps.get_model("core", "AuditEvent")
    AuditChainHead = apps.get_model("core", "AuditChainHead")
    alias = schema_editor.connection.alias
    key = ChainKey(settings.AUDIT_CHAIN_KEY)
    last_id, last_hash = 0, GENESIS
    while True:
        chunk = list(
            AuditEvent.objects.using(alias).filter(id__gt=last_id).order_by("id")[:CHUNK]
        )
        if not chunk:
            break
        for event in chunk:
            fields = Fields(
                at=event.at,
                actor_id=event.actor_id,
                actor_username=event.actor_username,
                actor_role=event.actor_role,
                action=event.action,
                object_type=event.object_type,
                object_id=event.object_id,
                patient_id=event.patient_id,
                summary=event.summary,
                reason=event.reason,
                via=event.via,
                details=event.details,
            )
            event.prev_hash = last_hash
            event.row_hash = key.row_hash(fields, last_hash)
            last_id, last_hash = event.id, event.row_hash
        AuditEvent.objects.using(alias).bulk_update(chunk, ["prev_hash", "row_hash"])
    AuditChainHead.objects.using(alias).create(
        id=1, last_id=last_id, last_hash=last_hash, seal=key.seal(last_id, last_hash)
    )


class Migration(migrations.Migration):
    dependencies = [("core", "0002_audit_append_only")]

    operations = [
        migrations.RunPython(_run({"sqlite": SQLITE_DROP, "postgresql": POSTGRES_DROP})),
        migrations.AddField(
            model_name="auditevent",
            name="prev_hash",
            field=models.CharField(default="", editable=False, max_length=64),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="auditevent",
            name="row_hash",
            field=models.CharField(default="", editable=False, max_length=64),
            preserve_default=False,
        ),
        migrations.AlterModelOptions(
            name="auditevent",
            options={"base_manager_name": "objects", "ordering": ("-at", "-id")},
        ),
        migrations.CreateModel(
            name="AuditChainHead",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("last_id", models.BigIntegerField()),
                ("last_hash", models.CharField(max_length=64)),
                ("seal", models.CharField(max_length=64)),
            ],
            options={
                "base_manager_name": "objects",
                "constraints": [
                    models.CheckConstraint(condition=models.Q(id=1), name="audit_head_one_row")
                ],
            },
        ),
        migrations.RunPython(chain_existing_records),
        migrations.RunPython(_run({"sqlite": SQLITE_CREATE, "postgresql": POSTGRES_CREATE})),
    ]
