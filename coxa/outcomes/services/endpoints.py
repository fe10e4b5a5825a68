"""How a hip's episode ends (ADR 0013): a conversion or revision, and the patient's death.

Each is one clinical event in one transaction: checked (every problem on its field), the
record stored, the episodes moved by their owning step (``Step.CONVERSION``, ``Step.DEATH``),
and audited. These records are what the registry analytics read as the end points.
"""

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from coxa.accounts.domain import Capability
from coxa.accounts.models import User
from coxa.accounts.selectors import require
from coxa.catalogue.loader import get_catalogue
from coxa.core import audit, clock
from coxa.core.errors import Conflict, ErrorCode, InvalidInput, Problem
from coxa.core.text import REASON_MAX, storable
from coxa.outcomes.domain.endpoints import (
    Ends,
    RelatedToHip,
    after_end,
    conversion_problems,
    conversion_state_problem,
    conversion_targets,
    death_problems,
)
from coxa.outcomes.models import Conversion, Death
from coxa.outcomes.services import schedule
from coxa.pathways.domain import CLOSED_STATES, EpisodeState, Step
from coxa.pathways.models import Episode, EpisodeTransition
from coxa.pathways.services import move_episode
from coxa.patients.models import Patient


def ends_of(episode: Episode) -> Ends:
    """Where this hip's record stops: its conversion day, and the patient's death.

    The death is the earlier of the death record's day and the patient's date of death
    (which may be set on the patient's details alone).
    """
    converted = Conversion.objects.filter(episode=episode).values_list("on", flat=True).first()
    died = [
        d
        for d in (
            Death.objects.filter(patient_id=episode.patient_id)
            .values_list("on", flat=True)
            .first(),
            episode.patient.date_of_death,
        )
        if d is not None
    ]
    return Ends(converted_on=converted, died_on=min(died, default=None))


def refused_after_end(episode: Episode, day: dt.date, field: str) -> list[Problem]:
    """The problem with recording something dated ``day`` on this hip (none: it may be).

    Questionnaires (``completed_on``), complications (``found_on``) and reviews (``seen_on``)
    call this: nothing dated after the hip's conversion or the patient's death is recorded
    on it (``domain.endpoints.after_end``).
    """
    found = after_end(day, field, ends_of(episode))
    return [found] if found is not None else []


@dataclass(frozen=True)
class Converted:
    conversion: Conversion
    closed_episode: Episode  # the index episode, now converted
    new_episode: Episode  # the linked episode opened on the same hip


def operated_on(episode: Episode) -> dt.date | None:
    """The day the hip was operated on.

    The operation date (the signed note's day), else the day of the operated step (hips
    operated before notes were kept).
    """
    if episode.operation_on is not None:
        return episode.operation_on
    moved = (
        EpisodeTransition.objects.filter(episode=episode, to_state=EpisodeState.OPERATED)
        .order_by("at", "id")
        .values_list("at", flat=True)
        .first()
    )
    return timezone.localdate(moved) if moved else None


@audit.atomic()
def record_conversion(
    *,
    episode: Episode,
    on: dt.date | None,
    reason: str,
    procedure: str,
    note: str = "",
    by: User,
    via: audit.Via,
) -> Converted:
    """Record that an operated hip was converted or revised, and open its linked episode.

    The index episode moves to converted (its survival ends on ``on``), and the new episode
    for ``procedure`` opens on the same hip, referred that day. Refused, each on its field,
    with nothing stored: before the operation or after the episode ended, a day in the
    future or before the operation, a reason not in the coded list ("other" needs a note),
    a procedure this hip cannot become.
    """
    require(by, Capability.RECORD_END_POINTS)
    storable(note, field="note", max_length=REASON_MAX)
    locked = Episode.objects.select_for_update().select_related("patient").get(pk=episode.pk)
    wrong_state = conversion_state_problem(locked.state_enum)
    if wrong_state is not None:
        raise wrong_state
    catalogue = get_catalogue()
    index = catalogue.procedures.get(locked.procedure)
    reasons = {
        code: r.needs_words
        for code, r in catalogue.conversion_reasons.items()
        if r.applies_to(locked.procedure)
    }
    targets = conversion_targets(locked.procedure, index.converts_to if index else None)
    problems = conversion_problems(
        on=on,
        operated_on=operated_on(locked),
        today=clock.today(),
        reason=reason,
        reasons=reasons,
        note=note,
        procedure=procedure,
        targets=targets,
        died_on=locked.patient.date_of_death,
    )
    if problems:
        raise InvalidInput.of(problems)
    assert on is not None  # checked above  # noqa: S101
    label = catalogue.conversion_reasons[reason].label
    why = f"{label}: {note.strip()}" if note.strip() else label
    moved = move_episode(
        episode=locked,
        to=EpisodeState.CONVERTED.value,
        reason=f"Converted or revised on {on:%-d %b %Y}. {why}",
        by=by,
        via=via,
        step=Step.CONVERSION,
        becomes=procedure,
        opened_on=on,
    )
    assert moved.replacement is not None  # a conversion always opens one  # noqa: S101
    if locked.patient.date_of_death is not None:  # found after the death: it ends at once
        move_episode(
            episode=moved.replacement,
            to=EpisodeState.DIED.value,
            reason=f"Died {locked.patient.date_of_death:%-d %b %Y} (death recorded earlier)",
            by=by,
            via=via,
            step=Step.DEATH,
        )
        moved.replacement.refresh_from_db()
    conversion = Conversion.objects.create(
        episode=moved.episode,
        new_episode=moved.replacement,
        on=on,
        reason=reason,
        procedure=procedure,
        note=note.strip(),
        recorded_by=by,
        recorded_at=clock.now(),
        catalogue_version=catalogue.version,
    )
    audit.record(
        actor=by,
        action="episode.conversion",
        object_type="episode",
        object_id=moved.episode.public_id,
        patient_id=locked.patient.public_id,
        summary=f"{locked.side.title()} hip converted or revised on {on:%-d %b %Y} "
        f"({label}) to {moved.replacement.procedure_title}",
        reason=note.strip(),
        via=via,
        details={
            "on": on.isoformat(),
            "reason": reason,
            "procedure": procedure,
            "new_episode": str(moved.replacement.public_id),
        },
    )
    schedule.close(moved.episode, "converted", on=on, by=by, via=via)
    return Converted(
        conversion=conversion, closed_episode=moved.episode, new_episode=moved.replacement
    )


@dataclass(frozen=True)
class Died:
    death: Death
    closed_episodes: tuple[Episode, ...]  # the open episodes this death closed


def _last_event(patient: Patient) -> dt.date | None:
    """The latest operation or conversion day recorded for this patient's hips."""
    days = [
        day
        for episode in Episode.objects.filter(patient=patient)
        if episode.state_enum
        in {
            EpisodeState.OPERATED,
            EpisodeState.RECOVERING,
            EpisodeState.FOLLOW_UP,
            EpisodeState.COMPLETED,
            EpisodeState.CONVERTED,
        }
        and (day := operated_on(episode)) is not None
    ]
    days += list(Conversion.objects.filter(episode__patient=patient).values_list("on", flat=True))
    return max(days, default=None)


@audit.atomic()
def record_death(
    *,
    patient: Patient,
    on: dt.date | None,
    related_to_hip: str,
    by: User,
    via: audit.Via,
) -> Died:
    """Record a patient's death, and close every open episode of theirs.

    The date goes on the patient, the record is kept, and every open episode moves to died
    with the reason, so that nothing invites, books or surveys them again.

    Refused: a second death (409); a date in the future, before birth, or before an
    operation or conversion already recorded; whether it was related to the hip not given.
    """
    require(by, Capability.RECORD_END_POINTS)
    locked = Patient.objects.select_for_update().get(pk=patient.pk)
    if Death.objects.filter(patient=locked).exists():
        raise Conflict(
            ErrorCode.DEATH_RECORDED, "this patient's death is recorded already", "patient"
        )
    problems = death_problems(
        on=on,
        born=locked.date_of_birth,
        today=clock.today(),
        related_to_hip=related_to_hip,
        last_event=_last_event(locked),
    )
    if problems:
        raise InvalidInput.of(problems)
    assert on is not None  # checked above  # noqa: S101
    related = RelatedToHip(related_to_hip)
    death = Death.objects.create(
        patient=locked,
        on=on,
        related_to_hip=related.value,
        recorded_by=by,
        recorded_at=clock.now(),
    )
    locked.date_of_death = on
    locked.save(update_fields=["date_of_death", "updated_at"])
    open_episodes = (
        Episode.objects.filter(patient=locked)
        .exclude(state__in=[s.value for s in CLOSED_STATES])
        .order_by("id")
    )
    closed = []
    for episode in open_episodes:
        moved = move_episode(
            episode=episode,
            to=EpisodeState.DIED.value,
            reason=f"Died {on:%-d %b %Y} ({related.label.lower()})",
            by=by,
            via=via,
            step=Step.DEATH,
        )
        closed.append(moved.episode)
    audit.record(
        actor=by,
        action="patient.death",
        object_type="patient",
        object_id=locked.public_id,
        patient_id=locked.public_id,
        summary=f"Death recorded: {on:%-d %b %Y}, {related.label.lower()}; "
        f"{len(closed)} open episode{'' if len(closed) == 1 else 's'} closed",
        via=via,
        details={
            "on": on.isoformat(),
            "related_to_hip": related.value,
            "episodes": [str(e.public_id) for e in closed],
        },
    )
    for episode in closed:
        schedule.close(episode, "died", on=on, by=by, via=via)
    patient.refresh_from_db()
    return Died(death=death, closed_episodes=tuple(closed))
