"""The latest reading wins (H73): correcting an old measurement never makes it the newest.

A measurement's current value is the one taken latest: its day, then the time it was first
recorded. A correction keeps the place of the entry it corrects, whenever it is made.
"""

import datetime as dt

import pytest

from coxa.assessment import selectors
from coxa.assessment.domain.entries import Kind
from coxa.assessment.domain.facts import latest
from coxa.assessment.domain.held import Reading
from coxa.assessment.models import Readiness
from coxa.assessment.services import entries
from coxa.core import clock
from coxa.core.audit import Via
from tests.journeys import at_time

pytestmark = pytest.mark.django_db

DAY_1 = dt.date(2026, 11, 2)
DAY_10 = dt.date(2026, 11, 11)


def measure(episode, by, code, value, unit, on, *, corrects=None):
    return entries.record_entry(
        kind=Kind.OBSERVATION,
        episode=episode,
        by=by,
        via=Via.WEB,
        payload={"code": code, "value": value, "unit": unit, "observed_on": on},
        corrects=None if corrects is None else str(corrects.public_id),
        reason="Typed in the wrong box" if corrects is not None else "",
    )


def pressure(episode, by, on, systolic, diastolic, *, corrects=(None, None)):
    return (
        measure(episode, by, "systolic_bp", systolic, "mm[Hg]", on, corrects=corrects[0]),
        measure(episode, by, "diastolic_bp", diastolic, "mm[Hg]", on, corrects=corrects[1]),
    )


def blood_pressure_finding(episode):
    panel = Readiness.objects.get(episode=episode).panel
    return next(f for f in panel["findings"] if f["rule_id"] == "readiness.blood-pressure")


def test_correcting_last_months_pressure_leaves_the_later_reading_current(listed, nurse):
    with at_time(DAY_1):
        first = pressure(listed, nurse, DAY_1, 186, 100)
    with at_time(DAY_10):
        pressure(listed, nurse, DAY_10, 132, 82)
    with at_time(DAY_10 + dt.timedelta(days=5)):
        pressure(listed, nurse, DAY_1, 188, 112, corrects=first)  # the old one, corrected
    finding = blood_pressure_finding(listed)
    assert finding["facts"] == {"systolic_bp": 132.0, "diastolic_bp": 82.0}
    assert finding["outcome"] == "met"
    requirement = next(
        r
        for r in Readiness.objects.get(episode=listed).panel["requirements"]
        if r["code"] == "blood-pressure"
    )
    assert requirement["recorded_on"] == DAY_10.isoformat()
    shown = selectors.latest_readings(listed)
    assert (shown["systolic_bp"].value, shown["systolic_bp"].on) == (132.0, DAY_10)
    assert (shown["diastolic_bp"].value, shown["diastolic_bp"].on) == (82.0, DAY_10)


def test_correcting_an_earlier_reading_of_the_same_day_does_not_overtake_the_later_one(
    listed, nurse
):
    day = clock.today()
    with at_time(day, hour=9):
        early = measure(listed, nurse, "haemoglobin", 95, "g/L", day)
    with at_time(day, hour=14):
        measure(listed, nurse, "haemoglobin", 131, "g/L", day)  # the later sample
    with at_time(day, hour=16):
        measure(listed, nurse, "haemoglobin", 96, "g/L", day, corrects=early)
    held = selectors.held_for(listed)
    assert latest(held.readings, "haemoglobin").value == 131.0
    assert selectors.latest_readings(listed)["haemoglobin"].value == 131.0
    panel = Readiness.objects.get(episode=listed).panel
    anaemia = next(f for f in panel["findings"] if f["rule_id"] == "readiness.anaemia")
    assert anaemia["facts"]["haemoglobin_g_l"] == 131.0


def test_a_correction_of_a_correction_keeps_the_first_entrys_place(listed, nurse):
    day = clock.today()
    with at_time(day, hour=9):
        early = measure(listed, nurse, "weight", 80, "kg", day)
    with at_time(day, hour=10):
        measure(listed, nurse, "weight", 82, "kg", day)
    with at_time(day, hour=11):
        again = measure(listed, nurse, "weight", 81, "kg", day, corrects=early)
    with at_time(day, hour=12):
        measure(listed, nurse, "weight", 81.5, "kg", day, corrects=again)
    assert selectors.latest_readings(listed)["weight"].value == 82.0


def test_a_correction_that_moves_the_day_later_makes_it_the_latest(listed, nurse):
    """The day taken is what orders readings: a reading re-dated to a later day is newer."""
    with at_time(DAY_10):
        first = measure(listed, nurse, "haemoglobin", 120, "g/L", DAY_1)
        measure(listed, nurse, "haemoglobin", 125, "g/L", DAY_1 + dt.timedelta(days=3))
        measure(listed, nurse, "haemoglobin", 128, "g/L", DAY_10, corrects=first)
    assert selectors.latest_readings(listed)["haemoglobin"].value == 128.0


def test_the_latest_of_the_pure_rule_orders_by_day_then_first_recorded():
    at = dt.datetime(2026, 11, 2, 9, tzinfo=dt.UTC)
    later = at + dt.timedelta(hours=3)
    readings = [
        Reading("haemoglobin", 96, "g/L", DAY_1, at),  # a correction of the 09:00 entry
        Reading("haemoglobin", 131, "g/L", DAY_1, later),
        Reading("haemoglobin", 110, "g/L", DAY_1 - dt.timedelta(days=1), later),
    ]
    assert latest(readings, "haemoglobin").value == 131
    assert latest(list(reversed(readings)), "haemoglobin").value == 131
    assert latest(readings, "egfr") is None
    # Readings with no time (built by hand) fall back to their day alone.
    plain = [Reading("bmi", 28, "kg/m2", DAY_1), Reading("bmi", 30, "kg/m2", DAY_10)]
    assert latest(plain, "bmi").value == 30
