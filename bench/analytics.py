"""Survival estimators at registry scale, beside their baselines in the same process.

Usage: python bench/analytics.py [--sizes 100000,1000000,5000000] [--lifelines-max N]
                                 [--aj-lifelines-max N] [--kinds days,day-years,3dp,continuous]
                                 [--report-hips 5000000] [--report-kinds ...]
                                 [--report-formats csv,parquet] [--skip-estimators]
                                 [--skip-report]

Synthetic hips in 5 groups: follow-up to 15 years; outcomes 0 censored, 1 revised, 2 died.
The same follow-up is timed on four scales, as extracts hold it:
- days: whole days (integers; heavy ties);
- day-years: those days as fractional years (days / 365.25, floats);
- 3dp: years rounded to 3 decimals (floats);
- continuous: years as drawn (no ties).
For each scale and size (median of 3 runs): one numpy argsort of the times (the floor for any
method that sorts), Coxa's Kaplan-Meier with bounds, Coxa's Aalen-Johansen with variance, the
log-rank test across the 5 groups, the whole analysis grouped by the 5 groups (KM and AJ each
group, log-rank, funnels: what the report computes), and lifelines' KaplanMeierFitter and
AalenJohansenFitter (variance on) where the size allows (lifelines' Aalen-Johansen takes about
50 s at one million rows; its ratio is taken at the largest size it ran).

Then the whole report: a synthetic registry extract (`coxa synth registry`) of
--report-hips hips, its years on each scale (4dp: as `coxa synth` writes them), as CSV and
as Parquet, run through `coxa analytics report --by unit` (5 units) in a fresh process each,
which prints its own wall time and peak memory (its own high-water mark of resident memory),
Python, Django and the file read included.

Targets (issue 20): at 5,000,000 hips, KM and AJ at or under the argsort and at least 20x
faster than lifelines on days and on 3dp years; continuous within 2x the argsort; the report
under 5 s and under 1,000 MB peak.
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

from coxa.analytics.methods import logrank
from coxa.analytics.survival import cumulative_incidence, kaplan_meier

KINDS = ("days", "day-years", "3dp", "continuous")
REPORT_KINDS = ("day-years", "3dp", "4dp", "continuous")


def synthetic(n, seed=42):
    """(years, group, outcome): continuous follow-up in years, 5 groups."""
    rng = np.random.default_rng(seed)
    group = rng.integers(0, 5, n)
    revision = rng.exponential(40.0 / (1 + group * 0.3), n)
    death = rng.exponential(25.0, n)
    follow_up = rng.uniform(0, 15, n)
    years = np.minimum(np.minimum(revision, death), follow_up)
    outcome = np.where(years == follow_up, 0, np.where(years == revision, 1, 2))
    return years, group, outcome


def on_scale(years, kind):
    """The follow-up as an extract holds it on the scale ``kind``."""
    days = np.ceil(years * 365.25).astype(np.int64)  # registries count whole days
    return {
        "days": lambda: days,
        "day-years": lambda: days / 365.25,
        "3dp": lambda: np.round(years, 3),
        "4dp": lambda: np.round(years, 4),
        "continuous": lambda: years,
    }[kind]()


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
    used = os.times()
    print(f"RESULT {seconds:.2f} {peak_mb():.0f} {used.user + used.system:.2f}")


def report_bench(hips, kinds, formats):
    import pyarrow as pa

    from coxa.analytics.extract import table_of, write_extract
    from coxa.analytics.synthetic import registry

    print(f"\nWhole report, {hips:,} hips grouped by unit (5 groups), fresh process each:")
    print(f"{'years':>11} {'input':>8} {'file MB':>8} {'seconds':>8} {'peak MB':>8} {'CPU s':>8}")
    extract = registry(hips, seed=1)
    table = table_of(extract)
    column = table.column_names.index("years")
    # The registry's years are rounded to 4 decimals; continuous adds noise under 0.0001.
    noise = np.random.default_rng(2).uniform(0, 1e-4, hips)
    scaled = {
        "day-years": np.ceil(extract.years * 365.25) / 365.25,
        "3dp": np.round(extract.years, 3),
        "4dp": extract.years,
        "continuous": extract.years + noise,
    }
    del extract, noise
    with tempfile.TemporaryDirectory() as folder:
        for kind in kinds:
            years = pa.array(scaled[kind], type=pa.float64())
            for suffix in formats:
                path = Path(folder) / f"extract.{suffix}"
                write_extract(table.set_column(column, "years", years), path)
                done = subprocess.run(
                    [sys.executable, __file__, "--report-child", str(path), f"{folder}/out"],
                    capture_output=True,
                    text=True,
                    check=True,
                )
                line = next(x for x in done.stdout.splitlines() if x.startswith("RESULT"))
                seconds, peak, cpu = (float(x) for x in line.split()[1:])
                size = path.stat().st_size / 1e6
                print(
                    f"{kind:>11} {suffix:>8} {size:8.0f} {seconds:8.2f} {peak:8.0f} {cpu:8.2f}",
                    flush=True,
                )
    print(
        "targets: under 5 s and under 1,000 MB peak (VmHWM of the child); CPU s: the child's"
        " user and system time, all threads (a check on a busy machine's wall time)"
    )


def main():
    if len(sys.argv) == 4 and sys.argv[1] == "--report-child":
        report_child(sys.argv[2], sys.argv[3])
        return
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="100000,1000000,5000000")
    parser.add_argument("--kinds", default=",".join(KINDS))
    parser.add_argument(
        "--lifelines-max",
        type=int,
        default=5_000_000,
        help="largest size for lifelines' Kaplan-Meier",
    )
    parser.add_argument(
        "--aj-lifelines-max",
        type=int,
        default=100_000,
        help="largest size for lifelines' Aalen-Johansen (slow)",
    )
    parser.add_argument("--report-hips", type=int, default=5_000_000)
    parser.add_argument("--report-kinds", default=",".join(REPORT_KINDS))
    parser.add_argument("--report-formats", default="csv,parquet")
    parser.add_argument("--skip-estimators", action="store_true", help="only the report")
    parser.add_argument("--skip-report", action="store_true", help="only the estimators")
    args = parser.parse_args()
    if not args.skip_estimators:
        estimators(args)
    if not args.skip_report:
        report_bench(args.report_hips, args.report_kinds.split(","), args.report_formats.split(","))


def analysis(times, group, outcome):
    """What the report computes: KM and AJ for each group, log-rank, funnels."""
    from coxa.analytics.cohort import Category, Cohort
    from coxa.analytics.summary import analyse

    codes = group.astype(np.int32)
    units = Category(codes, tuple(f"unit {i}" for i in range(5)))
    empty = Category(np.full(codes.size, -1, dtype=np.int32), ())
    cohort = Cohort(
        procedure=empty,
        sex=empty,
        diagnosis=empty,
        surgeon=units,
        unit=units,
        age=np.zeros(codes.size),
        head_size_mm=np.zeros(codes.size),
        operation_year=np.zeros(codes.size, dtype=np.int32),
        years=np.asarray(times, dtype=np.float64),
        outcome=outcome.astype(np.int8),
    )
    return lambda: analyse(cohort, by="unit")


def lifelines_times(times, outcome, n, args):
    import lifelines

    life_km = life_aj = None
    if n <= args.lifelines_max:
        lifelines.KaplanMeierFitter().fit(times[:1000], outcome[:1000] == 1)  # warm up
        life_km = timed(
            lambda: lifelines.KaplanMeierFitter().fit(times, outcome == 1),
            repeat=3 if n <= 1_000_000 else 1,
        )
    if n <= args.aj_lifelines_max:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            life_aj = timed(
                lambda: lifelines.AalenJohansenFitter(seed=1).fit(
                    times, outcome, event_of_interest=1
                ),
                repeat=1,
            )
    return life_km, life_aj


def measure(kind, n, args):
    """One row of the table: the times on scale ``kind`` for ``n`` hips."""
    years, group, outcome = synthetic(n)
    times = on_scale(years, kind)
    del years
    sort = timed(lambda: np.argsort(times))
    km = timed(lambda: kaplan_meier(times, outcome == 1))
    aj = timed(lambda: cumulative_incidence(times, outcome, 1))
    test = timed(lambda: logrank(times, outcome == 1, group))
    whole = timed(analysis(times, group, outcome))
    life_km, life_aj = lifelines_times(times, outcome, n, args)
    km_x = f"{life_km / km:5.0f}" if life_km else "    -"
    aj_x = f"{life_aj / aj:6.0f}" if life_aj else "     -"
    print(
        f"{n:>10,} {sort:8.4f} {km:8.4f} {km / sort:7.2f} {aj:8.4f} {aj / sort:7.2f} "
        f"{test:8.4f} {whole:8.4f} {(life_km or float('nan')):8.3f} {km_x} "
        f"{(life_aj or float('nan')):7.2f} {aj_x}",
        flush=True,
    )


def estimators(args):
    sizes = [int(s) for s in args.sizes.split(",")]
    header = (
        f"{'hips':>10} {'argsort':>8} {'KM':>8} {'KM/sort':>7} {'AJ':>8} {'AJ/sort':>7} "
        f"{'logrank':>8} {'analyse':>8} {'ll KM':>8} {'x':>5} {'ll AJ':>7} {'x':>6}"
    )
    for kind in args.kinds.split(","):
        print(f"\nTimes as {kind}:")
        print(header)
        for n in sizes:
            measure(kind, n, args)
    print(
        "\nseconds; analyse = KM and AJ for 5 groups, log-rank and funnels; ll = lifelines;"
        " x = lifelines' time over Coxa's at the same size"
    )


if __name__ == "__main__":
    main()
