"""Server time of patient search and the patient chart with 100,000 patients.

Usage: python bench/patient_pages.py [--db sqlite|postgres|both] [--patients N]
       [--episodes N] [--samples N]
"""

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from data import account, add_hips, add_history, add_patients
from harness import percentile, run_per_database


def load(patients, episodes, seed=11):
    """Patients, one hip each (both hips for ``episodes - patients`` of them), in any open
    state, with their steps and audit trail (bench/data.py)."""
    from coxa.pathways.domain import EpisodeState

    user = account()
    ids = [pk for pk, _ in add_patients(user, patients, seed=seed)]
    states = [
        s.value for s in EpisodeState if s.value not in ("completed", "converted", "withdrawn")
    ]
    both = set(random.Random(seed).sample(ids, episodes - patients))
    add_hips(user, ids, states=states, both=both, seed=seed)
    add_history(user)
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
