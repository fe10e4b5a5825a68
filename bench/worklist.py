"""Server time of both worklists with 100,000 patients.

Usage: python bench/worklist.py [--db sqlite|postgres|both] [--episodes N] [--operated N]
                                [--samples N]

Each patient has one tracked episode with a stored readiness (a realistic spread of missing,
expired and abnormal results, medicine stop dates and operation dates; the scheduled ones
booked). ``--operated`` patients (40,000 by default) also had their other hip operated in the
last two years: a signed note, the recovery plan with its stored appointments, most
physiotherapy reviews held (a few late, a few contradicting the plan), and the hip operated,
recovering, in follow-up or completed by its age. Requests go through Django's test client.
It prints each page's time (median and p95 of N reads) and queries, the time to rewrite one
hip's stored appointments, and the time the theatre worklist used to spend regenerating every
followed plan on each request.
"""

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from data import account, add_operated, add_patients, add_tracked
from harness import percentile, run_per_database


def load(count, seed=3):
    """``count`` patients, each with a hip waiting for surgery (bench/data.py)."""
    user = account()
    add_tracked(user, [pk for pk, _ in add_patients(user, count, prefix="W")], seed=seed)
    return user


def load_operated(user, count, seed=5):
    """The other hip of ``count`` patients, operated over the last two years."""
    from coxa.pathways.models import Episode

    first = list(Episode.objects.values_list("patient_id", "side")[:count])
    return len(add_operated(user, first, seed=seed))


def refresh_times(samples):
    """Rewriting one hip's stored appointments, as signing, a plan change or a review does."""
    from django.db import transaction

    from coxa.surgery.models import RecoveryPlan
    from coxa.surgery.services.appointments import store_appointments

    plans = list(RecoveryPlan.objects.order_by("?")[:samples])
    times = []
    for plan in plans:
        start = time.perf_counter()
        with transaction.atomic():
            store_appointments(plan)
        times.append((time.perf_counter() - start) * 1000)
    return times


def regenerate_time():
    """What each theatre worklist request did before ADR 0018: every followed plan, again."""
    from coxa.surgery import selectors
    from coxa.surgery.models import RecoveryPlan
    from coxa.surgery.worklist import FOLLOWED

    start = time.perf_counter()
    plans = RecoveryPlan.objects.filter(episode__state__in=FOLLOWED).select_related(
        "episode__patient"
    )
    count = sum(1 for plan in plans.iterator(chunk_size=2000) if selectors.signed_plan(plan))
    return count, (time.perf_counter() - start) * 1000


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


def run_one(db, count, operated_count, samples):
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    call_command("collectstatic", verbosity=0, interactive=False)
    user = load(count)
    operated = load_operated(user, operated_count)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    from coxa.pathways.models import Episode

    print(
        f"[{db}] loaded {Episode.objects.count():,} episodes: {count:,} tracked with stored "
        f"readiness, {operated:,} operated with stored plan appointments, "
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
        "theatre: every list, first page": "/staff/worklists/theatre-and-recovery/",
        "theatre: physiotherapy, page 2": (
            "/staff/worklists/theatre-and-recovery/?list=physiotherapy&page=2"
        ),
        "theatre: this week, page 5": "/staff/worklists/theatre-and-recovery/?list=week&page=5",
        "theatre: follow-ups, first page": (
            "/staff/worklists/theatre-and-recovery/?list=follow-ups"
        ),
    }
    baseline = None
    print(f"[{db}] {'request':<36} {'p50 ms':>8} {'p95 ms':>8} {'x base':>7}  queries")
    for name, url in cases.items():
        times, queries = measure(client, url, samples)
        p50, p95 = statistics.median(times), percentile(times, 0.95)
        baseline = baseline or p50
        print(f"[{db}] {name:<36} {p50:8.2f} {p95:8.2f} {p50 / baseline:7.1f}  {queries}")
    times = refresh_times(samples)
    print(
        f"[{db}] {'refresh one hip (store_appointments)':<36} {statistics.median(times):8.2f} "
        f"{percentile(times, 0.95):8.2f}"
    )
    plans, spent = regenerate_time()
    print(f"[{db}] before: regenerating {plans:,} followed plans per request: {spent:,.0f} ms")


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--episodes", type=int, default=100_000)
    parser.add_argument("--operated", type=int, default=40_000)
    parser.add_argument("--samples", type=int, default=60)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        run_one(args.db, args.episodes, args.operated, args.samples)
        return
    run_per_database(
        __file__,
        args.db,
        ["--episodes", args.episodes, "--operated", args.operated, "--samples", args.samples],
    )


if __name__ == "__main__":
    main()
