"""The nightly readiness check (`coxa refresh_readiness`) over 100,000 tracked hips.

Usage: python bench/refresh_readiness.py [--db sqlite|postgres|both] [--patients N]
                                         [--chunk N] [--sample N]

Builds ``--patients`` patients (100,000 by default), each with one tracked hip and what its
pre-assessment clinic recorded. The rows are bulk-created (a hundred thousand service calls
would take hours) from the demo's own profiles (``coxa.demo.assessment_profiles``), each
entry checked by its schema and converted by the entry service's own ``_fields``: most
complete and passing, recorded 1 to 120 days ago (so some have lapsed); some failing one
gate (BMI, blood pressure, haemoglobin, HbA1c, smoking), half of those with the action
taken; some partial, some stale, some with nothing recorded; some on medicines; a few with
a surgeon's acknowledgement; two in five of the complete ones booked 1 to 60 days ahead.

The hips are then settled as the clinic would have left them: a dry run as of yesterday
says where the gate puts each, the states are set so, and the check runs as of yesterday
(writing every stored readiness). Then the night is timed: the check as of today, as
`coxa refresh_readiness` runs it (``nightly.refresh_tracked``), printing the time, hips a
second, the queries it sent (and per chunk) and the hips it moved (results that lapsed
today). Last, the hip-by-hip refresh it replaced is timed on ``--sample`` hips, for
comparison. The issue's target: under 60 s for 100,000 hips. PostgreSQL runs in a database
of its own (``COXA_BENCH_PG_NAME``, default ``bench_refresh``).
"""

import argparse
import datetime as dt
import os
import random
import sys
import time
from pathlib import Path

os.environ.setdefault("COXA_BENCH_PG_NAME", "bench_refresh")
sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import run_per_database

TARGET_S = 60
# (profile, share): "full" passes; "optimise" fails one gate; "" has nothing recorded.
PROFILES = (("full", 55), ("optimise", 15), ("partial", 12), ("stale", 6), ("", 12))
FLUSH = 20_000  # rows of one kind held before they are written


def load(count, seed=11):
    """``count`` patients, each with a tracked hip; the hips, with their profiles."""
    from coxa.accounts.models import User
    from coxa.catalogue.registry import catalogue_hash, catalogue_version
    from coxa.demo.domain import FAMILY, GIVEN_FEMALE, GIVEN_MALE
    from coxa.pathways.models import Episode
    from coxa.patients.domain import name_key
    from coxa.patients.models import Patient

    rng = random.Random(seed)
    user = User.objects.create_user(username="bench", password="bench-password-1", role="nurse")
    now = dt.datetime.now(dt.UTC)
    today = now.date()
    people = []
    for index in range(count):
        sex = rng.choice(("male", "female"))
        given, family = (
            rng.choice(GIVEN_MALE if sex == "male" else GIVEN_FEMALE),
            rng.choice(FAMILY),
        )
        people.append(
            Patient(
                given_name=given,
                family_name=family,
                given_key=name_key(given),
                family_key=name_key(family),
                date_of_birth=dt.date(1950, 1, 1) + dt.timedelta(days=rng.randrange(45 * 365)),
                sex=sex,
                hospital_number=f"R{index:07d}",
                created_by=user,
            )
        )
    insert(Patient, people)
    hips, found, shape, profiles = [], [], {}, [p for p, _ in PROFILES]
    for pk, sex in Patient.objects.order_by("pk").values_list("pk", "sex"):
        profile = rng.choices(profiles, [w for _, w in PROFILES])[0]
        booked = profile == "full" and rng.random() < 0.4
        choices = (
            "core-decompression",
            "total-hip-replacement",
            *(("bhr",) if sex == "male" else ()),
        )
        hip = Episode(
            patient_id=pk,
            side=rng.choice(("left", "right")),
            procedure=rng.choice(choices),
            state="scheduled"
            if booked
            else {"full": "ready", "optimise": "optimising"}.get(profile, "listed"),
            referred_on=today - dt.timedelta(days=rng.randrange(150, 400)),
            state_changed_at=now - dt.timedelta(days=rng.randrange(1, 100)),
            operation_on=(
                day := today + dt.timedelta(days=rng.randrange(1, 60)) if booked else None
            ),
            booked_on=day,
            catalogue_version=catalogue_version(),
            catalogue_hash=catalogue_hash(),
            created_by=user,
        )
        hips.append(hip)
        shape[pk] = (profile, sex)
    insert(Episode, hips)
    for hip in Episode.objects.order_by("pk"):
        hip.bench = shape[hip.patient_id]
        found.append(hip)
    return user, record(found, user, rng, today)


def record(hips, user, rng, today):
    """The clinic's entries for each hip, checked and converted as the entry service does."""
    from coxa.assessment import selectors
    from coxa.assessment.domain.entries import SCHEMAS, Kind, entry_date
    from coxa.assessment.models import CautionAcknowledgement
    from coxa.assessment.services.entries import _fields
    from coxa.demo.assessment_profiles import GATES, listing_entries

    now = dt.datetime.now(dt.UTC)
    held: dict = {kind: [] for kind in Kind}
    total = 0

    def flush(kind, at_least):
        if len(held[kind]) >= at_least:
            insert(selectors.MODELS[kind], held[kind])
            held[kind] = []

    for hip in hips:
        profile, sex = hip.bench
        if not profile:
            continue
        recent = rng.random() < 0.75
        day = today - dt.timedelta(days=rng.randrange(1, 26) if recent else rng.randrange(26, 121))
        rows = listing_entries(
            procedure=hip.procedure,
            side=hip.side,
            sex=sex,
            seed=rng.randrange(1 << 30),
            day=day,
            profile=profile,
            gate=rng.choice(GATES) if profile == "optimise" else None,
        )
        for name, payload in rows:
            kind = Kind(name)
            entry = SCHEMAS[kind].model_validate(payload)
            held[kind].append(
                selectors.MODELS[kind](
                    patient_id=hip.patient_id,
                    episode_id=hip.pk,
                    recorded_by=user,
                    recorded_at=now,
                    on=entry_date(entry),
                    **_fields(kind, entry),
                )
            )
            flush(kind, FLUSH)
        total += len(rows)
    for kind in Kind:
        flush(kind, 1)
    acknowledged = [h for h in hips if h.bench[0] and rng.random() < 0.03]
    insert(
        CautionAcknowledgement,
        [
            CautionAcknowledgement(
                episode_id=h.pk,
                cautions={"cd.lesion-size": "A large lesion: discussed."},
                reason="Discussed with the patient at length.",
                by=user,
                at=now,
                catalogue_version="bench",
            )
            for h in acknowledged
        ],
    )
    return total


def insert(model, objects):
    """Insert model instances in one ``executemany``, values adapted only where needed.

    ``bulk_create`` spends most of its time preparing each value; at a million rows that
    is most of the load. The instances give each field its default; the time stamps are
    now.
    """
    from django.db import connection, models, transaction

    ops = connection.ops
    stamp = ops.adapt_datetimefield_value(dt.datetime.now(dt.UTC))
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]

    def adapter(field):
        if field.name in ("created_at", "updated_at"):
            return lambda _: stamp
        if isinstance(field, models.JSONField):
            return lambda value: ops.adapt_json_value(value, field.encoder)
        if isinstance(field, models.UUIDField):
            return lambda value: field.get_db_prep_value(value, connection)
        if isinstance(field, models.DateTimeField):
            return ops.adapt_datetimefield_value
        if isinstance(field, models.DateField):
            return ops.adapt_datefield_value
        return None

    adapters = [(f.attname, adapter(f)) for f in fields]
    columns = ", ".join(ops.quote_name(f.column) for f in fields)
    marks = ", ".join("%s" for _ in fields)
    sql = f"INSERT INTO {ops.quote_name(model._meta.db_table)} ({columns}) VALUES ({marks})"
    rows = [
        [a(getattr(o, name)) if a else getattr(o, name) for name, a in adapters] for o in objects
    ]
    with transaction.atomic(), connection.cursor() as cursor:  # SQLite: one sync, not a row's
        for start in range(0, len(rows), 20_000):
            cursor.executemany(sql, rows[start : start + 20_000])


def settle(yesterday):
    """States and stored readiness as the gate left them yesterday (no moves to make)."""
    from coxa.assessment.services import nightly
    from coxa.core import clock
    from coxa.pathways.models import Episode

    with clock.replaying(yesterday):
        judged = nightly.refresh_tracked(dry_run=True)
    targets: dict = {}
    for episode, _, after in judged.moves:
        targets.setdefault(after, []).append(episode.pk)
    for state, pks in targets.items():
        for start in range(0, len(pks), 5000):
            Episode.objects.filter(pk__in=pks[start : start + 5000]).update(state=state)
    started = time.perf_counter()
    with clock.replaying(yesterday):
        first = nightly.refresh_tracked()
    return len(judged.moves), first, time.perf_counter() - started


class Counter:
    """Counts the statements sent (``executemany`` counts once): the chunks', the moves'."""

    def __init__(self):
        self.chunks = self.moves = 0
        self.moving = False

    def __call__(self, execute, sql, params, many, context):
        if self.moving:
            self.moves += 1
        else:
            self.chunks += 1
        return execute(sql, params, many, context)

    def around(self, refresh):
        def moving(*args, **kwargs):
            self.moving = True
            try:
                return refresh(*args, **kwargs)
            finally:
                self.moving = False

        return moving


def night(chunk):
    from django.db import connection

    from coxa.assessment.services import nightly

    counter = Counter()
    refresh, nightly.refresh = nightly.refresh, counter.around(nightly.refresh)
    started, cpu = time.perf_counter(), time.process_time()
    try:
        with connection.execute_wrapper(counter):
            run = nightly.refresh_tracked(chunk=chunk)
    finally:
        nightly.refresh = refresh
    return run, time.perf_counter() - started, time.process_time() - cpu, counter


def hip_by_hip(sample):
    """The refresh the check replaced: each hip its own transaction, as Coxa."""
    from coxa.assessment.domain.requirements import TRACKED
    from coxa.assessment.services import nightly
    from coxa.pathways.models import Episode

    ids = list(
        Episode.objects.filter(state__in=[s.value for s in TRACKED])
        .order_by("?")
        .values_list("pk", flat=True)[:sample]
    )
    started, cpu = time.perf_counter(), time.process_time()
    run = nightly._one_by_one(Episode.objects.filter(pk__in=ids), dry_run=False)
    return run, time.perf_counter() - started, time.process_time() - cpu


def run_one(db, count, chunk, sample):
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from coxa.assessment.services import nightly

    chunk = chunk or nightly.CHUNK
    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    _, entries = load(count)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(
        f"[{db}] loaded {count:,} tracked hips, {entries:,} clinic entries "
        f"in {time.perf_counter() - started:.0f} s"
    )
    now = dt.datetime.now(dt.UTC)
    moved, first, spent = settle(now - dt.timedelta(days=1))
    print(
        f"[{db}] settled as of yesterday: {moved:,} states set; the first night wrote "
        f"{first.refreshed:,} stored readiness rows in {spent:.1f} s"
    )
    run, spent, cpu, queries = night(chunk)
    chunks = -(-run.refreshed // chunk)
    projected = spent * 100_000 / max(1, run.refreshed)
    print(
        f"[{db}] tonight: {run.refreshed:,} hips in {spent:.1f} s, {cpu:.1f} s of it on this "
        f"process's CPU ({run.refreshed / spent:,.0f} hips/s; 100,000 in {projected:.0f} s: "
        f"target under {TARGET_S} s {'met' if projected < TARGET_S else 'NOT met'})"
    )
    print(
        f"[{db}] tonight: {queries.chunks:,} queries for {chunks} chunks of {chunk} "
        f"({queries.chunks / max(1, chunks):.1f} a chunk, its transaction's own included); "
        f"{len(run.moves):,} moved ({queries.moves:,} queries: a hip's own refresh each), "
        f"{len(run.failed)} failed"
    )
    before, spent, cpu = hip_by_hip(sample)
    per_hip = spent / max(1, before.refreshed)
    print(
        f"[{db}] hip by hip (before), {before.refreshed:,} hips: {per_hip * 1000:.1f} ms a hip "
        f"({cpu / max(1, before.refreshed) * 1000:.1f} ms of CPU): "
        f"{per_hip * 100_000 / 60:.1f} min for 100,000"
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--patients", type=int, default=100_000)
    parser.add_argument("--chunk", type=int, default=0, help="hips a chunk (nightly.CHUNK)")
    parser.add_argument("--sample", type=int, default=500, help="hips timed hip by hip")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        run_one(args.db, args.patients, args.chunk, args.sample)
        return
    run_per_database(
        __file__,
        args.db,
        ["--patients", args.patients, "--chunk", args.chunk, "--sample", args.sample],
    )


if __name__ == "__main__":
    main()
