"""Survival estimators at registry scale, beside their baselines in the same process.

Usage: python bench/analytics.py [--sizes 100000,1000000,5000000] [--lifelines-max N]
                                 [--report-hips 5000000] [--skip-estimators]

Synthetic hips in 5 groups: times in whole days (heavy ties) to 15 years; outcomes 0
censored, 1 revised, 2 died. For each size: one numpy argsort of the durations (the floor for
any method that sorts), Coxa's Kaplan-Meier with bounds, Coxa's Aalen-Johansen with variance,
and lifelines' KaplanMeierFitter and AalenJohansenFitter (variance on) where the size allows
(lifelines' Aalen-Johansen takes about 50 s at one million rows here). Median of 3 runs.

Then the whole report: a synthetic registry extract (`coxa synth registry`) of
--report-hips hips, as CSV and as Parquet, run through `coxa analytics report --by unit`
(5 units) in a fresh process each, which prints its own wall time and peak memory (its
own high-water mark of resident memory), Python, Django and the file read included.
"""

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from coxa.analytics.survival import cumulative_incidence, kaplan_meier


def synthetic(n, seed=42):
    rng = np.random.default_rng(seed)
    group = rng.integers(0, 5, n)
    revision = rng.exponential(40.0 / (1 + group * 0.3), n)
    death = rng.exponential(25.0, n)
    follow_up = rng.uniform(0, 15, n)
    years = np.minimum(np.minimum(revision, death), follow_up)
    outcome = np.where(years == follow_up, 0, np.where(years == revision, 1, 2))
    days = np.ceil(years * 365.25).astype(np.int64)  # registries count whole days
    return days, outcome


def timed(function, repeat=3):
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        runs.append(time.perf_counter() - start)
    return statistics.median(runs)


def peak_mb():
    """This process's own peak resident memory in MB: VmHWM, its memory's high-water mark.

    Not ``ru_maxrss``: Linux carries a parent's peak over the fork and exec into the child's,
    so every report read as the parent's (about 2,300 MB, the synthetic registry it holds).
    Where there is no /proc, ``ru_maxrss`` it is (kilobytes; bytes on macOS).
    """
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 1024 / (1024 if sys.platform == "darwin" else 1)


def report_child(extract, out):
    """In a fresh process: the report, then this process's time and peak memory."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "coxa.config.settings_test")
    started = time.perf_counter()
    import django

    django.setup()
    from django.core.management import call_command

    call_command("analytics", "report", "--input", extract, "--by", "unit", "--out", out)
    seconds = time.perf_counter() - started
    print(f"RESULT {seconds:.2f} {peak_mb():.0f}")


def report_bench(hips):
    from coxa.analytics.extract import table_of, write_extract
    from coxa.analytics.synthetic import registry

    print(f"\nWhole report, {hips:,} hips grouped by unit (5 groups), fresh process each:")
    print(f"{'input':>8} {'file MB':>8} {'seconds':>8} {'peak MB':>8}")
    with tempfile.TemporaryDirectory() as folder:
        table = table_of(registry(hips, seed=1))
        for suffix in ("csv", "parquet"):
            extract = Path(folder) / f"extract.{suffix}"
            write_extract(table, extract)
            done = subprocess.run(
                [sys.executable, __file__, "--report-child", str(extract), f"{folder}/out"],
                capture_output=True,
                text=True,
                check=True,
            )
            line = next(x for x in done.stdout.splitlines() if x.startswith("RESULT"))
            seconds, peak = line.split()[1:]
            size = extract.stat().st_size / 1e6
            print(f"{suffix:>8} {size:8.0f} {float(seconds):8.2f} {float(peak):8.0f}")
    print("targets: under 30 s and under 3,000 MB peak")


def main():
    if len(sys.argv) == 4 and sys.argv[1] == "--report-child":
        report_child(sys.argv[2], sys.argv[3])
        return
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="100000,1000000,5000000")
    parser.add_argument(
        "--lifelines-max",
        type=int,
        default=1_000_000,
        help="largest size for lifelines' Kaplan-Meier",
    )
    parser.add_argument(
        "--aj-lifelines-max",
        type=int,
        default=100_000,
        help="largest size for lifelines' Aalen-Johansen (slow)",
    )
    parser.add_argument("--report-hips", type=int, default=5_000_000)
    parser.add_argument("--skip-estimators", action="store_true", help="only the report")
    args = parser.parse_args()
    if not args.skip_estimators:
        estimators(args)
    report_bench(args.report_hips)


def estimators(args):
    import lifelines

    print(
        f"{'hips':>10} {'argsort':>9} {'KM':>8} {'KM/sort':>8} {'AJ':>8} {'lifelines KM':>13} "
        f"{'x':>6} {'lifelines AJ':>13} {'x':>7}"
    )
    for n in (int(s) for s in args.sizes.split(",")):
        days, outcome = synthetic(n)
        sort = timed(lambda days=days: np.argsort(days))
        ours_km = timed(lambda days=days, outcome=outcome: kaplan_meier(days, outcome == 1))
        ours_aj = timed(lambda days=days, outcome=outcome: cumulative_incidence(days, outcome, 1))
        life_km = life_aj = None
        if n <= args.lifelines_max:
            life_km = timed(
                lambda days=days, outcome=outcome: lifelines.KaplanMeierFitter().fit(
                    days, outcome == 1
                ),
                repeat=1,
            )
        if n <= args.aj_lifelines_max:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                life_aj = timed(
                    lambda days=days, outcome=outcome: lifelines.AalenJohansenFitter(seed=1).fit(
                        days, outcome, event_of_interest=1
                    ),
                    repeat=1,
                )
        km_ratio = f"{life_km / ours_km:6.0f}" if life_km else "     -"
        aj_ratio = f"{life_aj / ours_aj:7.0f}" if life_aj else "      -"
        print(
            f"{n:>10,} {sort:9.4f} {ours_km:8.4f} {ours_km / sort:8.2f} {ours_aj:8.4f} "
            f"{(life_km or float('nan')):13.3f} {km_ratio} {(life_aj or float('nan')):13.2f} "
            f"{aj_ratio}"
        )
    print("seconds; x = lifelines' time over Coxa's at the same size")


if __name__ == "__main__":
    main()
