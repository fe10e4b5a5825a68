"""Hips for the workspace's tests, walked honestly to their states (tests/journeys.py)."""

import datetime as dt
from typing import Any

from coxa.assessment.models import Readiness
from coxa.assessment.worklist import waiting_of
from coxa.conftest import details
from coxa.core.audit import Via
from coxa.patients import services as patients
from tests.journeys import walk_to

TODAY = dt.date(2026, 3, 2)  # a Monday
_NUMBERS = iter(range(1, 10**6))


def day(offset: int) -> dt.date:
    return TODAY + dt.timedelta(days=offset)


def hip(nurse: Any, surgeon: Any, name: str, state: str, *, operated: dt.date, **more: Any) -> Any:
    """A new patient's hip walked to ``state``, operated (or booked) on ``operated``."""
    patient = patients.register_patient(
        details=details(
            given_name=name,
            family_name=f"{name}son",
            nhs_number="",
            hospital_number=f"WS{next(_NUMBERS):06d}",
        ),
        by=nurse,
        via=Via.WEB,
    )
    return walk_to(
        state,
        patient=patient,
        by=surgeon,
        listed_on=operated - dt.timedelta(days=21),
        operated_on=operated,
        **more,
    )


def store_panel(episode: Any, **changes: Any) -> None:
    """Change what the stored readiness says (cautions, medicine stops), as a refresh would."""
    row = Readiness.objects.get(episode=episode)
    panel = dict(row.panel)
    columns = {k: changes.pop(k) for k in ("candidacy", "readiness") if k in changes}
    panel.update(changes)
    waiting = waiting_of(Readiness(panel=panel))
    columns |= {
        "cautions_waiting": len(waiting.cautions),
        "decisions_waiting": len(waiting.decisions),
    }
    Readiness.objects.filter(pk=row.pk).update(panel=panel, **columns)
