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
    from coxa.surgery.models import Booking

    Booking.objects.bulk_create(
        [
            Booking(
                episode_id=pk,
                operation_on=on,
                surgeon=user,
                theatre_list=rng.choice(("", "Mon AM", "Wed PM")),
                booked_by=user,
                booked_at=now,
            )
            for pk, on in Episode.objects.filter(state="scheduled").values_list(
                "pk", "operation_on"
            )
        ],
        batch_size=5000,
    )
    return user


def load_operated(user, count, seed=5):
    """The other hip of ``count`` patients, operated over the last two years."""
    from coxa.catalogue.registry import catalogue_hash, catalogue_version, get_procedure
    from coxa.pathways.models import Episode
    from coxa.surgery.domain.plan import RecoveryProtocol, generate
    from coxa.surgery.domain.recovery import PHYSIOTHERAPY_REVIEW, review_held
    from coxa.surgery.models import OperationNote, PhysioReview, PlanAppointment, RecoveryPlan

    rng = random.Random(seed)
    now = dt.datetime.now(dt.UTC)
    today = now.date()
    codes = ("bhr", "core-decompression", "total-hip-replacement")
    protocols = {code: RecoveryProtocol.of(get_procedure(code)) for code in codes}
    stored = {code: protocol.as_json() for code, protocol in protocols.items()}
    hips = []
    for patient_id, side in Episode.objects.values_list("patient_id", "side")[:count]:
        age = rng.randrange(730)
        state = (
            "operated"
            if age < 2
            else "recovering"
            if age < 42
            else "follow-up"
            if age < 365 or rng.random() < 0.3
            else "completed"
        )
        hips.append(
            Episode(
                patient_id=patient_id,
                side="right" if side == "left" else "left",
                procedure=rng.choice(codes),
                state=state,
                referred_on=today - dt.timedelta(days=age + 120),
                state_changed_at=now - dt.timedelta(days=max(0, age - 42)),
                operation_on=today - dt.timedelta(days=age),
                catalogue_version=catalogue_version(),
                catalogue_hash=catalogue_hash(),
                created_by=user,
            )
        )
    Episode.objects.bulk_create(hips, batch_size=5000)
    operated = list(
        Episode.objects.exclude(
            state__in=("listed", "optimising", "ready", "scheduled")
        ).values_list("pk", "procedure", "side", "operation_on")
    )
    OperationNote.objects.bulk_create(
        [
            OperationNote(
                episode_id=pk,
                operated_on=on,
                started_at=dt.time(9),
                ended_at=dt.time(10, 30),
                side=side,
                procedure=procedure,
                surgeon=user,
                anaesthetic="spinal",
                written_by=user,
                written_at=now,
                signed_by=user,
                signed_at=now,
            )
            for pk, procedure, side, on in operated
        ],
        batch_size=5000,
    )
    notes = dict(OperationNote.objects.values_list("episode_id", "pk"))
    choices = {"core-decompression": {"offload": 42}}
    RecoveryPlan.objects.bulk_create(
        [
            RecoveryPlan(
                episode_id=pk,
                note_id=notes[pk],
                operation_on=on,
                phase_end_days=choices.get(procedure, {}),
                protocol=stored[procedure],
                catalogue_version=catalogue_version(),
                catalogue_hash=catalogue_hash(),
                created_at=now,
            )
            for pk, procedure, _, on in operated
        ],
        batch_size=2000,
    )
    plans = dict(RecoveryPlan.objects.values_list("episode_id", "pk"))
    reviews, rows = [], []
    for pk, procedure, _, on in operated:
        plan = generate(protocols[procedure], on, phase_end_days=choices.get(procedure, {}))
        held = []
        for a in plan.appointments:
            if a.kind == PHYSIOTHERAPY_REVIEW and a.due_on < today and rng.random() < 0.95:
                held.append(min(today, a.due_on + dt.timedelta(days=rng.choice((0, 0, 1, 5)))))
        for day in held:
            reviews.append(
                PhysioReview(
                    episode_id=pk,
                    reviewed_on=day,
                    walking_aid="crutches",
                    weight_bearing="as-advised",
                    plan_conflict="Recorded full weight bearing" if rng.random() < 0.02 else "",
                    recorded_by=user,
                    recorded_at=now,
                )
            )
        rows += [
            PlanAppointment(
                plan_id=plans[pk],
                episode_id=pk,
                key=a.key,
                kind=a.kind,
                title=a.title,
                due_on=a.due_on,
                reviewed_on=review_held(a.due_on, held) if a.kind == PHYSIOTHERAPY_REVIEW else None,
            )
            for a in plan.appointments
        ]
    PhysioReview.objects.bulk_create(reviews, batch_size=5000)
    PlanAppointment.objects.bulk_create(rows, batch_size=5000)
    return len(operated)


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
