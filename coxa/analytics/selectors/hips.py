"""Operated hips as the analytics read them from Coxa's records: not audited here.

The callers (``registry_rows``, ``outcome_figures``) check the reader and audit the read.

- A hip is an episode that reached ``operated``; its operation day is the signed note's,
  else the day of its first ``operated`` step.
- A hip is a *revision* when it was opened by converting or revising a joint replacement:
  the episode it came from (``converted_from``) was a procedure whose operation note records
  implants in the catalogue (``Procedure.records_implants``: resurfacing, hip replacement),
  or, for a procedure no longer in the catalogue, whose signed note recorded implants. One
  opened after a core decompression (no implant) is a primary.
- The end points (ADR 0013) are read in ``end_points`` and decided by
  ``figures.end_point``.
- The reads name the hips by a subquery (``operated_ids``), never by a list of ids: SQLite
  allows 32,766 parameters in a statement, fewer than a registry's hips (issue 20).
"""

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from coxa.analytics.figures import end_point
from coxa.catalogue.loader import get_catalogue
from coxa.outcomes.models import Conversion, Death, FollowUpProgramme
from coxa.pathways.domain import EpisodeState
from coxa.pathways.models import Episode, EpisodeTransition
from coxa.surgery.models import Implant, OperationNote


def local_day(moment: dt.datetime) -> dt.date:
    return timezone.localdate(moment)


def operated_ids() -> QuerySet[Any]:
    """The ids of the episodes that reached ``operated``, as a subquery for ``__in``."""
    return EpisodeTransition.objects.filter(to_state=EpisodeState.OPERATED).values("episode_id")


@dataclass(frozen=True)
class Hip:
    episode: Episode
    step: EpisodeTransition  # its first operated step
    note: OperationNote | None  # its signed operation note
    operated_on: dt.date
    revision: bool  # opened by converting or revising a joint replacement


def operated_hips() -> dict[int, Hip]:
    """Every operated hip by episode id, with its operation day and whether it is a revision."""
    first: dict[int, EpisodeTransition] = {}
    for step in (
        EpisodeTransition.objects.filter(to_state=EpisodeState.OPERATED)
        .select_related("episode__patient", "episode__converted_from", "by")
        .order_by("episode_id", "at")
    ):
        first.setdefault(step.episode_id, step)
    notes = {
        n.episode_id: n
        for n in OperationNote.objects.filter(
            episode_id__in=operated_ids(), signed_at__isnull=False
        ).select_related("surgeon")
    }
    sources = {
        s.episode.converted_from_id: s.episode.converted_from
        for s in first.values()
        if s.episode.converted_from is not None
    }
    revised = replaced_joints(list(sources.values()))
    hips = {}
    for episode_id, step in first.items():
        note = notes.get(episode_id)
        hips[episode_id] = Hip(
            episode=step.episode,
            step=step,
            note=note,
            operated_on=note.operated_on if note else local_day(step.at),
            revision=step.episode.converted_from_id in revised,
        )
    return hips


def replaced_joints(episodes: list[Episode]) -> set[int]:
    """Which of these episodes put in an implant (a joint replacement), by id.

    Decided by the catalogue's procedure (its operation note records implants); a procedure
    the catalogue no longer has is decided by its signed note's implant rows.
    """
    procedures = get_catalogue().procedures
    known = {
        e.pk
        for e in episodes
        if e.procedure in procedures and procedures[e.procedure].records_implants
    }
    unknown = {e.pk for e in episodes if e.procedure not in procedures}
    if not unknown:
        return known
    # Named by the retired procedures' codes, a few, never by the episodes' ids.
    retired = sorted({e.procedure for e in episodes if e.pk in unknown})
    recorded = set(
        Implant.objects.filter(
            note__episode__procedure__in=retired, note__signed_at__isnull=False
        ).values_list("note__episode_id", flat=True)
    )
    return known | (recorded & unknown)


@dataclass(frozen=True)
class Ends:
    """What the records say about how each hip's follow-up ended, by episode id."""

    revised: dict[int, dt.date]
    died: dict[int, dt.date]
    discharged: dict[int, dt.date]
    lost: dict[int, tuple[dt.date, dt.date | None]]  # (lost since, last contact)

    def of(self, hip: Hip, close: dt.date) -> tuple[dt.date, int]:
        """The hip's end point by the close date: (day, outcome)."""
        key = hip.episode.pk
        lost_since, last_contact = self.lost.get(key, (None, None))
        return end_point(
            hip.operated_on,
            close,
            revised_on=self.revised.get(key),
            died_on=self.died.get(key, hip.episode.patient.date_of_death),
            discharged_on=self.discharged.get(key),
            lost_since=lost_since,
            last_contact_on=last_contact,
        )


def end_points(hips: QuerySet[Any], close: dt.date) -> Ends:
    """The revision, death, discharge and loss to follow-up of ``hips``, as of ``close``.

    ``hips`` is a subquery of episode ids (``operated_ids``); a hip left out of the extract
    after this read (a revision, one operated after the close date) is never looked up.

    Revision: the recorded conversion's day (the step's day for hips converted before
    conversions were recorded); when the linked new episode has a signed operation note, its
    operation day, never earlier than the conversion day (registries date a revision by its
    operation). Death: the recorded death's day. Discharged: the hip's last move on or
    before the close date was to ``completed``, on that day. Lost: the programme's lost day
    and the last contact.
    """
    revised = {
        episode_id: local_day(at)
        for episode_id, at in EpisodeTransition.objects.filter(
            to_state=EpisodeState.CONVERTED, episode_id__in=hips
        ).values_list("episode_id", "at")
    }
    conversions = list(
        Conversion.objects.filter(episode_id__in=hips).values_list(
            "episode_id", "on", "new_episode_id"
        )
    )
    operated = dict(
        OperationNote.objects.filter(
            episode_id__in=Conversion.objects.filter(episode_id__in=hips).values("new_episode_id"),
            signed_at__isnull=False,
        ).values_list("episode_id", "operated_on")
    )
    for episode_id, on, new in conversions:
        revised[episode_id] = max(on, operated.get(new, on))
    died = dict(
        Death.objects.filter(patient__episodes__id__in=hips).values_list(
            "patient__episodes__id", "on"
        )
    )
    last_move: dict[int, tuple[str, dt.date]] = {}
    for episode_id, state, at in (
        EpisodeTransition.objects.filter(episode_id__in=hips)
        .order_by("episode_id", "at", "id")
        .values_list("episode_id", "to_state", "at")
    ):
        if local_day(at) <= close:
            last_move[episode_id] = (state, local_day(at))
    discharged = {
        episode_id: day
        for episode_id, (state, day) in last_move.items()
        if state == EpisodeState.COMPLETED
    }
    lost = {
        episode_id: (since, contact)
        for episode_id, since, contact in FollowUpProgramme.objects.filter(
            episode_id__in=hips, lost_on__lte=close
        ).values_list("episode_id", "lost_on", "last_contact_on")
        if since is not None
    }
    return Ends(revised, died, discharged, lost)
