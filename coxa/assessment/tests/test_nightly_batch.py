"""Issue 20: the nightly readiness check in chunks stores and moves exactly as hip by hip.

The batched check reads a chunk's entries at once and writes its rows at once; the hip-by-hip
refresh (``readiness.refresh`` for each tracked hip, in its own transaction, as the check ran
before) is the reference. A varied clinic is judged both ways from the same state: every
stored column (the panel's JSON too), the states, the transitions and the audit must agree.
"""

import datetime as dt
import threading
from typing import Any

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from coxa.assessment import selectors
from coxa.assessment.domain.entries import Kind
from coxa.assessment.domain.requirements import TRACKED
from coxa.assessment.models import Readiness
from coxa.assessment.services import entries, nightly, readiness
from coxa.conftest import details
from coxa.core import audit, clock, versions
from coxa.core.models import AuditEvent
from coxa.pathways.models import Episode, EpisodeTransition
from coxa.patients import services as patients
from tests.concurrency import postgres_only
from tests.journeys import at_time, list_episode, make_ready, pre_assessment, walk_to

pytestmark = pytest.mark.django_db
NIGHT = dt.date(2026, 3, 2)


def days(n: int) -> dt.date:
    return NIGHT + dt.timedelta(days=n)


class _Undo(Exception):
    pass


def person(nurse, number: int, **overrides: Any):
    fields = {
        "nhs_number": "",
        "hospital_number": f"H{number:06d}",
        "date_of_birth": dt.date(1971, 3, 14) + dt.timedelta(days=number),
    } | overrides
    return patients.register_patient(details=details(**fields), by=nurse, via=audit.Via.WEB)


def record(episode, by, rows, *, moves: bool = True) -> None:
    entries.record_entries(
        episode=episode,
        entries=[(Kind(kind), data) for kind, data in rows],
        by=by,
        via=audit.Via.WEB if moves else audit.Via.CLI,
        apply_transitions=moves,
    )


def imported_result(episode, by, day: dt.date, code: str, value: float, unit: str) -> None:
    """A result that arrives by an import: stored readiness recomputed, nobody moves the hip."""
    row = ("observation", {"code": code, "value": value, "unit": unit, "observed_on": day})
    record(episode, by, [row], moves=False)


def with_value(rows, code: str, value: float):
    return [
        (kind, data | {"value": value}) if data.get("code") == code else (kind, data)
        for kind, data in rows
    ]


def stented(episode, nurse, surgeon, anaesthetist, day: dt.date) -> None:
    """A coronary stent on two antiplatelets: one continued, one stopped before the operation."""
    rows = [
        r
        for r in pre_assessment(episode, day)
        if r[0] != "history" and not (r[0] == "review" and r[1]["list"] == "medications")
    ]
    history = {
        "diabetes": False,
        "coronary_stent_or_recent_acs": True,
        "metal_sensitivity": False,
        "haemoglobinopathy": "none",
        "heart_valve": "none",
        "recorded_on": day,
    }
    medicines = [
        (
            "medication",
            {
                "name": name,
                "class": "antiplatelet",
                "atc": atc,
                "indication": "coronary-stent",
                "recorded_on": day,
            },
        )
        for name, atc in (("Aspirin 75 mg", "B01AC06"), ("Clopidogrel 75 mg", "B01AC04"))
    ]
    allergy = ("allergy", {"substance": "Penicillin", "recorded_on": day})
    record(episode, nurse, [*rows, ("history", history), *medicines, allergy])
    for medicine, decided in (
        ("Aspirin 75 mg", {"action": "continue"}),
        ("Clopidogrel 75 mg", {"action": "stop", "days_before": 5, "restart_days_after": 1}),
    ):
        payload = {"medicine": medicine, "decided_on": day, **decided}
        record(episode, anaesthetist, [("medicine-plan", payload)])


def clinic(nurse, surgeon, anaesthetist) -> dict[str, Episode]:
    """Hips in every situation the check meets, each brought there through the services."""
    hips: dict[str, Episode] = {}
    people = iter(range(1, 100))

    def new(**overrides: Any):
        return person(nurse, next(people), **overrides)

    _older(hips, new, nurse, surgeon)
    _recent(hips, new, nurse, surgeon, anaesthetist)
    Readiness.objects.filter(episode=hips["no stored row"]).delete()
    Readiness.objects.filter(episode=hips["wrong counts"]).update(
        cautions_waiting=9, missing_count=7
    )
    with at_time(NIGHT, 23):  # stored tonight already: the check finds it unchanged
        readiness.refresh(hips["scheduled"], by=None, via=audit.Via.CLI)
    return hips


def _older(hips, new, nurse, surgeon) -> None:
    """Hips listed, made ready or booked days or months ago."""
    with at_time(days(-10)):
        hips["nothing recorded"] = list_episode(new(), surgeon)
        hips["contraindicated"] = list_episode(
            new(sex="female", given_name="Ada"), surgeon, procedure="bhr"
        )
        record(hips["contraindicated"], nurse, pre_assessment(hips["contraindicated"], days(-10)))
        hips["optimising, actioned"] = list_episode(new(), surgeon)
        rows = with_value(pre_assessment(hips["optimising, actioned"], days(-10)), "bmi", 45)
        record(hips["optimising, actioned"], nurse, rows)
        action = {"action": "weight-management", "taken_on": days(-10)}
        record(hips["optimising, actioned"], nurse, [("action", action)])
        hips["missing imaging"] = list_episode(new(), surgeon)
        record(
            hips["missing imaging"], nurse, pre_assessment(hips["missing imaging"], days(-10))[:-1]
        )
    with at_time(days(-120)):  # everything has expired by tonight
        hips["expired, ready"] = make_ready(list_episode(new(), surgeon), surgeon)
    with at_time(days(-40)):  # the medicines check (30 days) has lapsed
        hips["medicines lapsed, ready"] = make_ready(list_episode(new(), surgeon), surgeon)
    hips["scheduled"] = walk_to(
        "scheduled", patient=new(), by=surgeon, listed_on=days(-5), operated_on=days(20)
    )
    hips["scheduled, abnormal result"] = walk_to(
        "scheduled", patient=new(), by=surgeon, listed_on=days(-6), operated_on=days(15)
    )
    hips["operation day reached"] = walk_to(
        "scheduled", patient=new(), by=surgeon, listed_on=days(-20), operated_on=NIGHT
    )
    with at_time(days(-1)):
        for name in ("scheduled, abnormal result", "operation day reached"):
            imported_result(hips[name], nurse, days(-1), "haemoglobin", 98, "g/L")


def _recent(hips, new, nurse, surgeon, anaesthetist) -> None:
    """Hips assessed in the last few days: cautions, medicines, a correction, imports."""
    with at_time(days(-3)):
        two = new()
        hips["fresh, ready"] = make_ready(list_episode(two, surgeon), surgeon)
        hips["other hip"] = list_episode(two, surgeon, side="right", procedure="core-decompression")
        wrong = selectors.entries(Kind.OBSERVATION, hips["fresh, ready"]).get(code="bmi")
        entries.record_entry(
            kind=Kind.OBSERVATION,
            episode=hips["fresh, ready"],
            payload={"code": "bmi", "value": 28.5, "unit": "kg/m2", "observed_on": days(-4)},
            by=nurse,
            via=audit.Via.WEB,
            corrects=str(wrong.public_id),
            reason="Weighed again on the ward scale",
        )
        for name in ("caution", "caution, acknowledged"):
            hips[name] = list_episode(new(), surgeon)
            rows = pre_assessment(hips[name], days(-3))
            rows[-1][1]["diagnosis"] = "dysplasia"
            record(hips[name], nurse, rows)
        readiness.acknowledge_cautions(
            episode=hips["caution, acknowledged"],
            reason="Mild dysplasia; the cover is adequate.",
            by=surgeon,
            via=audit.Via.WEB,
        )
        hips["medicine stops"] = list_episode(new(), surgeon)
        stented(hips["medicine stops"], nurse, surgeon, anaesthetist, days(-3))
        readiness.plan_operation(
            episode=hips["medicine stops"], operation_on=days(20), by=nurse, via=audit.Via.WEB
        )
    with at_time(days(-2)):
        hips["imported, passing"] = list_episode(new(), surgeon)
        record(
            hips["imported, passing"],
            nurse,
            pre_assessment(hips["imported, passing"], days(-2)),
            moves=False,
        )
        hips["imported, abnormal"] = list_episode(new(), surgeon)
        rows = with_value(pre_assessment(hips["imported, abnormal"], days(-2)), "haemoglobin", 98)
        record(hips["imported, abnormal"], nurse, rows, moves=False)
        hips["no stored row"] = make_ready(list_episode(new(), surgeon), surgeon)
        hips["wrong counts"] = make_ready(list_episode(new(), surgeon), surgeon)


def state() -> dict[str, Any]:
    """Everything a refresh writes: stored rows (every column but the id), states, history."""
    columns = [f.name for f in Readiness._meta.concrete_fields if f.name != "id"]
    return {
        "readiness": {
            row["episode"]: row for row in Readiness.objects.values(*columns).order_by("episode")
        },
        "episodes": list(
            Episode.objects.order_by("pk").values_list(
                "pk", "state", "state_changed_at", "operation_on"
            )
        ),
        "transitions": list(
            EpisodeTransition.objects.order_by("at", "episode_id", "pk").values_list(
                "episode_id", "from_state", "to_state", "at", "by", "reason", "is_backward"
            )
        ),
        "audit": list(
            AuditEvent.objects.order_by("pk").values_list(
                "at", "actor_username", "action", "object_id", "summary", "reason", "details"
            )
        ),
    }


def hip_by_hip() -> list[tuple[int, str, str]]:
    """The reference: each tracked hip refreshed on its own, as the check ran before."""
    moves = []
    tracked = Episode.objects.filter(state__in=[s.value for s in TRACKED]).order_by("pk")
    for episode in tracked.select_related("patient"):
        before = episode.state
        with audit.atomic():
            readiness.refresh(episode, by=None, via=audit.Via.CLI)
        if episode.state != before:
            moves.append((episode.pk, before, episode.state))
    return moves


def undone(work) -> Any:
    """What ``work`` returns and the state it leaves; then undone."""
    found: list[Any] = []
    try:
        with transaction.atomic():
            found += [work(), state()]
            raise _Undo
    except _Undo:
        return found
    raise AssertionError("not undone")


def moved(run) -> list[tuple[int, str, str]]:
    return [(e.pk, before, after) for e, before, after in run.moves]


def test_the_batched_check_stores_and_moves_exactly_as_hip_by_hip(nurse, surgeon, anaesthetist):
    hips = clinic(nurse, surgeon, anaesthetist)
    with at_time(NIGHT, 23):
        expected_moves, expected = undone(hip_by_hip)
        small, in_small_chunks = undone(lambda: nightly.refresh_tracked(chunk=4))
        before = state()
        judged = nightly.refresh_tracked(dry_run=True, chunk=3)
        assert state() == before  # the dry run writes nothing
        run = nightly.refresh_tracked()
    assert in_small_chunks == expected
    assert moved(small) == expected_moves
    assert moved(judged) == expected_moves  # the dry run says the same
    assert state() == expected
    assert moved(run) == expected_moves
    assert (run.refreshed, run.failed) == (len(hips), ())
    # The clinic covers what it means to: every verdict, each kind of move, the cases kept.
    rows = expected["readiness"]
    stored = {name: rows[hip.pk] for name, hip in hips.items()}
    assert {r["readiness"] for r in rows.values()} == {"ready", "optimise", "insufficient-data"}
    assert {r["candidacy"] for r in rows.values()} >= {"indicated", "caution", "contraindicated"}
    assert {(h, a) for _, h, a in expected_moves} >= {
        ("listed", "ready"),
        ("listed", "optimising"),
        ("ready", "listed"),
        ("scheduled", "optimising"),
    }
    assert stored["medicine stops"]["first_stop_on"] == days(15)
    assert stored["caution"]["cautions_waiting"] == 1
    assert stored["caution, acknowledged"]["panel"]["acknowledgement"] is not None
    assert stored["expired, ready"]["expired_count"] > 0
    assert stored["missing imaging"]["missing_count"] > 0
    assert stored["optimising, actioned"]["unactioned_count"] == 0
    assert stored["expired, ready"]["moved_back_at"] is not None
    operated = hips["operation day reached"]
    assert Episode.objects.get(pk=operated.pk).state == "scheduled"  # never moved back
    assert not stored["operation day reached"]["panel"]["gate"]["holds"]


def test_a_row_whose_values_are_unchanged_is_not_rewritten(nurse, surgeon):
    hip = walk_to("scheduled", patient=person(nurse, 1), by=surgeon, listed_on=days(-5))
    with at_time(NIGHT, 22):
        nightly.refresh_tracked()
    with at_time(NIGHT, 23), CaptureQueriesContext(connection) as captured:
        run = nightly.refresh_tracked()
    written = [q["sql"] for q in captured.captured_queries if q["sql"].startswith("UPDATE")]
    assert run.refreshed == 1
    assert len(written) == 1
    assert "computed_at" in written[0]
    assert "panel" not in written[0]
    row = Readiness.objects.get(episode=hip)
    assert row.computed_at.hour == 23  # when it was last judged, as a single hip's refresh


def test_a_night_that_rewrites_stored_rows_moves_the_data_version(nurse, surgeon):
    """No hip moves, so nothing is recorded: the version moves all the same (H103)."""
    walk_to("listed", patient=person(nurse, 1), by=surgeon, listed_on=days(-5))
    with at_time(NIGHT, 22):
        nightly.refresh_tracked()
    before = versions.data_version()
    with at_time(NIGHT, 23):
        assert nightly.refresh_tracked().moves == ()
    assert versions.data_version() == before  # the same values: only when it was judged
    with at_time(days(1), 22):
        assert nightly.refresh_tracked().moves == ()
    assert versions.data_version() > before  # judged for another day: the row was rewritten


def test_a_hip_that_fails_is_reported_and_the_others_are_stored(nurse, surgeon, monkeypatch):
    with at_time(days(-2)):
        first = make_ready(list_episode(person(nurse, 1), surgeon), surgeon)
        second = make_ready(list_episode(person(nurse, 2), surgeon), surgeon)
    real = nightly.evaluate_episode

    def failing(episode, **kwargs):
        if episode.pk == first.pk:
            raise RuntimeError("a broken record")
        return real(episode, **kwargs)

    monkeypatch.setattr(nightly, "evaluate_episode", failing)
    before = Readiness.objects.get(episode=first).computed_at
    with at_time(NIGHT, 23):
        run = nightly.refresh_tracked()
    assert run.refreshed == 1
    assert run.failed == (f"{first.public_id}: a broken record",)
    assert Readiness.objects.get(episode=first).computed_at == before  # its verdict is older
    assert Readiness.objects.get(episode=second).computed_at.date() == NIGHT


def test_a_chunk_that_fails_as_a_whole_is_refreshed_hip_by_hip(nurse, surgeon, monkeypatch):
    with at_time(days(-40)):
        lapsed = make_ready(list_episode(person(nurse, 1), surgeon), surgeon)
    with at_time(days(-2)):
        fresh = make_ready(list_episode(person(nurse, 2), surgeon), surgeon)

    def broken(*args):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(nightly, "_store", broken)
    with at_time(NIGHT, 23):
        run = nightly.refresh_tracked()
    assert (run.refreshed, run.failed) == (2, ())
    assert moved(run) == [(lapsed.pk, "ready", "listed")]
    assert Readiness.objects.get(episode=fresh).computed_at.date() == NIGHT
    assert EpisodeTransition.objects.filter(episode=lapsed, from_state="ready").count() == 1


def _hips(nurse, surgeon, count: int) -> list[int]:
    found = []
    with at_time(days(-3)):
        for n in range(count):
            hip = list_episode(person(nurse, n + 1), surgeon)
            if n % 2:  # half ready (every kind of entry read), half with nothing recorded
                hip = make_ready(hip, surgeon)
            found.append(hip.pk)
    return found


def test_a_chunk_costs_the_same_queries_for_5_hips_as_for_50(nurse, surgeon):
    ids = _hips(nurse, surgeon, 50)
    counts = []
    for night, chosen in ((NIGHT, ids[:5]), (days(1), ids)):
        with at_time(night, 23), CaptureQueriesContext(connection) as captured:
            run = nightly.refresh_tracked(episodes=Episode.objects.filter(pk__in=chosen))
        assert (run.refreshed, run.moves, run.failed) == (len(chosen), (), ())
        counts.append(len(captured))
    assert counts[0] == counts[1] <= 20


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_a_result_recorded_while_the_chunk_runs_is_never_overwritten(
    bert, nurse, surgeon, monkeypatch
):
    """The chunk holds its hips' rows from before it reads until it has written.

    A haemoglobin recorded meanwhile (its service locks the hip to refresh it) waits for the
    chunk, then stores its own verdict; without the lock, the chunk's verdict, judged on
    what it read before, would overwrite it: "ready", on a hip just moved to optimising.
    """
    hip = make_ready(list_episode(bert, surgeon), surgeon)
    real, read, written = nightly._judge, threading.Event(), threading.Event()
    early: list[bool] = []

    def judged_then_wait(*args):
        found = real(*args)
        read.set()
        early.append(written.wait(3))  # the entry cannot be stored while the chunk runs
        return found

    monkeypatch.setattr(nightly, "_judge", judged_then_wait)

    def night() -> None:
        try:
            nightly.refresh_tracked()
        finally:
            connection.close()

    def entry() -> None:
        try:
            read.wait(30)
            entries.record_entry(
                kind=Kind.OBSERVATION,
                episode=Episode.objects.get(pk=hip.pk),
                payload={
                    "code": "haemoglobin",
                    "value": 98,
                    "unit": "g/L",
                    "observed_on": clock.today(),
                },
                by=nurse,
                via=audit.Via.WEB,
            )
            written.set()
        finally:
            connection.close()

    threads = [threading.Thread(target=night), threading.Thread(target=entry)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert (early, written.is_set()) == ([False], True)
    stored = Readiness.objects.get(episode=hip)
    assert (Episode.objects.get(pk=hip.pk).state, stored.readiness) == ("optimising", "optimise")
