"""Issue 20's table: every page, worklist and API list at a national service's scale.

Builds a fresh database (bench/data.py, bench/programmes.py, bench/export.py's loaders) with
``--patients`` patients (100,000 by default) and 1.5 hips each: two in three with a hip
waiting for surgery (stored readiness, the scheduled ones booked), the others referred or
assessed; 40 in 100 with the other hip operated in the last two years (signed note, recovery
plan, stored appointments, physiotherapy reviews); 10 in 100 with a resurfaced hip operated
up to 20 years ago; every resurfaced hip under surveillance, every followed hip with its
follow-up programme, five clinic measurements a patient, each hip's steps and the audit
trail of its creation; and 8 patient accounts linked to patients with a hip recovering and
one waiting. Then, for each request of the table:

1. one client in process (Django's test client: routing, middleware, session, permission
   checks, queries, the audit write, rendering): p50/p95 of ``--samples`` reads spread over
   different patients and hips (at most ``--budget`` seconds a kind), the queries each read
   made (min-max) and the answer's size;
2. ``--clients`` concurrent clients against gunicorn with ``--workers`` sync workers (the
   deployment kit's configuration) on loopback, one request kind at a time for
   ``--seconds``, ``--runs`` times: the medians of the runs' p50, p95 and requests/s.

The analytics page is computed by a background job: its first view (the progress page) is
timed once, ``coxa worker --batch`` computes it, and the repeated views are measured.
``/healthz`` is the baseline. The table says whether each row meets issue 20's targets (p95
under 50 ms single-client and under 150 ms with 8 clients); nothing is asserted.

Defaults keep one database's run near 10 minutes at 100,000 patients: one run of 10 s a
kind. The issue's own figures are medians of 3 runs of 15 s: ``--runs 3 --seconds 15``.
``--ratio`` first runs the same at ``--ratio-patients`` (1,000) with ``--ratio-seconds``
(5 s) a kind, and adds each row's requests/s at the full size divided by that, as the
issue's table has it; a query count that differs between the sizes is marked ``*``.

Usage: python bench/pages.py [--db sqlite|postgres|both] [--patients N] [--samples N]
       [--budget S] [--clients N] [--workers N] [--seconds S] [--runs N] [--ratio]
       [--ratio-patients N] [--ratio-seconds S] [--only TEXT,...]
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("COXA_BENCH_PG_NAME", "bench_pages")
sys.path.insert(0, str(Path(__file__).resolve().parent))
import hammer
from harness import ROOT, percentile, run_per_database
from pages_data import ANALYTICS, FIRST_VIEW, WRITERS, load, requests

SINGLE_TARGET_MS, CONCURRENT_TARGET_MS = 50, 150
COMPUTING = b'data-testid="computing"'
ENV = {
    "COXA_ALLOWED_HOSTS": "testserver,127.0.0.1,localhost",
    "COXA_SECURE_COOKIES": "false",
    "COXA_LOGIN_FAILURE_LIMIT": "1000",
    "COXA_CONTACT_WARD_PHONE": "0121 000 0000",  # not the example numbers (no warning)
    "COXA_CONTACT_OFFICE_PHONE": "0121 000 0001",
}


def send(clients, item):
    who, method, path, body, headers = item
    extra = {k: v for k, v in headers.items() if k != "Content-Type"}
    typed = {"content_type": headers["Content-Type"]} if "Content-Type" in headers else {}
    return clients[who].generic(method, path, data=body or b"", headers=extra, **typed)


def single(clients, items, samples, budget):
    """One client in process: times, queries and sizes of up to ``samples`` reads."""
    from django.db import connection

    made = [0]

    def counted(execute, sql, params, many, context):
        made[0] += 1
        return execute(sql, params, many, context)

    started = time.perf_counter()
    send(clients, items[0])
    if time.perf_counter() - started < 1:  # a second warm-up, unless reads take seconds
        send(clients, items[1 % len(items)])
    times, queries, sizes, problems = [], [], [], []
    began = time.perf_counter()
    for n in range(samples):
        item = items[(n + 2) % len(items)]
        made[0] = 0
        with connection.execute_wrapper(counted):
            started = time.perf_counter()
            answer = send(clients, item)
            times.append((time.perf_counter() - started) * 1000)
        queries.append(made[0])
        sizes.append(len(answer.content))
        if answer.status_code != 200:
            problems.append(f"HTTP {answer.status_code} {item[2][:60]}")
        if time.perf_counter() - began > budget and len(times) >= 3:
            break
    return {
        "n": len(times),
        "p50": statistics.median(times),
        "p95": percentile(times, 0.95),
        "queries": [min(queries), max(queries)],
        "kb": statistics.median(sizes) / 1024,
        "errors": len(problems),
        "problems": sorted(set(problems))[:3],
    }


def compute_analytics(clients):
    """The analytics page's first view (its progress page), then a worker computes it.

    None when it was already computed for the data as it is now.
    """
    from coxa.core.models import BackgroundJob

    analyst = clients["bench-analyst"]
    started = time.perf_counter()
    first = analyst.get(ANALYTICS)
    first_ms = (time.perf_counter() - started) * 1000
    if COMPUTING not in first.content:
        return None
    started = time.perf_counter()
    worker = [sys.executable, "-m", "coxa", "worker", "--batch", "--no-startup-delay"]
    subprocess.run([*worker, "--no-reload"], check=True, cwd=ROOT)
    seconds = time.perf_counter() - started
    job = BackgroundJob.objects.order_by("-id").first()
    shown = analyst.get(ANALYTICS)
    return {
        "first_ms": first_ms,
        "worker_s": seconds,
        "job": f"{job.status}{': ' + job.error if job.error else ''}",
        "shown": shown.status_code == 200 and COMPUTING not in shown.content,
        "kb": len(shown.content) / 1024,
    }


def clients_for(usernames):
    from django.test import Client

    from coxa.accounts.models import User

    # A 500 is counted as an error, not raised (the log has its traceback).
    clients = {"": Client(raise_request_exception=False)}
    for user in User.objects.filter(username__in=usernames):
        clients[user.username] = Client(raise_request_exception=False)
        clients[user.username].force_login(user)
    return clients


def in_process(db, kinds, clients, args, results):
    for name, items in kinds.items():
        if name == FIRST_VIEW:
            computed = compute_analytics(clients)
            results[name] = {"analytics": computed}
            print(f"[{db}] analytics computed: {computed}", flush=True)
            continue
        results[name] = {"single": single(clients, items, args.samples, args.budget)}
        done = results[name]["single"]
        print(
            f"[{db}]   in process: {name}: p50 {done['p50']:.1f} ms, p95 {done['p95']:.1f} "
            f"ms ({done['n']} reads; load average {os.getloadavg()[0]:.1f})",
            flush=True,
        )


def over_http(db, kinds, clients, port, cookies, args, results):
    from django.db import connections

    for name, items in kinds.items():
        if name == FIRST_VIEW:
            again = compute_analytics(clients)  # when the data's version moved since
            if again is not None:
                print(f"[{db}] analytics computed again: {again}", flush=True)
            continue
        connections.close_all()  # nothing open in the forked clients
        sent = [(cookies.get(w, ""), m, p, b, h) for w, m, p, b, h in items]
        done = hammer.concurrent(port, sent, args.clients, args.seconds, args.runs)
        results[name]["http"] = done | {"load": os.getloadavg()[0]}
        print(
            f"[{db}]   {args.clients} clients: {name}: p50 {done['p50']:.1f} ms, p95 "
            f"{done['p95']:.1f} ms, {done['rps']:.1f}/s, {done['errors']} errors (load "
            f"average {os.getloadavg()[0]:.1f})",
            flush=True,
        )


def measure(db, kinds, args):
    """In process, then over HTTP; the requests that write (``WRITERS``) last, in both.

    A CDS answer is recorded, which moves the data's version: the analytics page and the
    home page's counts are computed again after it.
    """
    from data import PASSWORD

    reads = {k: v for k, v in kinds.items() if k not in WRITERS}
    writes = {k: v for k, v in kinds.items() if k in WRITERS}
    clients = clients_for({who for items in kinds.values() for who, *_ in items})
    results = {}
    in_process(db, reads, clients, args, results)
    var = Path(os.environ["COXA_VAR_DIR"])
    with hammer.server(args.workers, var / "gunicorn.log") as port:
        names = sorted({who for items in kinds.values() for who, *_ in items if who})
        cookies = hammer.cookies_for(port, names, PASSWORD)
        over_http(db, reads, clients, port, cookies, args, results)
        in_process(db, writes, clients, args, results)
        over_http(db, writes, clients, port, cookies, args, results)
    timeouts = (var / "gunicorn.log").read_text().count("WORKER TIMEOUT")
    if timeouts:
        print(f"[{db}] gunicorn killed {timeouts} workers at their timeout", flush=True)
    return results


def verdict(row):
    single_p95 = row.get("single", {}).get("p95")
    http_p95 = row.get("http", {}).get("p95")
    if single_p95 is None or http_p95 is None:
        return ""
    missed = [
        what
        for what, p95, target in (
            ("single", single_p95, SINGLE_TARGET_MS),
            (f"{row['clients']} clients", http_p95, CONCURRENT_TARGET_MS),
        )
        if not p95 < target
    ]
    return "met" if not missed else "NOT met: " + ", ".join(missed)


def print_table(db, summary, results, args, baseline):
    print(f"\n[{db}] {summary}")
    print(
        f"[{db}] p50/p95 in ms. single: one client in process, up to {args.samples} reads; "
        f"{args.clients} clients: gunicorn, {args.workers} sync workers, median of "
        f"{args.runs} run(s) of {args.seconds} s. Targets: p95 < {SINGLE_TARGET_MS} single, "
        f"< {CONCURRENT_TARGET_MS} with 8 clients."
    )
    loads = [row["http"]["load"] for row in results.values() if "http" in row]
    if loads:
        print(
            f"[{db}] This host: {os.cpu_count()} CPUs; load average (1 min) after each "
            f"concurrent run {min(loads):.1f} to {max(loads):.1f} (other work slows every figure)."
        )
    ratio = f"{'÷' + format(baseline['patients'], ','):>8}" if baseline else ""
    print(
        f"[{db}] {'request':<34}{'single p50':>11}{'p95':>8}{'queries':>9}{'KB':>7}"
        f"{'conc. p50':>11}{'p95':>8}{'req/s':>8}{ratio}  target"
    )
    for name, row in results.items():
        if "analytics" in row:
            shown = row["analytics"]
            if shown:
                print(
                    f"[{db}] {name:<34}{shown['first_ms']:>11.1f}{'':>8}{'':>9}{'':>7}"
                    f"  computed by coxa worker --batch in {shown['worker_s']:.1f} s "
                    f"(job {shown['job']}), figures shown: {shown['shown']}"
                )
            continue
        one, many = row.get("single"), row.get("http")
        line = f"[{db}] {name:<34}"
        if one:
            low, high = one["queries"]
            counts = f"{low}" if low == high else f"{low}-{high}"
            small = (baseline or {}).get("rows", {}).get(name, {}).get("single")
            counts += "*" if small and small["queries"] != one["queries"] else ""
            line += f"{one['p50']:>11.1f}{one['p95']:>8.1f}{counts:>9}{one['kb']:>7.0f}"
        else:
            line += f"{'':>35}"
        if many:
            line += f"{many['p50']:>11.1f}{many['p95']:>8.1f}{many['rps']:>8.1f}"
            small = (baseline or {}).get("rows", {}).get(name, {}).get("http")
            if small:
                line += f"{many['rps'] / small['rps']:>8.3f}" if small["rps"] else f"{'-':>8}"
        line += f"  {verdict({**row, 'clients': args.clients})}"
        errors = [p for part in (one, many) if part for p in part["problems"]]
        if errors:
            line += f"  errors: {sum(p['errors'] for p in (one, many) if p)} {errors}"
        print(line)
    if baseline:
        print(
            f"[{db}] * the queries a read made differ from those at "
            f"{baseline['patients']:,} patients"
        )


def run_one(args):
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    began = time.perf_counter()
    call_command("migrate", verbosity=0)
    call_command("collectstatic", verbosity=0, interactive=False)  # as a deployment would
    print(f"[{args.db}] migrated in {time.perf_counter() - began:.0f} s", flush=True)
    summary = load(args.patients)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # fresh statistics for the planner, on both databases
    summary += f"; loaded in {time.perf_counter() - began:.0f} s"
    print(f"[{args.db}] {summary}", flush=True)
    kinds = requests(args.samples, args.only.split(",") if args.only else ())
    results = measure(args.db, kinds, args)
    print(f"[{args.db}] all done in {time.perf_counter() - began:.0f} s", flush=True)
    baseline = json.loads(Path(args.baseline).read_text()) if args.baseline else None
    print_table(args.db, summary, results, args, baseline)
    if args.out:
        Path(args.out).write_text(json.dumps({"patients": args.patients, "rows": results}))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--patients", type=int, default=100_000)
    parser.add_argument("--samples", type=int, default=100, help="reads a kind, in process")
    parser.add_argument("--budget", type=float, default=10, help="seconds a kind, in process")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn's sync workers")
    parser.add_argument("--seconds", type=int, default=10, help="each concurrent run")
    parser.add_argument("--runs", type=int, default=1, help="concurrent runs a kind")
    parser.add_argument("--ratio", action="store_true", help="compare with a small service")
    parser.add_argument("--ratio-patients", type=int, default=1_000)
    parser.add_argument("--ratio-seconds", type=int, default=5)
    parser.add_argument("--only", default="", help="only the requests naming one of these")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--out", default="", help=argparse.SUPPRESS)
    parser.add_argument("--baseline", default="", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        run_one(args)
        return
    shared = ["--samples", args.samples, "--budget", args.budget, "--clients", args.clients]
    shared += ["--workers", args.workers, "--only", args.only]
    for db in ("sqlite", "postgres") if args.db == "both" else (args.db,):
        with tempfile.TemporaryDirectory() as kept:
            baseline = []
            if args.ratio:
                small = str(Path(kept) / "small.json")
                sized = ["--patients", args.ratio_patients, "--seconds", args.ratio_seconds]
                run_per_database(__file__, db, [*shared, *sized, "--out", small], env=ENV)
                baseline = ["--baseline", small]
            sized = ["--patients", args.patients, "--seconds", args.seconds, "--runs", args.runs]
            run_per_database(__file__, db, [*shared, *sized, *baseline], env=ENV)


if __name__ == "__main__":
    main()
