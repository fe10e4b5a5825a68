"""FHIR Bulk Data export at 100,000 patients: time, throughput, files and the export's memory.

Loads 100,000 patients and 150,000 hips (bench/patient_pages.py's loader) with five clinic
measurements each, then runs the export as `coxa worker` would (claim the job, write the
files) in a fresh process of its own, twice: the patients of one procedure (a Group, about a
third) and every patient. Each prints its time, resources per second, files and megabytes
written, how often it reported progress, and its own peak memory (VmHWM): flat memory means
the second, three times larger, peaks about as high as the first.

Usage: python bench/export.py [--db sqlite|postgres|both] [--patients N] [--episodes N]
"""

import argparse
import datetime as dt
import os
import random
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import run_per_database
from patient_pages import load
from rows import insert

MEASURES = (
    ("bmi", 27.5, "kg/m2"),
    ("systolic_bp", 132, "mm[Hg]"),
    ("diastolic_bp", 82, "mm[Hg]"),
    ("haemoglobin", 145, "g/L"),
    ("hba1c", 38, "mmol/mol"),
)


def peak_mb():
    """This process's own peak resident memory in MB (VmHWM; see bench/analytics.py)."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def measurements(user, seed=3):
    """Five current clinic measurements for each patient, under their first hip."""
    from coxa.assessment.models import Observation
    from coxa.pathways.models import Episode

    rng = random.Random(seed)
    now = dt.datetime.now(dt.UTC)
    first = {}
    for pk, patient in Episode.objects.order_by("pk").values_list("pk", "patient_id"):
        first.setdefault(patient, pk)
    rows = []
    for patient, episode in first.items():
        day = now.date() - dt.timedelta(days=rng.randrange(400))
        for code, value, unit in MEASURES:
            measured = round(value * rng.uniform(0.85, 1.15), 1)
            rows.append((patient, episode, user.pk, now, day, code, measured, unit, measured, unit))
    names = ("patient", "episode", "recorded_by", "recorded_at", "on", "code", "value", "unit")
    insert(Observation, (*names, "value_as_recorded", "unit_as_recorded"), rows)


def export(level, group):
    """One export, run as the worker runs it; its figures, printed."""
    import django

    django.setup()
    from coxa.accounts.models import User
    from coxa.core import background
    from coxa.interop import tasks
    from coxa.interop.domain.export import EXPORTABLE, ExportRequest, Level
    from coxa.interop.models import ExportFile
    from coxa.interop.services import export as services

    reports = []
    original = background.progress

    def progress(job_id, done, total, stage):
        reports.append((done, total, stage))
        original(job_id, done, total, stage)

    tasks.background.progress = progress
    user = User.objects.get(username="bench")
    asked = ExportRequest(level=Level(level), group=group, types=EXPORTABLE, since=None)
    started = time.perf_counter()
    made = services.start_export(actor=user, request=asked, url="bench", task=tasks.export_records)
    job_id = str(made.job.public_id)
    assert background.claim(job_id)
    with background.running(job_id):
        written = tasks.write(made, job_id)
    seconds = time.perf_counter() - started
    files = ExportFile.objects.filter(export=made)
    size = sum(files.values_list("size", flat=True)) / 1e6
    name = f"Group/{group}" if group else level
    first, last = reports[0], reports[-1]
    print(
        f"  {name:<16} {written:>9,} resources in {seconds:6.1f} s ({written / seconds:,.0f}/s), "
        f"{files.count()} files, {size:,.0f} MB; progress reported {len(reports)} times "
        f"({first[0]}/{first[1]} {first[2]} ... {last[0]}/{last[1]} {last[2]}); "
        f"peak memory {peak_mb():,.0f} MB",
        flush=True,
    )


def run_one(db, patients, episodes):
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    user = load(patients, episodes)
    measurements(user)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(f"[{db}] loaded in {time.perf_counter() - started:.0f} s", flush=True)
    for level, group in (("group", "bhr"), ("system", "")):
        command = [sys.executable, __file__, "--export", level, "--group", group, "--db", db]
        subprocess.run(command, env=os.environ, check=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--patients", type=int, default=100_000)
    parser.add_argument("--episodes", type=int, default=150_000)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--export", help=argparse.SUPPRESS)
    parser.add_argument("--group", default="", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.export:
        export(args.export, args.group)
    elif args.child:
        run_one(args.db, args.patients, args.episodes)
    else:
        run_per_database(
            __file__, args.db, ["--patients", args.patients, "--episodes", args.episodes]
        )


if __name__ == "__main__":
    main()
