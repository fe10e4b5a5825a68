import datetime as dt

import pytest

from coxa.accounts.domain import Capability, can
from coxa.core.audit import Via
from coxa.surgery.domain.notes import OperationNoteIn
from tests.journeys import at_time, list_episode, make_ready, prophylaxis, take_consent

LISTED_ON = dt.date(2026, 1, 5)
OPERATED_ON = dt.date(2026, 2, 2)

# The operation page's note form for a resurfacing, as a surgeon fills it in.
BHR_FORM = {
    "operated_on": "2026-02-02",
    "started_at": "09:00",
    "ended_at": "10:30",
    "side": "left",
    "surgeon": "sam",
    "anaesthetic": "spinal",
    "approach": "posterior",
    "implant-femoral-manufacturer": "Smith & Nephew",
    "implant-femoral-size_mm": "50",
    "implant-femoral-lot": "LOT-F",
    "implant-acetabular-manufacturer": "Smith & Nephew",
    "implant-acetabular-size_mm": "56",
    "implant-acetabular-lot": "LOT-A",
    "findings": "Arthritic head, good bone",
    "vte-choice": "regimen",
    "vte-regimen": "lmwh-then-aspirin",
    "vte-dose": "Enoxaparin 40 mg once a day, then aspirin 150 mg once a day",
}


def at(day: dt.date, hour: int = 9):
    return at_time(day, hour)


def ready(patient, by, *, side="left", procedure="bhr", consented=True):
    """A hip made ready by the readiness gate: listed, with a complete pre-assessment.

    When ``by`` takes consent (a surgeon) and ``consented``, the patient's complete consent
    is recorded too, so that the hip can be booked.
    """
    with at(LISTED_ON):
        episode = make_ready(list_episode(patient, by, side=side, procedure=procedure), by)
        if consented and can(by.role, Capability.TAKE_CONSENT):
            take_consent(episode, by)
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
        "vte_prophylaxis": prophylaxis("bhr"),
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
        "vte_prophylaxis": prophylaxis("core-decompression"),
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
