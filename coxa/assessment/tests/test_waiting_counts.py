"""Issue 20: what waits on a clinician is stored with the readiness, so the home page finds
every such hip (hazard H90). The stored counts must say what ``waiting_of`` reads in the
panel, however the readiness is written, and the migration must count the rows it finds."""

import datetime as dt
import importlib

import pytest
from django.apps import apps as django_apps

from coxa.assessment.domain.entries import Kind
from coxa.assessment.models import Readiness
from coxa.assessment.services import entries, nightly, readiness
from coxa.assessment.worklist import waiting_of
from coxa.core.audit import Via
from coxa.core.errors import Forbidden
from tests.journeys import at_time, list_episode, pre_assessment

pytestmark = pytest.mark.django_db
DAY = dt.date(2026, 1, 5)
OPERATION = dt.date(2026, 2, 2)
FILL = importlib.import_module("coxa.assessment.migrations.0007_readiness_waiting_counts")


def stored(episode):
    """The stored counts, checked against what ``waiting_of`` reads in the stored panel."""
    row = Readiness.objects.get(episode=episode)
    waiting = waiting_of(row)
    assert (row.cautions_waiting, row.decisions_waiting) == (
        len(waiting.cautions),
        len(waiting.decisions),
    )
    return row.cautions_waiting, row.decisions_waiting


def assessed(episode, nurse, rows):
    entries.record_entries(
        episode=episode, entries=[(Kind(k), data) for k, data in rows], by=nurse, via=Via.WEB
    )
    episode.refresh_from_db()
    return episode


def cautious(bert, nurse, surgeon):
    """Bert's hip assessed with a caution (dysplasia) and nothing else waiting."""
    episode = list_episode(bert, surgeon)
    rows = pre_assessment(episode, DAY)
    rows[-1][1]["diagnosis"] = "dysplasia"
    return assessed(episode, nurse, rows)


def stented(bert, nurse, surgeon, side="left"):
    """Bert with a coronary stent on two antiplatelets: a clinician decides each."""
    episode = list_episode(bert, surgeon, side=side)
    rows = [
        r
        for r in pre_assessment(episode, DAY)
        if r[0] != "history" and not (r[0] == "review" and r[1]["list"] == "medications")
    ]
    history = {
        "diabetes": False,
        "coronary_stent_or_recent_acs": True,
        "metal_sensitivity": False,
        "haemoglobinopathy": "none",
        "heart_valve": "none",
        "recorded_on": DAY,
    }
    rows += [("history", history)] + [
        (
            "medication",
            {
                "name": name,
                "class": "antiplatelet",
                "atc": atc,
                "indication": "coronary-stent",
                "recorded_on": DAY,
            },
        )
        for name, atc in (("Aspirin 75 mg", "B01AC06"), ("Clopidogrel 75 mg", "B01AC04"))
    ]
    return assessed(episode, nurse, rows)


def plan(episode, by, medicine, **decided):
    entries.record_entry(
        kind=Kind.MEDICINE_PLAN,
        episode=episode,
        payload={"medicine": medicine, "decided_on": DAY, **decided},
        by=by,
        via=Via.WEB,
    )


def test_a_caution_is_counted_until_a_surgeon_acknowledges_it_and_again_when_new(
    bert, nurse, surgeon
):
    with at_time(DAY):
        episode = cautious(bert, nurse, surgeon)
        assert stored(episode) == (1, 0)
        with pytest.raises(Forbidden):  # a nurse may not acknowledge: nothing changes
            readiness.acknowledge_cautions(
                episode=episode, reason="Discussed with him at length.", by=nurse, via=Via.WEB
            )
        assert stored(episode) == (1, 0)
        readiness.acknowledge_cautions(
            episode=episode, reason="Mild dysplasia; cover is adequate.", by=surgeon, via=Via.WEB
        )
        assert stored(episode) == (0, 0)
    later = DAY + dt.timedelta(days=1)
    with at_time(later):  # a new caution (renal function) needs a new acknowledgement
        entries.record_entry(
            kind=Kind.OBSERVATION,
            episode=episode,
            payload={
                "code": "egfr",
                "value": 52,
                "unit": "mL/min/{1.73_m2}",
                "observed_on": later,
            },
            by=nurse,
            via=Via.WEB,
        )
    assert stored(episode) == (1, 0)


def test_each_medicine_decision_recorded_lowers_the_count(bert, nurse, surgeon, anaesthetist):
    with at_time(DAY):
        episode = stented(bert, nurse, surgeon)
        assert stored(episode) == (0, 2)
        readiness.plan_operation(episode=episode, operation_on=OPERATION, by=nurse, via=Via.WEB)
        assert stored(episode) == (0, 2)
        with pytest.raises(Forbidden):  # a nurse does not decide: nothing changes
            plan(episode, nurse, "Aspirin 75 mg", action="continue")
        assert stored(episode) == (0, 2)
        plan(episode, anaesthetist, "aspirin 75 MG", action="continue")
        assert stored(episode) == (0, 1)
        plan(
            episode,
            anaesthetist,
            "Clopidogrel 75 mg",
            action="stop",
            days_before=5,
            restart_days_after=1,
        )
        assert stored(episode) == (0, 0)
    episode.refresh_from_db()
    assert episode.state == "ready"


def test_the_nightly_check_rewrites_counts_that_disagree_with_the_panel(bert, nurse, surgeon):
    with at_time(DAY):
        episode = stented(bert, nurse, surgeon)
    Readiness.objects.filter(episode=episode).update(cautions_waiting=9, decisions_waiting=0)
    with at_time(DAY + dt.timedelta(days=1)):
        run = nightly.refresh_tracked()
    assert run.refreshed == 1
    assert not run.failed
    assert stored(episode) == (0, 2)


PANEL = {
    "cautions": [
        {"rule_id": "bhr.age", "message": "Aged 65 or over", "acknowledged": False},
        {"rule_id": "bhr.diagnosis", "message": "Dysplasia", "acknowledged": True},
        {"rule_id": "bhr.renal-function", "message": "eGFR 52"},  # before the flag was kept
    ],
    "medication_stops": [
        {"medication": "Apixaban", "class": "doac", "needs_decision": True},
        {"medication": "Aspirin", "class": "antiplatelet", "needs_decision": False},
        {"medication": "Ibuprofen", "class": "nsaid"},
    ],
}


@pytest.mark.parametrize("batch", [1, 2, 500])
@pytest.mark.parametrize(
    ("panel", "counts"),
    [
        (PANEL, (2, 1)),
        ({"cautions": PANEL["cautions"][1:2]}, (0, 0)),  # every caution acknowledged
        ({"medication_stops": PANEL["medication_stops"][:1]}, (0, 1)),
        ({}, (0, 0)),
    ],
)
def test_the_migration_counts_what_each_stored_panel_says_waits(
    bert, nurse, surgeon, monkeypatch, batch, panel, counts
):
    with at_time(DAY):
        first = cautious(bert, nurse, surgeon)
        second = stented(bert, nurse, surgeon, side="right")
    Readiness.objects.filter(episode=first).update(panel=panel)
    Readiness.objects.update(cautions_waiting=0, decisions_waiting=0)  # as the new columns
    monkeypatch.setattr(FILL, "BATCH", batch)
    FILL.fill_waiting_counts(django_apps, None)
    assert stored(first) == counts
    assert stored(second) == (0, 2)
