import datetime as dt

import pytest
from django.utils import timezone

from coxa.core import clock
from coxa.core.audit import Via
from coxa.pathways import services as pathways
from coxa.surgery.domain.notes import OperationNoteIn

LISTED_ON = dt.date(2026, 1, 5)
OPERATED_ON = dt.date(2026, 2, 2)


def at(day: dt.date, hour: int = 9):
    return clock.replaying(timezone.make_aware(dt.datetime.combine(day, dt.time(hour))))


def ready(patient, by, *, side="left", procedure="bhr"):
    with at(LISTED_ON):
        episode = pathways.open_episode(
            patient=patient, side=side, procedure=procedure, by=by, via=Via.WEB
        )
        for state in ("assessed", "listed", "ready"):
            episode = pathways.move_episode(
                episode=episode, to=state, reason="", by=by, via=Via.WEB
            ).episode
    return episode


def bhr_note(**overrides):
    values = {
        "operated_on": OPERATED_ON,
        "started_at": "09:10",
        "ended_at": "10:40",
        "side": "left",
        "procedure": "bhr",
        "assistants": ["Dr Reg"],
        "anaesthetic": "spinal",
        "approach": "posterior",
        "implants": [
            {"component": "femoral", "manufacturer": "Smith & Nephew", "size_mm": 50, "lot": "F1"},
            {
                "component": "acetabular",
                "manufacturer": "Smith & Nephew",
                "size_mm": 56,
                "lot": "A1",
                "udi": "(01)05000000000000",
            },
        ],
        "findings": "Osteoarthritis with a cam lesion.",
    }
    return OperationNoteIn.model_validate(values | overrides)


def cd_note(**overrides):
    values = {
        "operated_on": OPERATED_ON,
        "started_at": "13:00",
        "ended_at": "13:35",
        "side": "right",
        "procedure": "core-decompression",
        "anaesthetic": "general",
        "approach": "lateral",
        "drill_passes": 3,
        "graft_used": True,
        "graft_product": "calcium sulphate beads",
    }
    return OperationNoteIn.model_validate(values | overrides)


@pytest.fixture
def scheduled_bhr(bert, surgeon):
    from coxa.surgery.services.schedule import schedule

    episode = ready(bert, surgeon)
    with at(LISTED_ON + dt.timedelta(days=1)):
        return schedule(
            episode=episode,
            operation_on=OPERATED_ON,
            surgeon=surgeon,
            theatre_list="Monday AM",
            by=surgeon,
            via=Via.WEB,
        ).episode
