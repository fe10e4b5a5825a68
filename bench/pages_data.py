"""bench/pages.py's service (``load``) and the requests it times (``requests``)."""

import copy
import json
import random
import time
import uuid
from urllib.parse import quote

from data import (
    PASSWORD,
    account,
    add_hips,
    add_history,
    add_operated,
    add_patients,
    add_tracked,
)
from programmes import add_follow_up, add_resurfaced, enrol

ANALYTICS = "/staff/analytics/?by=procedure"
FIRST_VIEW = "analytics, first view (progress)"
REPEATED = "analytics page, repeated view"
WRITERS = ("CDS patient-view",)  # each answer is recorded (bench/pages.py measures it last)
PORTAL_ACCOUNTS = 8
TRACKED_SHARE, OPERATED_SHARE, RESURFACED_SHARE = 2 / 3, 0.4, 0.1


def _portal(nurse, operated, waiting):
    """Patient accounts linked to patients with a hip recovering or followed and one waiting."""
    from coxa.core.audit import Via
    from coxa.patients.models import Patient
    from coxa.patients.services import link_account

    chosen = [
        e for e in operated if e.state in ("recovering", "follow-up") and e.patient_id in waiting
    ][:PORTAL_ACCOUNTS]
    for n, hip in enumerate(chosen, 1):
        user = account(f"bench-patient-{n}", "patient")
        patient = Patient.objects.get(pk=hip.patient_id)
        link_account(patient=patient, user=user, by=nurse, via=Via.CLI)


class _Clock:
    """How long each step of the load took, for the summary."""

    def __init__(self):
        self.last, self.steps = time.perf_counter(), []

    def __call__(self, step):
        now = time.perf_counter()
        self.steps.append(f"{step} {now - self.last:.0f} s")
        self.last = now

    def __str__(self):
        return ", ".join(self.steps)


def load(patients, seed=20):
    """The whole service, bulk-created; a sentence saying what it holds and how long it took.

    In one transaction: on SQLite, committing each batch on its own takes three times as long.
    """
    from django.db import transaction

    with transaction.atomic():
        nurse, operated, waiting, said = _load(patients, seed)
    _portal(nurse, operated, waiting)
    return said


def _load(patients, seed):
    from export import measurements

    took = _Clock()
    nurse = account("bench", "nurse")
    # A team: "bench-surgeon", whose pages are read, is one of ten operating.
    surgeons = [account("bench-surgeon", "surgeon")]
    surgeons += [account(f"bench-surgeon-{n}", "surgeon") for n in range(2, 11)]
    account("bench-analyst", "analyst")
    rng = random.Random(seed)
    ids = [pk for pk, _ in add_patients(nurse, patients)]
    rng.shuffle(ids)
    took("patients")
    tracked = round(patients * TRACKED_SHARE)
    first = add_tracked(nurse, ids[:tracked], surgeons=surgeons)
    first += add_hips(nurse, ids[tracked:], states=("referred", "assessed"), seed=seed)
    rng.shuffle(first)
    took("hips waiting")
    count = round(patients * OPERATED_SHARE)
    operated = add_operated(
        nurse, [(e.patient_id, e.side) for e in first[:count]], surgeons=surgeons
    )
    took("operated")
    one_hip = first[count : count + round(patients * RESURFACED_SHARE)]
    resurfaced = add_resurfaced(
        nurse, [e.patient_id for e in one_hip], taken={e.patient_id: e.side for e in one_hip}
    )
    enrolled = enrol(
        [(e.pk, e.state, e.operation_on) for e in [*operated, *resurfaced] if e.procedure == "bhr"]
    )
    took("surveillance")
    followed = add_follow_up()
    took("follow-up")
    add_history(nurse)
    took("history")
    measurements(nurse)
    took("measurements")
    hips = len(first) + len(operated) + len(resurfaced)
    return (
        nurse,
        operated,
        set(ids[:tracked]),
        (
            f"{patients:,} patients, {hips:,} hips ({tracked:,} waiting for surgery, "
            f"{len(operated):,} operated in 2 years, {len(resurfaced):,} resurfaced up to 20 "
            f"years ago), {enrolled:,} under surveillance, {followed:,} follow-up programmes "
            f"(loading: {took})"
        ),
    )


def _searches(patients):
    """What staff type to find a patient: a name, part of two names, a birthday, numbers."""
    forms = (
        lambda p: p.family_name[:3],
        lambda p: f"{p.given_name[:2]} {p.family_name[:4]}",
        lambda p: p.date_of_birth.isoformat(),
        lambda p: p.nhs_number,
        lambda p: p.hospital_number,
    )
    return [forms[n % len(forms)](p) for n, p in enumerate(patients)]


def _cds_bodies(patients):
    """The CDS Hooks test request, each naming one of our patients by NHS number and birth."""
    from coxa.cds.domain.links import NHS_NUMBER_SYSTEM
    from coxa.cds.tests.test_cds_hooks import REQUEST

    bodies = []
    for patient in patients:
        body = copy.deepcopy(REQUEST)
        body["hookInstance"] = str(uuid.uuid4())
        body["prefetch"]["patient"] |= {
            "identifier": [{"system": NHS_NUMBER_SYSTEM, "value": patient.nhs_number}],
            "birthDate": patient.date_of_birth.isoformat(),
        }
        bodies.append(json.dumps(body).encode())
    return bodies


def _token():
    from django.test import RequestFactory

    from coxa.accounts.services import issue_token

    asked = RequestFactory().post("/api/v1/auth/token")
    return issue_token(username="bench-surgeon", password=PASSWORD, request=asked)


def _sample(samples, seed):
    from coxa.pathways.models import Episode
    from coxa.patients.models import Patient

    rng = random.Random(seed)
    pks = list(Patient.objects.values_list("pk", flat=True))
    patients = list(Patient.objects.filter(pk__in=rng.sample(pks, min(samples, len(pks)))))
    rng.shuffle(patients)
    hips = list(Episode.objects.values_list("public_id", flat=True))
    hips = rng.sample(hips, min(samples, len(hips)))
    return patients, hips


def _portal_reads():
    from coxa.pathways.models import Episode

    home, plans = [], []
    for episode in Episode.objects.filter(
        patient__user__username__startswith="bench-patient-",
        state__in=("recovering", "follow-up"),
    ).select_related("patient__user"):
        who = episode.patient.user.username
        home.append((who, "GET", "/portal/", None, {}))
        plans.append((who, "GET", f"/portal/recovery/{episode.public_id}/", None, {}))
    return home, plans


def requests(samples, only=(), seed=7):
    """Each request kind of issue 20's table: (who, method, path, body, headers) to send.

    In the order they are measured: the CDS service records each answer (moving the data's
    version, so that the cached analytics and home counts are computed again) and comes last.
    """
    from decisions import DOCUMENT

    patients, hips = _sample(samples, seed)
    token = {"Authorization": f"Bearer {_token()}", "Content-Type": "application/json"}

    def get(who, *paths):
        return [(who, "GET", path, None, {}) for path in paths]

    portal_home, portal_plans = _portal_reads()
    kinds = {
        "baseline /healthz": get("", "/healthz"),
        "theatre and recovery worklist": get(
            "bench-surgeon", "/staff/worklists/theatre-and-recovery/"
        ),
        FIRST_VIEW: get("bench-analyst", ANALYTICS),
        REPEATED: get("bench-analyst", ANALYTICS),
        "pre-assessment worklist page": get("bench", "/staff/worklists/pre-assessment/"),
        "pre-assessment worklist API": get("bench", "/api/v1/worklists/pre-assessment"),
        "GET /api/v1/episodes": get("bench", "/api/v1/episodes"),
        "staff home, nurse": get("bench", "/staff/"),
        "staff home, surgeon": get("bench-surgeon", "/staff/"),
        "patient page": get(
            "bench-surgeon", *(f"/staff/patients/{p.public_id}/" for p in patients)
        ),
        "episode page": get("bench-surgeon", *(f"/staff/episodes/{e}/" for e in hips)),
        "patient search": get(
            "bench", *(f"/staff/patients/?q={quote(q)}" for q in _searches(patients))
        ),
        "timeline (API)": get(
            "bench", *(f"/api/v1/patients/{p.public_id}/timeline" for p in patients)
        ),
        "follow-up worklist": get("bench", "/staff/worklists/follow-up/"),
        "surveillance worklist": get("bench-surgeon", "/staff/worklists/surveillance/"),
        "episode list page": get("bench", "/staff/episodes/"),
        "portal: my records": portal_home,
        "portal: recovery plan": portal_plans,
        "POST /api/v1/decisions": [
            ("", "POST", "/api/v1/decisions", json.dumps(DOCUMENT).encode(), token)
        ],
        "CDS patient-view": [
            ("", "POST", "/cds-services/coxa-hip-decisions", body, token)
            for body in _cds_bodies(patients)
        ],
    }
    if only:  # the first view (computing the page) goes with the repeated view
        wanted = [o for o in only if o]
        kinds = {
            k: v
            for k, v in kinds.items()
            if any(o in k or (k == FIRST_VIEW and o in REPEATED) for o in wanted)
        }
    return kinds
