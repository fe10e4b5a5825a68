"""The registry extract read from Coxa's own records, pseudonymised. Audited.

One row per operated hip (an episode that reached ``operated``):
- the operation date is the day the operation was recorded (the ``operated`` step);
- revision is conversion: the recorded conversion's day (``outcomes.Conversion.on``) is the
  end point; a hip converted before conversions were recorded uses the day of its
  ``converted`` step;
- death is the recorded death's day (``outcomes.Death.on``, the competing event), else the
  patient's date of death (older records); a conversion on the day of death counts;
- follow-up is censored at the close date (today unless given).
A hip replacement opened by converting a resurfacing is that resurfacing's revision, not a
new primary, so it is left out; one opened after core decompression is a primary and counts.
"""

import datetime as dt
import functools
import uuid
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils import timezone

from coxa.accounts.domain import Capability, Role
from coxa.accounts.models import User
from coxa.accounts.selectors import require
from coxa.analytics.cohort import Cohort
from coxa.analytics.extract import ExtractError, cohort_of, read_extract, table_of_rows
from coxa.analytics.figures import (
    ComplicationRates,
    OperatedHip,
    PromRow,
    ScoredHip,
    complication_rates,
    prom_rows,
)
from coxa.analytics.synthetic import COLUMNS
from coxa.assessment.models import Imaging
from coxa.catalogue.loader import get_catalogue
from coxa.core import audit, clock
from coxa.core.errors import ErrorCode, InvalidInput
from coxa.outcomes.domain.complications import Grade
from coxa.outcomes.domain.scoring import baseline_index, change
from coxa.outcomes.models import Complication, Conversion, Death, QuestionnaireResponse
from coxa.pathways.domain import EpisodeState
from coxa.pathways.models import EpisodeTransition
from coxa.pathways.selectors import pseudonym
from coxa.surgery.models import Implant, OperationNote

DAYS_PER_YEAR = 365.25
RESURFACING = "bhr"

NOTES = (
    "Operation date, surgeon and head size come from the signed operation note (the femoral "
    "component for resurfacing, the head for hip replacement); hips operated before notes "
    "were kept use the day and the surgeon of the operation step, with no head size.",
)
HEAD_COMPONENTS = ("femoral", "head")


def hip_pseudonym(episode_id: uuid.UUID) -> str:
    """A keyed pseudonym for one hip (episode); the key stays with the service."""
    return pseudonym(episode_id, prefix="H", namespace=b"hip:")


def _local_day(moment: dt.datetime) -> dt.date:
    return timezone.localdate(moment)


def _recorded(
    episode_ids: list[int],
) -> tuple[
    dict[int, dt.date],
    dict[int, dt.date],
    dict[int, str],
    dict[int, OperationNote],
    dict[int, float | None],
]:
    """Conversion days, death days, diagnoses, signed notes and head sizes of these hips."""
    converted = {
        episode_id: _local_day(at)
        for episode_id, at in EpisodeTransition.objects.filter(
            to_state=EpisodeState.CONVERTED, episode_id__in=episode_ids
        ).values_list("episode_id", "at")
    }
    # The recorded conversion's day, where there is one (issue 14), over the step's day.
    converted.update(
        Conversion.objects.filter(episode_id__in=episode_ids).values_list("episode_id", "on")
    )
    # Ordered oldest first, so the newest imaging diagnosis of each hip is the one kept.
    diagnoses: dict[int, str] = dict(
        Imaging.objects.filter(episode_id__in=episode_ids, is_current=True)
        .exclude(diagnosis="")
        .order_by("episode_id", "on", "recorded_at")
        .values_list("episode_id", "diagnosis")
    )
    notes = {
        n.episode_id: n
        for n in OperationNote.objects.filter(
            episode_id__in=episode_ids, signed_at__isnull=False
        ).select_related("surgeon")
    }
    heads = dict(
        Implant.objects.filter(
            note__episode_id__in=list(notes), component__in=HEAD_COMPONENTS, size_mm__isnull=False
        ).values_list("note__episode_id", "size_mm")
    )
    # The recorded death's day (issue 14), by hip: the competing event.
    deaths = dict(
        Death.objects.filter(patient__episodes__id__in=episode_ids).values_list(
            "patient__episodes__id", "on"
        )
    )
    return converted, deaths, diagnoses, notes, heads


def registry_rows(
    actor: User | None, *, close_on: dt.date | None = None, via: audit.Via = audit.Via.WEB
) -> tuple[dict[str, list[Any]], dt.date]:
    """Every operated hip as extract columns (pseudonymised), and the close date used.

    ``actor`` None is the server's operator at the command line, audited as such.
    """
    if actor is not None:
        require(actor, Capability.VIEW_PSEUDONYMISED)
    close = close_on or clock.today()
    operated = (
        EpisodeTransition.objects.filter(to_state=EpisodeState.OPERATED)
        .select_related("episode__patient", "episode__converted_from", "by")
        .order_by("episode_id", "at")
    )
    first: dict[int, EpisodeTransition] = {}
    for step in operated:
        first.setdefault(step.episode_id, step)
    converted, deaths, diagnoses, notes, heads = _recorded(list(first))
    rows: dict[str, list[Any]] = {name: [] for name in COLUMNS}
    for episode_id, step in first.items():
        episode = step.episode
        source = episode.converted_from
        if source is not None and source.procedure == RESURFACING:
            continue
        note = notes.get(episode_id)
        operated_on = note.operated_on if note else _local_day(step.at)
        if operated_on > close:
            continue
        ends, outcome = close, 0
        if episode_id in converted and converted[episode_id] <= close:
            ends, outcome = converted[episode_id], 1
        died = deaths.get(episode_id, episode.patient.date_of_death)
        if died is not None and died < ends:  # a revision on the day of death counts
            ends, outcome = max(died, operated_on), 2
        born = episode.patient.date_of_birth
        surgeon = ""
        operator = note.surgeon if note else step.by
        if operator is not None and operator.role == Role.SURGEON:
            surgeon = operator.get_full_name() or operator.username
        rows["hip_id"].append(hip_pseudonym(episode.public_id))
        rows["procedure"].append(episode.procedure)
        rows["sex"].append(episode.patient.sex)
        rows["age"].append(_age(born, operated_on))
        rows["head_size_mm"].append(heads.get(episode_id))
        rows["diagnosis"].append(diagnoses.get(episode_id))
        rows["surgeon"].append(surgeon or None)
        rows["unit"].append(settings.UNIT_NAME)
        rows["operation_date"].append(operated_on)
        rows["years"].append((ends - operated_on).days / DAYS_PER_YEAR)
        rows["outcome"].append(outcome)
    audit.record(
        actor=actor,
        action="analytics.extract",
        object_type="registry",
        summary=f"{len(rows['hip_id'])} operated hips, follow-up closed {close.isoformat()}",
        via=via,
    )
    return rows, close


def extract_files() -> list[str]:
    """The registry extracts in settings.ANALYTICS_EXTRACTS_DIR, by name."""
    folder = Path(settings.ANALYTICS_EXTRACTS_DIR)
    if not folder.is_dir():
        return []
    return sorted(p.name for p in folder.iterdir() if p.suffix in (".csv", ".parquet"))


@functools.lru_cache(maxsize=2)
def _read(path: Path, modified: int, size: int) -> Cohort:
    del modified, size  # part of the cache key: a changed file is read again
    return read_extract(path)


def extract_cohort(actor: User, name: str, *, via: audit.Via = audit.Via.WEB) -> Cohort:
    """A registry extract from the extracts folder; only names listed there are opened."""
    require(actor, Capability.VIEW_PSEUDONYMISED)
    if name not in extract_files():
        raise InvalidInput(
            ErrorCode.UNKNOWN_EXTRACT, f"there is no extract named {name!r}", "source"
        )
    path = Path(settings.ANALYTICS_EXTRACTS_DIR) / name
    stat = path.stat()
    try:
        cohort = _read(path, stat.st_mtime_ns, stat.st_size)
    except ExtractError as error:
        raise InvalidInput(
            ErrorCode.BAD_EXTRACT, str(error).replace(str(path), name), "source"
        ) from None
    audit.record(
        actor=actor,
        action="analytics.read-extract",
        object_type="registry",
        object_id=name,
        summary=f"{len(cohort)} hips from {name}",
        via=via,
    )
    return cohort


def extract_cohort_empty() -> Cohort:
    """A cohort with no hips, shown beside an error about the chosen source."""
    return cohort_of(table_of_rows({name: [] for name in COLUMNS}))


def _age(born: dt.date, on: dt.date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def registry_cohort(
    actor: User | None, *, close_on: dt.date | None = None, via: audit.Via = audit.Via.WEB
) -> tuple[Cohort, dt.date]:
    rows, close = registry_rows(actor, close_on=close_on, via=via)
    cohort = cohort_of(table_of_rows(rows))
    return replace(cohort, notes=NOTES), close


@dataclass(frozen=True)
class OutcomeFigures:
    """Complication rates and PROM change per procedure, from Coxa's records, aggregated."""

    complications: tuple[ComplicationRates, ...]
    proms: tuple[PromRow, ...]
    instruments: dict[str, str]  # code -> title, for the page


def _operated_hips() -> dict[int, tuple[str, dt.date]]:
    """Every operated hip: its group (the procedure in words) and its operation day.

    The day is the signed note's, else the day of the operated step (as the extract reads
    it). A hip replacement that revised a resurfacing is its own group, so that its
    complications are counted, and apart from primary replacements.
    """
    catalogue = get_catalogue()
    first: dict[int, EpisodeTransition] = {}
    for step in (
        EpisodeTransition.objects.filter(to_state=EpisodeState.OPERATED)
        .select_related("episode__converted_from")
        .order_by("episode_id", "at")
    ):
        first.setdefault(step.episode_id, step)
    days = dict(
        OperationNote.objects.filter(
            episode_id__in=list(first), signed_at__isnull=False
        ).values_list("episode_id", "operated_on")
    )
    hips = {}
    for episode_id, step in first.items():
        episode = step.episode
        found = catalogue.procedures.get(episode.procedure)
        group = found.title if found is not None else episode.procedure
        source = episode.converted_from
        if source is not None and source.procedure == RESURFACING:
            group = f"{group}, revising a resurfacing"
        hips[episode_id] = (group, days.get(episode_id) or _local_day(step.at))
    return hips


def _scored(hips: dict[int, tuple[str, dt.date]]) -> list[ScoredHip]:
    """Each hip's baseline and latest post-operative score, per instrument."""
    instruments = get_catalogue().instruments
    series: dict[tuple[int, str], list[QuestionnaireResponse]] = {}
    for r in QuestionnaireResponse.objects.filter(episode_id__in=list(hips)).order_by(
        "episode_id", "instrument", "completed_on", "recorded_at", "id"
    ):
        series.setdefault((r.episode_id, r.instrument), []).append(r)
    scored = []
    for (episode_id, code), rows in series.items():
        group, operated_on = hips[episode_id]
        instrument = instruments.get(code)
        first = baseline_index([r.completed_on for r in rows], [r.score for r in rows], operated_on)
        after = [r for r in rows if r.completed_on > operated_on and r.score is not None]
        base = rows[first].score if first is not None else None
        later = after[-1].score if after else None
        if instrument is None or base is None or later is None:
            continue
        moved = change(instrument, base, later)
        scored.append(
            ScoredHip(
                instrument=code,
                group=group,
                baseline=base,
                later=later,
                important_improvement=None
                if moved.important is None
                else bool(moved.important and moved.better),
            )
        )
    return scored


def outcome_figures(actor: User | None, *, via: audit.Via = audit.Via.WEB) -> OutcomeFigures:
    """Complication rates and PROM change per procedure over every operated hip. Audited.

    Complications struck out as made in error are left out; every other one counts, however
    long after the operation it was found.
    """
    if actor is not None:
        require(actor, Capability.VIEW_PSEUDONYMISED)
    catalogue = get_catalogue()
    hips = _operated_hips()
    found: dict[int, list[tuple[str, bool]]] = {}
    for episode_id, code, grade in Complication.objects.filter(
        episode_id__in=list(hips), struck_out_at__isnull=True
    ).values_list("episode_id", "type", "clavien_dindo"):
        found.setdefault(episode_id, []).append((code, Grade(grade).severe))
    rates = complication_rates(
        (OperatedHip(group, tuple(found.get(e, ()))) for e, (group, _) in hips.items()),
        {code: t.title for code, t in catalogue.complications.items()},
    )
    proms = prom_rows(_scored(hips))
    audit.record(
        actor=actor,
        action="analytics.outcomes",
        object_type="registry",
        summary=f"Complication rates and PROM change over {len(hips)} operated hips",
        via=via,
    )
    return OutcomeFigures(
        rates, proms, {code: i.title for code, i in catalogue.instruments.items()}
    )
