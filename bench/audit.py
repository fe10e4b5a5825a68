"""The cost of the audit's hash chain: appending records, and verifying the log.

Usage: python bench/audit.py [--db sqlite|postgres|both] [--appends N] [--log N]

Appends: N records one at a time, each in its own transaction as a page read writes it,
first through ``audit.record`` (lock the head, hash, insert, move the head on) and then as
``record`` wrote them before the chain (one INSERT). Verify: ``coxa audit verify``'s walk over
a log of ``--log`` chained records (bulk-loaded here, then checked record by record).

Each database runs in a fresh child process with its own fresh database (a SQLite file in
a temporary folder; PostgreSQL database coxa_bench_audit on 127.0.0.1:5432).
"""

import argparse
import datetime as dt
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import PG_SERVER, ROOT

PG_NAME = "coxa_bench_audit"  # its own database: other benchmarks may run at the same time


def fields(index, at):
    return {
        "at": at,
        "actor_username": "bench",
        "actor_role": "nurse",
        "action": "patient.view",
        "object_type": "patient",
        "object_id": str(index),
        "summary": "Viewed the patient's chart",
        "via": "web",
        "details": {"index": index, "shown": [1, 2, 3]},
    }


def append_chained(count):
    from coxa.core import audit

    started = time.perf_counter()
    for index in range(count):
        audit.record(
            actor=None,
            action="patient.view",
            object_type="patient",
            object_id=str(index),
            summary="Viewed the patient's chart",
            details={"index": index, "shown": [1, 2, 3]},
        )
    return time.perf_counter() - started


def append_unchained(count):
    """As ``record`` wrote before the chain: one INSERT per record, nothing else."""
    from django.db import models

    from coxa.core import clock
    from coxa.core.models import AuditEvent

    started = time.perf_counter()
    for index in range(count):
        event = AuditEvent(**fields(index, clock.now()), row_hash="-")
        models.Model.save(event, force_insert=True)  # past the guard that wants a chained row
    return time.perf_counter() - started


def load_chained_log(count):
    """Bulk-load ``count`` chained records after those already there, and move the head."""
    from django.db import connection

    from coxa.core.audit import chain_key
    from coxa.core.audit_chain import Fields
    from coxa.core.models import AuditChainHead, AuditEvent

    key = chain_key()
    head = AuditChainHead.objects.get()
    last_id, last_hash = head.last_id, head.last_hash
    start = dt.datetime.now(dt.UTC)
    batch = []
    for index in range(count):
        values = fields(index, start + dt.timedelta(microseconds=index))
        body = Fields(actor_id=None, patient_id=None, reason="", **values)
        row_hash = key.row_hash(body, last_hash)
        last_id += 1
        batch.append(AuditEvent(id=last_id, prev_hash=last_hash, row_hash=row_hash, **values))
        last_hash = row_hash
        if len(batch) == 5000:
            AuditEvent.objects.bulk_create(batch)
            batch = []
    AuditEvent.objects.bulk_create(batch)
    if connection.vendor == "postgresql":  # explicit ids leave the sequence behind
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT setval(pg_get_serial_sequence('core_auditevent', 'id'), %s)", [last_id]
            )
    AuditChainHead.objects.filter(pk=head.pk).update(
        last_id=last_id, last_hash=last_hash, seal=key.seal(last_id, last_hash)
    )


def run_one(db, appends, log):
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from coxa.core.audit_verify import verify
    from coxa.core.models import AuditEvent

    call_command("migrate", verbosity=0)
    chained = append_chained(appends)
    print(
        f"[{db}] append {appends:,} records, chained:    {chained:6.2f} s "
        f"({appends / chained:8,.0f} records/s, {chained / appends * 1e6:5.0f} us each)"
    )
    load_chained_log(log - appends)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE core_auditevent")
    total = AuditEvent.objects.count()
    started = time.perf_counter()
    verdict = verify()
    seconds = time.perf_counter() - started
    assert verdict.ok, verdict
    assert verdict.verified == total, verdict
    print(
        f"[{db}] verify {total:,} records:              {seconds:6.2f} s "
        f"({total / seconds:8,.0f} records/s)"
    )
    unchained = append_unchained(appends)
    print(
        f"[{db}] append {appends:,} records, before the chain: {unchained:6.2f} s "
        f"({appends / unchained:8,.0f} records/s, {unchained / appends * 1e6:5.0f} us each)"
    )
    print(f"[{db}] chained append costs {chained / unchained:.1f} x the unchained one")


def prepare_postgres():
    import psycopg

    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {PG_NAME}")
        conn.execute(f"CREATE DATABASE {PG_NAME}")
    return f"{PG_SERVER}/{PG_NAME}"


def run_children(which, arguments):
    for db in ("sqlite", "postgres") if which == "both" else (which,):
        with tempfile.TemporaryDirectory() as var:
            url = prepare_postgres() if db == "postgres" else f"sqlite:///{var}/bench.sqlite3"
            env = os.environ | {
                "COXA_DATABASE_URL": url,
                "COXA_VAR_DIR": var,
                "COXA_SECRET_KEY": "bench",
                "COXA_AUDIT_KEY": "bench-audit-key",
                "COXA_ALLOWED_HOSTS": "testserver",
                "COXA_DEBUG": "false",
                "COXA_LOG_LEVEL": "ERROR",
                "DJANGO_SETTINGS_MODULE": "coxa.config.settings",
            }
            command = [sys.executable, __file__, "--child", "--db", db, *map(str, arguments)]
            subprocess.run(command, env=env, check=True, cwd=ROOT)


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--appends", type=int, default=10_000)
    parser.add_argument("--log", type=int, default=1_000_000, help="records to verify")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.log < args.appends:
        parser.error("--log must hold at least the --appends records")
    if not args.child:
        run_children(args.db, ["--appends", args.appends, "--log", args.log])
        return
    run_one(args.db, args.appends, args.log)


if __name__ == "__main__":
    main()
