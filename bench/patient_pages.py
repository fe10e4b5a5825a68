"""Server time of patient search and the patient chart with 100,000 patients.

Usage: python bench/patient_pages.py [--db sqlite|postgres|both] [--patients N]
       [--episodes N] [--samples N]
"""

import argparse
import datetime as dt
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import percentile, run_per_database


def load(patients, episodes, seed=11):
    """Bulk-load synthetic rows (the services are exercised by the test suite, not here)."""
    from coxa.accounts.models import User
    from coxa.catalogue.registry import catalogue_hash, catalogue_version
    from coxa.core.models import AuditEvent
    from coxa.demo.domain import FAMILY, GIVEN_FEMALE, GIVEN_MALE
    from coxa.pathways.domain import EpisodeState
    from coxa.pathways.models import Episode, EpisodeTransition
    from coxa.patients.domain import name_key, nhs_check_digit
    from coxa.patients.models import Patient

    rng = random.Random(seed)
    user = User.objects.create_user(username="bench", password="bench-password-1", role="nurse")
    now = dt.datetime.now(dt.UTC)
    states = [
        s.value for s in EpisodeState if s.value not in ("completed", "converted", "withdrawn")
    ]
    first_nine = 999_000_000
    rows = []
    for index in range(patients):
        while nhs_check_digit(f"{first_nine:09d}") is None:
            first_nine += 1
        nhs = f"{first_nine:09d}{nhs_check_digit(f'{first_nine:09d}')}"
        first_nine += 1
        sex = rng.choice(("male", "female"))
        given = rng.choice(GIVEN_MALE if sex == "male" else GIVEN_FEMALE)
        family = rng.choice(FAMILY) + ("" if index % 3 else rng.choice(FAMILY).lower())
        rows.append(
            Patient(
                given_name=given,
                family_name=family,
                given_key=name_key(given),
                family_key=name_key(family),
                date_of_birth=dt.date(1940, 1, 1) + dt.timedelta(days=rng.randrange(60 * 365)),
                sex=sex,
                nhs_number=nhs,
                hospital_number=f"B{index:07d}",
                created_by=user,
            )
        )
    Patient.objects.bulk_create(rows, batch_size=5000)
    ids = list(Patient.objects.values_list("pk", "public_id"))
    AuditEvent.objects.bulk_create(
        [
            AuditEvent(
                at=now,
                actor=user,
                actor_username="bench",
                actor_role="nurse",
                action="patient.create",
                object_type="patient",
                object_id=str(pid),
                patient_id=pid,
                summary="Patient registered",
                via="cli",
            )
            for _, pid in ids
        ],
        batch_size=5000,
    )
    # Every patient one hip; half of them (episodes - patients) both hips.
    both = set(rng.sample(range(len(ids)), episodes - patients))
    episode_rows = []
    for position, (pk, _) in enumerate(ids):
        for side in ("left", "right") if position in both else (rng.choice(("left", "right")),):
            episode_rows.append(
                Episode(
                    patient_id=pk,
                    side=side,
                    procedure=rng.choice(("bhr", "core-decompression", "total-hip-replacement")),
                    state=rng.choice(states),
                    referred_on=now.date() - dt.timedelta(days=rng.randrange(900)),
                    state_changed_at=now - dt.timedelta(minutes=rng.randrange(10**6)),
                    catalogue_version=catalogue_version(),
                    catalogue_hash=catalogue_hash(),
                    created_by=user,
                )
            )
    Episode.objects.bulk_create(episode_rows, batch_size=5000)
    EpisodeTransition.objects.bulk_create(
        [
            EpisodeTransition(episode_id=pk, from_state="", to_state="referred", at=now, by=user)
            for pk in Episode.objects.values_list("pk", flat=True)
        ],
        batch_size=5000,
    )
    by_patient = dict(ids)
    AuditEvent.objects.bulk_create(
        [
            AuditEvent(
                at=now,
                actor=user,
                actor_username="bench",
                actor_role="nurse",
                action="episode.create",
                object_type="episode",
                object_id=str(epid),
                patient_id=by_patient[pk],
                summary="Episode opened",
                via="cli",
            )
            for pk, epid in Episode.objects.values_list("patient_id", "public_id")
        ],
        batch_size=5000,
    )
    return user


def measure(client, urls, warmup=20):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for url in urls[:warmup]:
        client.get(url)
    times, queries = [], set()
    for url in urls:
        start = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    for url in urls[:30]:
        with CaptureQueriesContext(connection) as captured:
            client.get(url)
        queries.add(len(captured))
    return times, sorted(queries)


def run_one(db, patients, episodes, samples):
    import django

    django.setup()
    from django.core.management import call_command
    from django.test import Client

    from coxa.pathways.models import Episode
    from coxa.patients.models import Patient

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    call_command("collectstatic", verbosity=0, interactive=False)  # as a deployment would
    user = load(patients, episodes)
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # fresh statistics for the planner, on both databases
    print(
        f"[{db}] loaded {Patient.objects.count():,} patients, {Episode.objects.count():,} "
        f"episodes in {time.perf_counter() - started:.1f} s"
    )

    rng = random.Random(5)
    sample = (
        list(Patient.objects.order_by("?")[:samples])
        if db == "postgres"
        else [Patient.objects.get(pk=pk) for pk in rng.sample(range(1, patients + 1), samples)]
    )
    queries = []
    for index, patient in enumerate(sample):
        kind = index % 5
        if kind == 0:
            queries.append(patient.family_name[:3])
        elif kind == 1:
            queries.append(f"{patient.given_name[:2]} {patient.family_name[:4]}")
        elif kind == 2:
            queries.append(patient.date_of_birth.isoformat())
        elif kind == 3:
            queries.append(patient.nhs_number)
        else:
            queries.append(patient.hospital_number)
    client = Client()
    client.force_login(user)
    from urllib.parse import quote

    cases = {
        "baseline /healthz": ["/healthz"] * samples,
        "search page /staff/patients/?q=": [f"/staff/patients/?q={quote(q)}" for q in queries],
        "patient page /staff/patients/<id>/": [f"/staff/patients/{p.public_id}/" for p in sample],
        "API GET /api/v1/patients?q=": [f"/api/v1/patients?q={quote(q)}" for q in queries],
        "API GET /api/v1/patients/<id>": [f"/api/v1/patients/{p.public_id}" for p in sample],
    }
    baseline = None
    print(f"[{db}] {'request':<38} {'p50 ms':>8} {'p95 ms':>8} {'x baseline':>10}  queries")
    for name, urls in cases.items():
        times, counts = measure(client, urls)
        p50, p95 = statistics.median(times), percentile(times, 0.95)
        baseline = baseline or p50
        print(f"[{db}] {name:<38} {p50:8.2f} {p95:8.2f} {p50 / baseline:10.1f}  {counts}")


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--patients", type=int, default=100_000)
    parser.add_argument("--episodes", type=int, default=150_000)
    parser.add_argument("--samples", type=int, default=300)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if not args.child:
        run_per_database(
            __file__,
            args.db,
            ["--patients", args.patients, "--episodes", args.episodes, "--samples", args.samples],
        )
        return
    run_one(args.db, args.patients, args.episodes, args.samples)


if __name__ == "__main__":
    main()
