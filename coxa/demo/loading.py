"""Loading the demo whole, or finishing a load that was interrupted.

Each patient is loaded in one transaction (``services.load_patient``): a patient is all
there or not there. A load skips the patients already there (by hospital number), so
running ``coxa demo`` again after an interruption loads the rest, then runs the nightly
check and marks the load complete with an audit record (``MARK``). Only a marked load
counts as loaded: an interrupted one, or one loaded before the mark existed, is finished.
"""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from coxa.accounts.domain import Role
from coxa.accounts.models import User
from coxa.core import audit
from coxa.core.models import AuditEvent
from coxa.demo import services
from coxa.demo.domain import PatientPlan
from coxa.outcomes.services import schedule as follow_up
from coxa.patients.models import Patient
from coxa.surveillance.services import programme as surveillance

MARK = "demo.load"


@dataclass(frozen=True)
class Loaded:
    patients: int  # loaded by this run
    before: int  # already there from an interrupted run
    episodes: int  # opened by this run
    moved: int  # hips the nightly check moved


def is_loaded() -> bool:
    """Whether a demo load has run to its end."""
    return AuditEvent.objects.filter(action=MARK).exists()


def load(
    plans: list[PatientPlan],
    users: dict[Role, User],
    today: dt.date,
    *,
    seed: int,
    say: Callable[[str], None] = lambda _: None,
) -> Loaded:
    """Load every planned patient not yet there, run the nightly check, mark it done."""
    there = set(
        Patient.objects.filter(hospital_number__in=[p.hospital_number for p in plans]).values_list(
            "hospital_number", flat=True
        )
    )
    loaded = episodes = 0
    for number, plan in enumerate(plans, start=1):
        if plan.hospital_number in there:
            continue
        episodes += services.load_patient(plan, users, today)
        loaded += 1
        if number % 50 == 0:
            say(f"  {number} patients loaded")
    moved = services.refresh_all()
    # The nightly follow-up sweep: every listed and operated hip has its programme.
    swept = follow_up.refresh_all()
    if swept.failed:
        raise RuntimeError("the follow-up sweep failed for " + "; ".join(swept.failed))
    # The nightly surveillance sweep: ends the enrolments of hips revised or whose patient
    # died, and stores where every other enrolled hip stands today.
    watched = surveillance.refresh_all()
    if watched.failed:
        raise RuntimeError("the surveillance sweep failed for " + "; ".join(watched.failed))
    audit.record(
        actor=None,
        action=MARK,
        object_type="demo",
        summary=f"Demo data loaded: {len(plans)} synthetic patients",
        via=audit.Via.CLI,
        details={"patients": len(plans), "seed": seed, "resumed": bool(there)},
    )
    return Loaded(patients=loaded, before=len(there), episodes=episodes, moved=moved)
