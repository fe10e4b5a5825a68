"""The nightly readiness check: every tracked hip judged again as of today.

Results expire as days pass, so each night every listed, optimising, ready or scheduled hip
is refreshed as Coxa itself (no person acting), and moved as the readiness gate says
(services/readiness.py). Run by ``coxa refresh_readiness`` and after loading the demo.

The hips are taken in chunks (``CHUNK``), each one transaction that first locks its hips'
rows, in id order, as a single hip's refresh locks its own: a clinic entry, a booking or an
acknowledgement then waits for the chunk, or the chunk for it, and the chunk reads what they
committed; so a verdict stored here is never older than one stored by them. What the chunk's
evaluations need is read in a fixed number of queries, the hips are judged in memory by
``readiness.evaluate_episode`` (the one judgement), and the stored rows are written at
once, only those whose values changed in full; the others only get the time they were
computed. A hip the gate moves (rare) goes through ``readiness.refresh`` with that same
evaluation, so its move, audit and lock are exactly a single hip's. A hip that fails is
logged and reported and the rest go on; a chunk that fails as a whole is rolled back and
its hips refreshed one by one (``_one_by_one``, each its own transaction).
"""

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import QuerySet
from django.db.models.fields.json import KT

from coxa.assessment import selectors
from coxa.assessment.domain.entries import Kind
from coxa.assessment.domain.requirements import TRACKED
from coxa.assessment.models import Readiness
from coxa.assessment.services.readiness import (
    Evaluation,
    Known,
    evaluate_episode,
    move_for,
    refresh,
    stored_values,
)
from coxa.catalogue.loader import get_catalogue
from coxa.core import audit, clock, versions
from coxa.pathways.models import Episode

log = logging.getLogger(__name__)
FAILED = "readiness refresh failed for episode %s"

CHUNK = 1000  # hips a transaction: their rows stay locked while it runs (about a second)
# The stored columns a refresh rewrites, compared before writing (``stored_values``).
COLUMNS = (
    "readiness",
    "candidacy",
    "missing_count",
    "expired_count",
    "abnormal_count",
    "unactioned_count",
    "expires_on",
    "first_stop_on",
    "late_stop",
    "cautions_waiting",
    "decisions_waiting",
    "panel",
)
SCALARS = COLUMNS[:-1]  # all but the panel

Move = tuple[Episode, str, str]  # (episode, state before, state after)


@dataclass(frozen=True)
class Run:
    """What one pass of the nightly check did."""

    refreshed: int  # episodes refreshed (or, in a dry run, judged)
    moves: tuple[Move, ...]
    failed: tuple[str, ...]  # "public id: error" for each episode that failed


class _DryRun(Exception):
    """Rolls back one episode's refresh after seeing where it would go."""


def refresh_tracked(
    *, episodes: QuerySet[Episode] | None = None, dry_run: bool = False, chunk: int = CHUNK
) -> Run:
    """The nightly check: refresh every tracked episode (of ``episodes``) as of today.

    As Coxa itself (``by`` None), ``chunk`` hips a transaction. ``dry_run`` judges each hip
    and says where it would move, writing nothing.
    """
    tracked = (episodes if episodes is not None else Episode.objects.all()).filter(
        state__in=[s.value for s in TRACKED]
    )
    ids = list(tracked.order_by("id").values_list("id", flat=True))
    refreshed, moves, failed = 0, list[Move](), list[str]()
    for start in range(0, len(ids), chunk):
        # The hips tracked, when the chunk is taken, among these ids (a range: a list of a
        # thousand ids is slow to build into every query).
        part = tracked.filter(pk__range=(ids[start], ids[min(start + chunk, len(ids)) - 1]))
        try:
            done = _chunk(part, dry_run=dry_run)
        except Exception:  # the chunk rolled back as a whole: each hip on its own, reported
            log.exception("readiness refresh failed for a chunk; refreshing its hips one by one")
            done = _one_by_one(part, dry_run=dry_run)
        refreshed += done.refreshed
        moves += done.moves
        failed += done.failed
    return Run(refreshed=refreshed, moves=tuple(moves), failed=tuple(failed))


def _chunk(part: QuerySet[Episode], *, dry_run: bool) -> Run:
    """Refresh a chunk of hips in one transaction (judge them only, for a dry run)."""
    if dry_run:  # nothing is written: no lock to hold
        found = list(part.select_related("patient").order_by("pk"))
        judged, failed = _judge(found, part)
        moves = [(e, e.state, to[0].value) for e, ev in judged if (to := move_for(e, ev))]
        return Run(len(found) - len(failed), tuple(moves), tuple(failed))
    with audit.atomic():
        # Lock first, in id order (as entries._locked_affected does), then read.
        found = list(part.select_for_update(of=("self",)).select_related("patient").order_by("pk"))
        judged, failed = _judge(found, part)
        stays, moves = [], []
        for episode, evaluation in judged:
            if move_for(episode, evaluation) is None:
                stays.append((episode, evaluation))
                continue
            before = episode.state
            try:  # a single hip's refresh, in a savepoint: a failure undoes only its own
                refresh(episode, by=None, via=audit.Via.CLI, evaluation=evaluation)
            except Exception as error:  # one broken record must not stop the night: reported
                log.exception(FAILED, episode.public_id)
                failed.append(f"{episode.public_id}: {error}")
                continue
            moves.append((episode, before, episode.state))
        _store(stays, part)
    return Run(len(found) - len(failed), tuple(moves), tuple(failed))


def _judge(
    episodes: list[Episode], part: QuerySet[Episode]
) -> tuple[list[tuple[Episode, Evaluation]], list[str]]:
    """Evaluate each hip on what is read for all of them at once; and those that failed."""
    rows, first = selectors.held_rows(episodes, part)
    acknowledgements = selectors.acknowledgements_of(part)
    today = clock.today()
    judged, failed = [], []
    for episode in episodes:
        held = rows[episode.pk]
        try:
            known = Known(
                selectors.held_from(episode, held, first, today),
                selectors.latest_actions(held[Kind.ACTION]),
                acknowledgements.get(episode.pk),
            )
            judged.append((episode, evaluate_episode(episode, known=known)))
        except Exception as error:  # one broken record must not stop the night: reported
            log.exception(FAILED, episode.public_id)
            failed.append(f"{episode.public_id}: {error}")
    return judged, failed


def _store(judged: list[tuple[Episode, Evaluation]], part: QuerySet[Episode]) -> None:
    """Write the stored readiness of hips that stay: changed rows in full, in one statement.

    A row whose values are unchanged only gets the time it was computed, so that
    ``computed_at`` says when each hip was last judged, as a single hip's refresh leaves it
    (a hip that failed keeps an older one). The stored panels are read only where the
    other columns and the day the gate was judged for are the same (a booked hip, mostly):
    a panel judged for today differs from last night's.
    """
    if not judged:
        return
    catalogue, now = get_catalogue(), clock.now()
    stored = {
        pk: tuple(values)
        for pk, *values in Readiness.objects.filter(episode_id__in=part.values("pk"))
        .annotate(gate_on=KT("panel__gate__on"))
        .values_list("episode_id", *SCALARS, "gate_on")
    }
    new, maybe = [], {}
    for episode, evaluation in judged:
        values = stored_values(evaluation.panel, catalogue)
        before = stored.get(episode.pk)
        if before is None:
            new.append(Readiness(episode=episode, computed_at=now, **values))
        else:
            maybe[episode.pk] = values
    changed, unchanged = _compare(stored, maybe)
    if changed or new:
        # Rewritten with no record of it (no hip moved): the data's version moves all the
        # same, so that a worklist's count kept under it is made again (H103).
        versions.count_change()
    _update(changed, now)
    if unchanged:
        Readiness.objects.filter(episode_id__in=unchanged).update(computed_at=now)
    if new:
        Readiness.objects.bulk_create(new)


def _compare(
    stored: dict[int, tuple[Any, ...]], computed: dict[int, dict[str, Any]]
) -> tuple[list[tuple[int, dict[str, Any]]], list[int]]:
    """The rows whose stored values differ from those computed, and those the same."""
    alike = [
        pk
        for pk, values in computed.items()
        if stored[pk] == (*(values[c] for c in SCALARS), values["panel"]["gate"]["on"])
    ]
    panels = (
        dict(Readiness.objects.filter(episode_id__in=alike).values_list("episode_id", "panel"))
        if alike
        else {}
    )
    # Equal as Python compares them: one function builds every panel, so a value keeps its
    # type from night to night (1 and 1.0 would pass for the same).
    unchanged = [pk for pk in alike if panels[pk] == computed[pk]["panel"]]
    same = set(unchanged)
    return [(pk, v) for pk, v in computed.items() if pk not in same], unchanged


def _update(changed: list[tuple[int, dict[str, Any]]], now: dt.datetime) -> None:
    """Rewrite changed rows: one statement, sent for every row at once (``executemany``)."""
    if not changed:
        return
    ops = connection.ops
    column = {f.name: f.column for f in Readiness._meta.concrete_fields}
    sets = ", ".join(f"{ops.quote_name(column[name])} = %s" for name in (*COLUMNS, "computed_at"))
    table, key = ops.quote_name(Readiness._meta.db_table), ops.quote_name(column["episode"])
    sql = f"UPDATE {table} SET {sets} WHERE {key} = %s"  # noqa: S608 - names, not values
    adapt: dict[str, Any] = {
        "expires_on": ops.adapt_datefield_value,
        "first_stop_on": ops.adapt_datefield_value,
        "panel": lambda panel: ops.adapt_json_value(panel, None),
    }
    computed_at = ops.adapt_datetimefield_value(now)
    rows = [
        [*(adapt[n](values[n]) if n in adapt else values[n] for n in COLUMNS), computed_at, pk]
        for pk, values in changed
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


def _one_by_one(part: QuerySet[Episode], *, dry_run: bool) -> Run:
    """Each hip its own transaction, as the check once ran: a chunk that failed as a whole."""
    moves, failed = [], []
    found = list(part.select_related("patient").order_by("pk"))
    for episode in found:
        before = episode.state
        try:
            with audit.atomic():
                refresh(episode, by=None, via=audit.Via.CLI)
                after = episode.state
                if dry_run:
                    raise _DryRun
        except _DryRun:
            pass
        except Exception as error:  # one broken record must not stop the night: reported
            log.exception(FAILED, episode.public_id)
            failed.append(f"{episode.public_id}: {error}")
            continue
        if after != before:
            moves.append((episode, before, after))
    if not dry_run:  # stored readiness rewritten without a record: counts are made again (H103)
        versions.count_change()
    return Run(len(found) - len(failed), tuple(moves), tuple(failed))
