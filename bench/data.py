"""Synthetic records for the benchmarks, bulk-created and composable.

The services are exercised by the test suite; a hundred thousand service calls would take
hours, so the rows are made directly, with the stored columns set as the services leave
them. Each function adds one kind of record to patients or hips already there, so that a
benchmark takes only what it measures (``worklist.py``: hips waiting and operated) or all
of them (``pages.py``: a whole service):

- ``add_patients``: patients with valid NHS numbers, names of several forms and
  hospital numbers;
- ``add_hips``: one hip a patient (both hips for some), in any state;
- ``add_tracked``: a hip waiting for surgery with its stored readiness (a realistic spread of
  missing, expired and abnormal results, medicine stops and operation dates), the scheduled
  ones booked (and 2 in 100 of the booked ones moved back before their day);
- ``add_operated``: the other hip operated in the last two years: the signed note, the
  recovery plan with its stored appointments, physiotherapy reviews held (a few late, a few
  contradicting the plan), in the state its age gives it;
- ``add_history``: every hip's steps (opened, operated, its state now) and the audit trail
  of each patient's and hip's creation.

``programmes.py`` adds the follow-up and surveillance programmes, ``export.measurements``
clinic measurements; ``rows.py`` inserts the rows.
"""

import datetime as dt
import functools
import random

from rows import create, insert

PASSWORD = "bench-password-1"  # noqa: S105 (a throwaway database's accounts)
PROCEDURES = ("bhr", "core-decompression", "total-hip-replacement")
TRACKED = ("listed", "optimising", "ready", "scheduled")
MOVED_BACK = 0.02  # of booked hips: moved back before their day (not ready, postponed)
OPERATED = ("operated", "recovering", "follow-up", "completed", "converted", "died")


@functools.cache
def _hashed():
    from django.contrib.auth.hashers import make_password

    return make_password(PASSWORD)  # once: a hash takes a second or more on a busy host


def account(username="bench", role="nurse"):
    from coxa.accounts.models import User

    user = User(username=username, role=role, password=_hashed())
    user.save()
    return user


def episode_row(**fields):
    """An Episode with its stored sort column (``operation_sort_on``) set as a save sets it."""
    from coxa.catalogue.registry import catalogue_hash, catalogue_version
    from coxa.pathways.models import UNDATED, Episode

    return Episode(
        operation_sort_on=fields.get("operation_on") or UNDATED,
        catalogue_version=catalogue_version(),
        catalogue_hash=catalogue_hash(),
        **fields,
    )


def add_patients(user, count, *, seed=11, prefix="B"):
    """``count`` patients; their (pk, public_id), in the order made."""
    from coxa.demo.domain import FAMILY, GIVEN_FEMALE, GIVEN_MALE
    from coxa.patients.domain import name_key, nhs_check_digit
    from coxa.patients.models import Patient

    rng = random.Random(seed)
    first_nine = 999_000_000  # NHS numbers for testing: 999 followed by six digits
    rows = []
    for index in range(count):
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
                hospital_number=f"{prefix}{index:07d}",
                created_by=user,
            )
        )
    return [(p.pk, p.public_id) for p in create(Patient, rows)]


def add_hips(user, patient_ids, *, states, both=frozenset(), seed=11):
    """One hip for each patient in a random state of ``states``; both hips for ``both``."""
    from coxa.pathways.models import Episode

    rng = random.Random(seed)
    now = dt.datetime.now(dt.UTC)
    rows = []
    for pk in patient_ids:
        for side in ("left", "right") if pk in both else (rng.choice(("left", "right")),):
            rows.append(
                episode_row(
                    patient_id=pk,
                    side=side,
                    procedure=rng.choice(PROCEDURES),
                    state=rng.choice(states),
                    referred_on=now.date() - dt.timedelta(days=rng.randrange(900)),
                    state_changed_at=now - dt.timedelta(minutes=rng.randrange(10**6)),
                    created_by=user,
                )
            )
    return create(Episode, rows)


def _readiness(rng, episode, now):
    from coxa.assessment.models import Readiness

    today = now.date()
    optimising = episode.state == "optimising"
    # What the home page words from the stored panel: a caution to acknowledge (5 in 100),
    # a medicine waiting for a decision (8 in 100); the rest of the panel is left out.
    panel = {"cautions": [], "medication_stops": []}
    if rng.random() < 0.05:
        panel["cautions"].append({"message": "BMI above 40", "acknowledged": False})
    if rng.random() < 0.08:
        stop = {"medication": "clopidogrel", "class": "antiplatelet", "needs_decision": True}
        panel["medication_stops"].append(stop)
    on = episode.operation_on
    return Readiness(
        episode_id=episode.pk,
        readiness="optimise" if optimising else rng.choice(("ready", "insufficient-data")),
        candidacy="indicated",
        missing_count=rng.choice((0, 0, 0, 1, 2, 4)),
        expired_count=rng.choice((0, 0, 0, 1)),
        abnormal_count=int(optimising),
        unactioned_count=int(optimising and rng.random() < 0.5),
        expires_on=today + dt.timedelta(days=rng.randrange(-30, 120)),
        first_stop_on=on - dt.timedelta(days=10) if on and rng.random() < 0.4 else None,
        cautions_waiting=len(panel["cautions"]),
        decisions_waiting=len(panel["medication_stops"]),
        panel=panel,
        computed_at=now,
    )


def add_tracked(user, patient_ids, *, surgeons=(), seed=3):
    """A hip waiting for surgery for each patient, with its stored readiness; booked if
    scheduled (with one of ``surgeons``, else ``user``). The hips, as made."""
    from coxa.assessment.models import Readiness
    from coxa.pathways.models import Episode
    from coxa.surgery.models import Booking

    rng = random.Random(seed)
    now = dt.datetime.now(dt.UTC)
    today = now.date()
    hips = []
    for pk in patient_ids:
        state = rng.choice(TRACKED)
        booked = state == "scheduled"
        if booked and rng.random() < MOVED_BACK:  # booked, then no longer ready
            state = rng.choice(("listed", "optimising", "ready"))
        operation_on = today + dt.timedelta(days=rng.randrange(1, 90)) if booked else None
        hips.append(
            episode_row(
                patient_id=pk,
                side=rng.choice(("left", "right")),
                procedure=rng.choice(PROCEDURES),
                state=state,
                referred_on=today - dt.timedelta(days=rng.randrange(400)),
                state_changed_at=now - dt.timedelta(days=rng.randrange(200)),
                operation_on=operation_on,
                booked_on=operation_on,
                created_by=user,
            )
        )
    hips = create(Episode, hips)
    create(Readiness, (_readiness(rng, e, now) for e in hips))
    create(
        Booking,
        [
            Booking(
                episode_id=e.pk,
                operation_on=e.operation_on,
                surgeon=rng.choice(surgeons or [user]),
                theatre_list=rng.choice(("", "Mon AM", "Wed PM")),
                booked_by=user,
                booked_at=now,
            )
            for e in hips
            if e.booked_on is not None
        ],
    )
    return hips


def _operated_state(rng, age):
    if age < 2:
        return "operated"
    if age < 42:
        return "recovering"
    return "follow-up" if age < 365 or rng.random() < 0.3 else "completed"


def add_operated(user, first_hips, *, surgeons=(), seed=5):
    """The other hip of each (patient_id, side) in ``first_hips``, operated in the last two
    years, with its signed note, recovery plan, stored appointments and physiotherapy
    reviews. The hips, as made."""
    from coxa.pathways.models import Episode

    rng = random.Random(seed)
    now = dt.datetime.now(dt.UTC)
    today = now.date()
    hips = []
    for patient_id, side in first_hips:
        age = rng.randrange(730)
        hips.append(
            episode_row(
                patient_id=patient_id,
                side="right" if side == "left" else "left",
                procedure=rng.choice(PROCEDURES),
                state=_operated_state(rng, age),
                referred_on=today - dt.timedelta(days=age + 120),
                state_changed_at=now - dt.timedelta(days=max(0, age - 42)),
                operation_on=today - dt.timedelta(days=age),
                created_by=user,
            )
        )
    hips = create(Episode, hips)
    _notes_and_plans(user, surgeons or [user], hips, rng)
    return hips


def _notes_and_plans(user, surgeons, hips, rng):
    from coxa.catalogue.registry import catalogue_hash, catalogue_version, get_procedure
    from coxa.surgery.domain.plan import RecoveryProtocol
    from coxa.surgery.models import OperationNote, RecoveryPlan

    now = dt.datetime.now(dt.UTC)
    protocols = {code: RecoveryProtocol.of(get_procedure(code)) for code in PROCEDURES}
    by = [rng.choice(surgeons) for _ in hips]
    notes = create(
        OperationNote,
        [
            OperationNote(
                episode_id=e.pk,
                operated_on=e.operation_on,
                started_at=dt.time(9),
                ended_at=dt.time(10, 30),
                side=e.side,
                procedure=e.procedure,
                surgeon=surgeon,
                anaesthetic="spinal",
                written_by=surgeon,
                written_at=now,
                signed_by=surgeon,
                signed_at=now,
            )
            for e, surgeon in zip(hips, by, strict=True)
        ],
    )
    choices = {"core-decompression": {"offload": 42}}
    plans = create(
        RecoveryPlan,
        [
            RecoveryPlan(
                episode_id=e.pk,
                note_id=note.pk,
                operation_on=e.operation_on,
                phase_end_days=choices.get(e.procedure, {}),
                protocol=protocols[e.procedure].as_json(),
                catalogue_version=catalogue_version(),
                catalogue_hash=catalogue_hash(),
                created_at=now,
            )
            for e, note in zip(hips, notes, strict=True)
        ],
    )
    _appointments(user, hips, plans, protocols, choices, rng)


def _appointments(user, hips, plans, protocols, choices, rng):
    """Each plan's appointments, stored, and the physiotherapy reviews held (most, on time)."""
    from coxa.surgery.domain.plan import generate
    from coxa.surgery.domain.recovery import PHYSIOTHERAPY_REVIEW, review_held
    from coxa.surgery.models import PhysioReview, PlanAppointment

    now = dt.datetime.now(dt.UTC)
    today = now.date()
    reviews, rows = [], []
    for e, plan in zip(hips, plans, strict=True):
        made = generate(
            protocols[e.procedure], e.operation_on, phase_end_days=choices.get(e.procedure, {})
        )
        held = [
            min(today, a.due_on + dt.timedelta(days=rng.choice((0, 0, 1, 5))))
            for a in made.appointments
            if a.kind == PHYSIOTHERAPY_REVIEW and a.due_on < today and rng.random() < 0.95
        ]
        conflict = "Recorded full weight bearing"
        reviews += [
            (e.pk, day, "crutches", "as-advised", conflict if rng.random() < 0.02 else "")
            for day in held
        ]
        rows += [
            (
                plan.pk,
                e.pk,
                a.key,
                a.kind,
                a.title,
                a.due_on,
                review_held(a.due_on, held) if a.kind == PHYSIOTHERAPY_REVIEW else None,
            )
            for a in made.appointments
        ]
    insert(
        PhysioReview,
        ("episode", "reviewed_on", "walking_aid", "weight_bearing", "plan_conflict",
         "recorded_by", "recorded_at"),
        ((*r, user.pk, now) for r in reviews),
    )  # fmt: skip
    insert(
        PlanAppointment,
        ("plan", "episode", "key", "kind", "title", "due_on", "reviewed_on"),
        rows,
    )


def _steps(state, referred_on, operation_on, changed_at, now):
    """(from, to, at) of a hip's history: opened, operated (if it was), and its state now."""
    steps = [("", "referred", dt.datetime.combine(referred_on, dt.time(9), dt.UTC))]
    if operation_on is not None and operation_on <= now.date() and state in OPERATED:
        at = dt.datetime.combine(operation_on, dt.time(12), dt.UTC)
        steps.append(("referred", "operated", at))
    if state != steps[-1][1]:
        steps.append((steps[-1][1], state, max(steps[-1][2], min(now, changed_at))))
    return steps


def add_history(user):
    """Every hip's steps, and the audit records of every patient's and hip's creation."""
    from coxa.core.models import AuditEvent
    from coxa.pathways.models import Episode, EpisodeTransition
    from coxa.patients.models import Patient

    now = dt.datetime.now(dt.UTC)
    fields = ("pk", "state", "referred_on", "operation_on", "state_changed_at")
    insert(
        EpisodeTransition,
        ("episode", "from_state", "to_state", "at", "by"),
        (
            (pk, a, b, at, user.pk)
            for pk, *hip in list(Episode.objects.values_list(*fields))
            for a, b, at in _steps(*hip, now)
        ),
    )
    names = ("at", "actor", "actor_username", "actor_role", "action", "object_type")
    names += ("object_id", "patient_id", "summary", "via")
    by = (now, user.pk, user.username, user.role)
    patients = list(Patient.objects.values_list("public_id", flat=True))
    insert(
        AuditEvent,
        names,
        (
            (*by, "patient.create", "patient", str(p), p, "Patient registered", "cli")
            for p in patients
        ),
    )
    episodes = list(Episode.objects.values_list("public_id", "patient__public_id"))
    insert(
        AuditEvent,
        names,
        (
            (*by, "episode.create", "episode", str(e), p, "Episode opened", "cli")
            for e, p in episodes
        ),
    )
