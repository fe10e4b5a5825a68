"""Complication rates and PROM change per procedure, from Coxa's records. Audited.

Groups are the procedures in words; a hip opened by converting or revising a joint
replacement (``hips.Hip.revision``) is its own group ("..., revising a joint replacement"),
apart from the primaries, so that its complications are counted and none is dropped.
Complication rates are counted within fixed windows after the operation (``figures.WINDOWS``)
over the hips operated at least that long before the close date; PROM change at the
schedule's 6-month and 1-year points (``figures.POINTS``), each against the baseline.
"""

import datetime as dt
from dataclasses import dataclass

from coxa.accounts.domain import Capability
from coxa.accounts.models import User
from coxa.accounts.selectors import require
from coxa.analytics.figures import (
    POINTS,
    WINDOWS,
    ComplicationRates,
    OperatedHip,
    Point,
    PromRow,
    ScoredHip,
    Window,
    complication_rates,
    prom_rows,
)
from coxa.analytics.selectors.hips import Hip, operated_hips, operated_ids
from coxa.catalogue.loader import get_catalogue
from coxa.core import audit, clock
from coxa.outcomes.domain.complications import Grade
from coxa.outcomes.domain.scoring import baseline_index, change
from coxa.outcomes.models import Complication, QuestionnaireResponse

REVISING = "revising a joint replacement"


@dataclass(frozen=True)
class OutcomeFigures:
    """Complication rates and PROM change per procedure, from Coxa's records, aggregated."""

    complications: tuple[ComplicationRates, ...]
    proms: tuple[PromRow, ...]
    instruments: dict[str, str]  # code -> title, for the page
    close: dt.date
    windows: tuple[Window, ...] = WINDOWS
    points: tuple[Point, ...] = POINTS


def _groups(hips: dict[int, Hip]) -> dict[int, str]:
    """Each hip's group: its procedure in words, revisions apart."""
    procedures = get_catalogue().procedures
    groups = {}
    for episode_id, hip in hips.items():
        found = procedures.get(hip.episode.procedure)
        group = found.title if found is not None else hip.episode.procedure
        groups[episode_id] = f"{group}, {REVISING}" if hip.revision else group
    return groups


def _scored(hips: dict[int, Hip], groups: dict[int, str], close: dt.date) -> list[ScoredHip]:
    """Each hip's baseline and its score at each reported point, per instrument.

    The baseline is ``scoring.baseline_index``'s (the latest scored response on or before
    the operation day). At a point: the latest scored response answering that point, after
    the operation and by the close date.
    """
    instruments = get_catalogue().instruments
    codes = {p.code for p in POINTS}
    series: dict[tuple[int, str], list[QuestionnaireResponse]] = {}
    for r in QuestionnaireResponse.objects.filter(
        episode_id__in=operated_ids(), completed_on__lte=close
    ).order_by("episode_id", "instrument", "completed_on", "recorded_at", "id"):
        series.setdefault((r.episode_id, r.instrument), []).append(r)
    scored = []
    for (episode_id, code), rows in series.items():
        if episode_id not in hips:  # operated after the close date
            continue
        instrument = instruments.get(code)
        operated_on = hips[episode_id].operated_on
        first = baseline_index([r.completed_on for r in rows], [r.score for r in rows], operated_on)
        base = rows[first].score if first is not None else None
        if instrument is None or base is None:
            continue
        at: dict[str, float] = {}
        for r in rows:  # oldest first: the latest answer at each point is kept
            if r.point in codes and r.completed_on > operated_on and r.score is not None:
                at[r.point] = r.score
        for point, later in at.items():
            moved = change(instrument, base, later)
            scored.append(
                ScoredHip(
                    instrument=code,
                    group=groups[episode_id],
                    point=point,
                    baseline=base,
                    later=later,
                    important_improvement=None
                    if moved.important is None
                    else bool(moved.important and moved.better),
                )
            )
    return scored


def outcome_figures(
    actor: User | None,
    *,
    close_on: dt.date | None = None,
    via: audit.Via = audit.Via.WEB,
) -> OutcomeFigures:
    """Complication rates and PROM change per procedure over the operated hips. Audited.

    ``close_on`` (today unless given) closes follow-up: hips operated after it, and records
    after it, are left out. Complications struck out as made in error are left out.
    """
    if actor is not None:
        require(actor, Capability.VIEW_PSEUDONYMISED)
    close = close_on or clock.today()
    catalogue = get_catalogue()
    hips = {e: h for e, h in operated_hips().items() if h.operated_on <= close}
    groups = _groups(hips)
    found: dict[int, list[tuple[str, bool, dt.date]]] = {}
    for episode_id, code, grade, on in Complication.objects.filter(
        episode_id__in=operated_ids(), struck_out_at__isnull=True, found_on__lte=close
    ).values_list("episode_id", "type", "clavien_dindo", "found_on"):
        found.setdefault(episode_id, []).append((code, Grade(grade).severe, on))
    rates = complication_rates(
        (
            OperatedHip(groups[e], hip.operated_on, tuple(found.get(e, ())))
            for e, hip in hips.items()
        ),
        {code: t.title for code, t in catalogue.complications.items()},
        close=close,
    )
    proms = prom_rows(_scored(hips, groups, close))
    audit.record(
        actor=actor,
        action="analytics.outcomes",
        object_type="registry",
        summary=(
            f"Complication rates and PROM change over {len(hips)} operated hips, "
            f"closed {close.isoformat()}"
        ),
        via=via,
    )
    return OutcomeFigures(
        rates, proms, {code: i.title for code, i in catalogue.instruments.items()}, close
    )
