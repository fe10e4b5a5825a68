"""Server time of the metal-on-metal surveillance worklist with 100,000 enrolled hips.

Usage: python bench/surveillance_worklist.py [--db sqlite|postgres|both] [--hips N]
                                             [--samples N] [--explain]

Builds ``--hips`` patients (100,000 by default), each with one resurfaced hip in follow-up
and its enrolment, the enrolment's stored programme columns set as the surveillance services
would leave them (issue 15, ADR 0024): operated 1 month to 20 years ago, most reviewed within
the last year and next due within the coming one, some due now or overdue, about 4 in 100
flagged, 2 in 100 awaiting a repeat of their bloods, 3 in 100 lost to follow-up, 3 in 100
ended (revised or died). The rows are bulk-created, not recorded through the services: the
benchmark measures the list's reads, and a hundred thousand service calls would take hours.
The columns the list reads are the services' own (``programme.apply`` sets the same ones).

Then it times ``coxa.surveillance.worklist.list_surveillance_worklist`` (the function the
page and the API call: its permission check, queries, paging, capped count and its audit
record) for each status filter and no filter, on page 1 and on a deep page, printing the
median and p95 of ``--samples`` reads and the queries each read made. The issue's target:
p95 under 100 ms on SQLite and PostgreSQL, the same number of queries on every page.
``--explain`` prints each filter's query plan (always printed for a filter over 100 ms).
PostgreSQL runs in a database of its own (``COXA_BENCH_PG_NAME``, default ``bench_surv``).
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("COXA_BENCH_PG_NAME", "bench_surv")
sys.path.insert(0, str(Path(__file__).resolve().parent))
from data import account, add_patients
from harness import percentile, run_per_database
from programmes import add_resurfaced, enrol

TARGET_MS = 100
STATUSES = ("", "due", "overdue", "flagged", "repeat", "lost")


def load(count, seed=15):
    """``count`` patients, each with a resurfaced hip enrolled (bench/programmes.py)."""
    user = account()
    hips = add_resurfaced(user, [pk for pk, _ in add_patients(user, count, prefix="M")], seed=seed)
    enrol([(e.pk, e.state, e.operation_on) for e in hips], seed=seed)
    return user


def measure(user, status, number, samples):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from coxa.core.audit import Via
    from coxa.core.pagination import PageRequest
    from coxa.core.worklists import PAGE_SIZE
    from coxa.surveillance.worklist import SurveillanceQuery, list_surveillance_worklist

    def read():
        return list_surveillance_worklist(
            actor=user,
            query=SurveillanceQuery(status=status),
            page=PageRequest(number=number, size=PAGE_SIZE),
            via=Via.WEB,
        )

    for _ in range(3):
        read()
    times = []
    for _ in range(samples):
        start = time.perf_counter()
        read()
        times.append((time.perf_counter() - start) * 1000)
    with CaptureQueriesContext(connection) as captured:
        shown = read()
    return times, len(captured), len(shown.rows)


def explain(db, user, status):
    from coxa.surveillance.worklist import SurveillanceQuery, worklist

    rows = worklist(actor=user, query=SurveillanceQuery(status=status))
    options = {"analyze": True, "buffers": True} if db == "postgres" else {}
    print(f"[{db}] query plan, status={status or '(any)'}, page 1:")
    for line in rows[:50].explain(**options).splitlines():
        print(f"[{db}]   {line}")


def run_one(db, count, samples, show_plans):
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from coxa.core.worklists import PAGE_SIZE
    from coxa.surveillance.models import Enrolment
    from coxa.surveillance.worklist import SurveillanceQuery, worklist

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    user = load(count)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    active = Enrolment.objects.filter(status="active").count()
    print(
        f"[{db}] loaded {Enrolment.objects.count():,} enrolled hips ({active:,} active) "
        f"in {time.perf_counter() - started:.1f} s"
    )
    print(
        f"[{db}] {'status':<10} {'rows':>7} {'page':>5} {'p50 ms':>8} {'p95 ms':>8}  queries  shown"
    )
    slow = []
    for status in STATUSES:
        listed = worklist(actor=user, query=SurveillanceQuery(status=status)).count()
        # A deep page as the other worklists' benchmark reads it (page 40: a thousand hips in).
        deep = max(1, min(40, (listed // PAGE_SIZE) // 2 + 1))
        for number in dict.fromkeys((1, deep)):
            times, queries, shown = measure(user, status, number, samples)
            p50, p95 = statistics.median(times), percentile(times, 0.95)
            print(
                f"[{db}] {status or '(any)':<10} {listed:>7,} {number:>5} {p50:8.2f} "
                f"{p95:8.2f}  {queries:>7}  {shown:>5}"
            )
            if p95 >= TARGET_MS and status not in slow:
                slow.append(status)
    for status in STATUSES if show_plans else slow:
        explain(db, user, status)


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--hips", type=int, default=100_000)
    parser.add_argument("--samples", type=int, default=60)
    parser.add_argument("--explain", action="store_true", help="print every filter's plan")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        run_one(args.db, args.hips, args.samples, args.explain)
        return
    run_per_database(
        __file__,
        args.db,
        ["--hips", args.hips, "--samples", args.samples, *(["--explain"] if args.explain else [])],
    )


if __name__ == "__main__":
    main()
