"""Server time of the pre-assessment worklist with 100,000 tracked episodes.

Usage: python bench/worklist.py [--db sqlite|postgres|both] [--episodes N] [--samples N]

Each episode gets a stored readiness with a realistic spread of missing, expired and abnormal
results, medicine stop dates and operation dates; requests go through Django's test client.
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


def load(count, seed=3):
    from coxa.accounts.models import User
    from coxa.assessment.models import Readiness
    from coxa.catalogue.registry import catalogue_hash, catalogue_version
    from coxa.demo.domain import FAMILY, GIVEN_FEMALE, GIVEN_MALE
    from coxa.pathways.models import Episode
    from coxa.patients.domain import name_key
    from coxa.patients.models import Patient

    rng = random.Random(seed)
    user = User.objects.create_user(username="bench", password="bench-password-1", role="nurse")
    now = dt.datetime.now(dt.UTC)
    today = now.date()
    Patient.objects.bulk_create(
        [
            Patient(
                given_name=(g := rng.choice(GIVEN_MALE + GIVEN_FEMALE)),
                family_name=(f := rng.choice(FAMILY)),
                given_key=name_key(g),
                family_key=name_key(f),
                date_of_birth=dt.date(1950, 1, 1) + dt.timedelta(days=rng.randrange(50 * 365)),
                sex=rng.choice(("male", "female")),
                hospital_number=f"W{index:07d}",
                created_by=user,
            )
            for index in range(count)
        ],
        batch_size=5000,
    )
    states = ("listed", "optimising", "ready", "scheduled")
    Episode.objects.bulk_create(
        [
            Episode(
                patient_id=pk,
                side=rng.choice(("left", "right")),
                procedure=rng.choice(("bhr", "core-decompression", "total-hip-replacement")),
                state=(state := rng.choice(states)),
                referred_on=today - dt.timedelta(days=rng.randrange(400)),
                state_changed_at=now - dt.timedelta(days=rng.randrange(200)),
                operation_on=today + dt.timedelta(days=rng.randrange(1, 90))
                if state == "scheduled"
                else None,
                catalogue_version=catalogue_version(),
                catalogue_hash=catalogue_hash(),
                created_by=user,
            )
            for pk in Patient.objects.values_list("pk", flat=True)
        ],
        batch_size=5000,
    )
    rows = []
    for pk, state, operation_on in Episode.objects.values_list("pk", "state", "operation_on"):
        missing = rng.choice((0, 0, 0, 1, 2, 4))
        stop = operation_on - dt.timedelta(days=10) if operation_on and rng.random() < 0.4 else None
        rows.append(
            Readiness(
                episode_id=pk,
                readiness="optimise"
                if state == "optimising"
                else rng.choice(("ready", "insufficient-data")),
                candidacy="indicated",
                missing_count=missing,
                expired_count=rng.choice((0, 0, 0, 1)),
                abnormal_count=int(state == "optimising"),
                unactioned_count=int(state == "optimising" and rng.random() < 0.5),
                expires_on=today + dt.timedelta(days=rng.randrange(-30, 120)),
                first_stop_on=stop,
                panel={},
                computed_at=now,
            )
        )
    Readiness.objects.bulk_create(rows, batch_size=5000)
    return user


def measure(client, url, samples):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(5):
        client.get(url)
    times = []
    for _ in range(samples):
        start = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    with CaptureQueriesContext(connection) as captured:
        client.get(url)
    return times, len(captured)


def run_one(db, count, samples):
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    call_command("collectstatic", verbosity=0, interactive=False)
    user = load(count)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    from coxa.pathways.models import Episode

    print(
        f"[{db}] loaded {Episode.objects.count():,} tracked episodes with stored readiness "
        f"in {time.perf_counter() - started:.1f} s"
    )
    client = Client()
    client.force_login(user)
    cases = {
        "baseline /healthz": "/healthz",
        "page: needs attention (any flag)": "/staff/worklists/pre-assessment/",
        "page: missing results": "/staff/worklists/pre-assessment/?flag=missing",
        "page: expiring, by name": "/staff/worklists/pre-assessment/?flag=expiring&sort=name",
        "page: stops due in 14 days": "/staff/worklists/pre-assessment/?flag=stops-due",
        "page: optimising too long": "/staff/worklists/pre-assessment/?flag=optimising-long",
        "page: BHR, page 40": "/staff/worklists/pre-assessment/?procedure=bhr&page=40",
        "API: needs attention": "/api/v1/worklists/pre-assessment",
        "API: unactioned, waiting longest": (
            "/api/v1/worklists/pre-assessment?flag=unactioned&sort=waiting"
        ),
    }
    baseline = None
    print(f"[{db}] {'request':<36} {'p50 ms':>8} {'p95 ms':>8} {'x base':>7}  queries")
    for name, url in cases.items():
        times, queries = measure(client, url, samples)
        p50, p95 = statistics.median(times), percentile(times, 0.95)
        baseline = baseline or p50
        print(f"[{db}] {name:<36} {p50:8.2f} {p95:8.2f} {p50 / baseline:7.1f}  {queries}")


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--episodes", type=int, default=100_000)
    parser.add_argument("--samples", type=int, default=60)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        run_one(args.db, args.episodes, args.samples)
        return
    run_per_database(__file__, args.db, ["--episodes", args.episodes, "--samples", args.samples])


if __name__ == "__main__":
    main()
