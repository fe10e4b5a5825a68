"""Reads for pre-assessment: the entries held for an episode, its readiness, worklists."""

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, cast

from django.db.models import Model, QuerySet

from coxa.assessment.domain.entries import PATIENT_LEVEL, Kind
from coxa.assessment.domain.facts import Held
from coxa.assessment.domain.held import (
    HeldAllergy,
    HeldHistory,
    HeldMedicine,
    HeldPlan,
    ImagingFacts,
    Reading,
    medicine_key,
)
from coxa.assessment.domain.vte import VteSetting, admitted_for
from coxa.assessment.models import (
    Allergy,
    AnaestheticDiscussion,
    AsaGrade,
    CautionAcknowledgement,
    EpisodeDecision,
    Examination,
    History,
    Imaging,
    Medication,
    MedicinePlan,
    Observation,
    OptimisationAction,
    Readiness,
    Review,
    Smoking,
    VteAssessment,
)
from coxa.core import clock
from coxa.pathways.models import Episode

MODELS: dict[Kind, type[Model]] = {
    Kind.OBSERVATION: Observation,
    Kind.MEDICATION: Medication,
    Kind.ALLERGY: Allergy,
    Kind.REVIEW: Review,
    Kind.SMOKING: Smoking,
    Kind.HISTORY: History,
    Kind.EXAMINATION: Examination,
    Kind.IMAGING: Imaging,
    Kind.ASA: AsaGrade,
    Kind.ANAESTHETIC: AnaestheticDiscussion,
    Kind.ACTION: OptimisationAction,
    Kind.MEDICINE_PLAN: MedicinePlan,
    Kind.VTE: VteAssessment,
}


def entries(kind: Kind, episode: Episode, *, current_only: bool = True) -> QuerySet[Any]:
    """Entries of one kind for an episode: the patient's for patient-level kinds."""
    model = MODELS[kind]
    scope = (
        {"patient_id": episode.patient_id} if kind in PATIENT_LEVEL else {"episode_id": episode.pk}
    )
    found: QuerySet[Any] = model.objects.filter(**scope)  # type: ignore[attr-defined]
    if current_only:
        found = found.filter(is_current=True)
    return found.select_related("recorded_by").order_by("-on", "-recorded_at", "-id")


# What the readiness reads of each kind of entry, in the order the held values take them.
HELD_FIELDS: dict[Kind, tuple[str, ...]] = {
    Kind.OBSERVATION: ("pk", "supersedes_id", "recorded_at", "code", "value", "unit", "on"),
    Kind.MEDICATION: ("name", "drug_class", "active", "on", "atc", "indication"),
    Kind.MEDICINE_PLAN: (
        "medicine",
        "action",
        "days_before",
        "restart_days_after",
        "on",
        "anticoagulant_indication",
        "bridging",
        "bridging_note",
        "creatinine_clearance_ml_min",
        "inr_check_days_before",
    ),
    Kind.REVIEW: ("list", "on"),
    Kind.ALLERGY: ("substance", "substance_code", "status", "on"),
    Kind.SMOKING: ("status", "on"),
    Kind.HISTORY: (
        "diabetes",
        "coronary_stent_or_recent_acs",
        "metal_sensitivity",
        "on",
        "haemoglobinopathy",
        "heart_valve",
        "pregnancy",
    ),
    Kind.ACTION: ("action", "on"),
    Kind.EXAMINATION: ("on",),
    Kind.VTE: ("setting", "on"),
    Kind.IMAGING: (
        "modality",
        "on",
        "side",
        "diagnosis",
        "avn_system",
        "avn_stage",
        "head_collapse",
        "kerboul_angle_deg",
        "templated_head_size_mm",
        "acetabular_bone_stock",
    ),
}

Rows = Mapping[Kind, Sequence[tuple[Any, ...]]]


def held_for(episode: Episode) -> Held:
    """Everything current that bears on the episode; one query per kind of entry."""
    rows = {
        kind: list(entries(kind, episode).select_related(None).values_list(*fields))
        for kind, fields in HELD_FIELDS.items()
    }
    current = [(pk, supersedes, at) for pk, supersedes, at, *_ in rows[Kind.OBSERVATION]]
    superseded: dict[int, tuple[int | None, dt.datetime]] = {}
    if any(supersedes for _, supersedes, _ in current):
        superseded = _superseded(
            entries(Kind.OBSERVATION, episode, current_only=False).filter(is_current=False)
        )
    return held_from(episode, rows, first_at(current, superseded), clock.today())


def held_from(
    episode: Episode, rows: Rows, first: Mapping[int, dt.datetime], today: dt.date
) -> Held:
    """The held values from the rows of ``HELD_FIELDS``, each kind newest first.

    ``held_for`` reads one episode's rows; the nightly check reads a chunk's at once
    (``held_rows``). ``first`` is when each current reading was first recorded.
    """
    patient = episode.patient
    held = Held(
        sex=patient.sex,
        age_years=patient.age_on(today),
        side=episode.side,
        procedure=episode.procedure,
        operation_on=episode.operation_on,
        born=patient.date_of_birth,
    )
    held.readings = [
        Reading(code, value, unit, on, first[pk])
        for pk, _, _, code, value, unit, on in rows[Kind.OBSERVATION]
    ]
    held.medications = [HeldMedicine(*row) for row in rows[Kind.MEDICATION]]
    held.medicine_plans = [
        (medicine_key(medicine), HeldPlan(*plan)) for medicine, *plan in rows[Kind.MEDICINE_PLAN]
    ]
    for kind, on in rows[Kind.REVIEW]:
        (held.medication_reviews if kind == "medications" else held.allergy_reviews).append(on)
    held.allergies = [HeldAllergy(*row) for row in rows[Kind.ALLERGY]]
    held.smoking = [(status, on) for status, on in rows[Kind.SMOKING]]
    held.history = [HeldHistory(*row) for row in rows[Kind.HISTORY]]
    for action, on in reversed(rows[Kind.ACTION]):  # oldest first: the latest stays
        held.actions[action] = on
    held.examinations = [on for (on,) in rows[Kind.EXAMINATION]]
    held.vte_assessments = [(setting, on) for setting, on in rows[Kind.VTE]]
    held.imaging = [ImagingFacts(*row) for row in rows[Kind.IMAGING]]
    return held


def held_rows(
    episodes: Sequence[Episode], among: QuerySet[Episode]
) -> tuple[dict[int, dict[Kind, list[tuple[Any, ...]]]], dict[int, dt.datetime]]:
    """The rows of ``HELD_FIELDS`` for many episodes, one query per kind: by episode id.

    ``among`` is a query that finds at least these episodes (the database selects their
    entries: a list of a thousand ids is slow to build). Each kind's rows are in the order
    ``entries`` gives them for one episode (a patient's entries are every one of their
    episodes'). Also when each current reading was first recorded (one more query when any
    of them is a correction).
    """
    scopes = {"episode_id": among.values("pk"), "patient_id": among.values("patient_id")}
    found: dict[Kind, dict[int, list[tuple[Any, ...]]]] = {}
    for kind, fields in HELD_FIELDS.items():
        scope = "patient_id" if kind in PATIENT_LEVEL else "episode_id"
        by_scope: dict[int, list[tuple[Any, ...]]] = {}
        found[kind] = by_scope
        model: Any = MODELS[kind]
        query = model.objects.filter(**{f"{scope}__in": scopes[scope], "is_current": True})
        for owner, *row in query.order_by(scope, "-on", "-recorded_at", "-id").values_list(
            scope, *fields
        ):
            by_scope.setdefault(owner, []).append(tuple(row))
    rows = {
        e.pk: {
            kind: by_scope.get(e.patient_id if kind in PATIENT_LEVEL else e.pk, [])
            for kind, by_scope in found.items()
        }
        for e in episodes
    }
    observations = [row[:3] for each in found[Kind.OBSERVATION].values() for row in each]
    superseded: dict[int, tuple[int | None, dt.datetime]] = {}
    if any(supersedes for _, supersedes, _ in observations):
        superseded = _superseded(
            Observation.objects.filter(patient_id__in=scopes["patient_id"], is_current=False)
        )
    return rows, first_at(observations, superseded)


def _superseded(found: QuerySet[Any]) -> dict[int, tuple[int | None, dt.datetime]]:
    return {
        pk: (supersedes, at)
        for pk, supersedes, at in found.select_related(None).values_list(
            "pk", "supersedes_id", "recorded_at"
        )
    }


def first_at(
    current: Iterable[tuple[int, int | None, dt.datetime]],
    superseded: Mapping[int, tuple[int | None, dt.datetime]],
) -> dict[int, dt.datetime]:
    """When each current entry (pk, the entry it supersedes, recorded at) was first recorded.

    A correction's is that of the entry it corrects, through any chain of corrections
    (``superseded``: each earlier entry's own, by its pk), so it keeps that entry's place.
    """
    first = {}
    for pk, corrects, recorded_at in current:
        earlier, at = corrects, recorded_at
        while earlier is not None and earlier in superseded:  # ends at the first entry
            earlier, at = superseded[earlier]
        first[pk] = at
    return first


def first_recorded(kind: Kind, episode: Episode, current: list[Any]) -> dict[int, dt.datetime]:
    """When each current entry was first recorded, by its primary key (``first_at``).

    One more query only when a current entry is a correction.
    """
    keys = [(e.pk, e.supersedes_id, e.recorded_at) for e in current]
    if not any(e.supersedes_id for e in current):
        return first_at(keys, {})
    old = entries(kind, episode, current_only=False).filter(is_current=False)
    return first_at(keys, _superseded(old))


def latest_readings(episode: Episode) -> dict[str, Any]:
    """The current reading of each measurement (an ``Observation``), by its code.

    The one taken latest: its day, then the time first recorded (``facts.latest``); a
    correction of an older reading never outranks a later one (hazard H73). The episode's
    read is recorded by whoever shows it (``access_episode``).
    """
    observations = list(entries(Kind.OBSERVATION, episode))
    first = first_recorded(Kind.OBSERVATION, episode, observations)
    newest: dict[str, Any] = {}
    for o in sorted(observations, key=lambda o: (o.on, first[o.pk]), reverse=True):
        newest.setdefault(o.code, o)
    return newest


def vte_admission_on(episode: Episode, operation_on: dt.date) -> dt.date | None:
    """The day of the VTE reassessment on admission that counts for the operation, if any.

    Read by the operation note's signing and the operation page (the episode's read is
    recorded by whoever shows it).
    """
    found = entries(Kind.VTE, episode).filter(setting=VteSetting.ADMISSION.value)
    return admitted_for(list(found.select_related(None).values_list("setting", "on")), operation_on)


def vte_admission_outweighs(episode: Episode, operation_on: dt.date) -> bool | None:
    """The counting admission reassessment's conclusion: does VTE risk outweigh bleeding?

    None when there is no reassessment that counts for the operation.
    """
    day = vte_admission_on(episode, operation_on)
    if day is None:
        return None
    found = (
        entries(Kind.VTE, episode)
        .filter(setting=VteSetting.ADMISSION.value, on=day)
        .values_list("vte_risk_outweighs_bleeding_risk", flat=True)
        .first()
    )
    return None if found is None else bool(found)


def action_dates(episode: Episode) -> dict[str, dt.date]:
    """The latest date each optimisation action was recorded for the episode."""
    return latest_actions(entries(Kind.ACTION, episode).values_list("action", "on"))


def latest_actions(rows: Iterable[tuple[str, dt.date]]) -> dict[str, dt.date]:
    """Each action's latest day, from (action, day) rows newest first."""
    dates: dict[str, dt.date] = {}
    for action, on in rows:
        dates.setdefault(action, on)
    return dates


def readiness_of(episode: Episode) -> Readiness | None:
    """The hip's stored readiness, read once per episode object and kept on it.

    The banner, the steps and the page all show it: the first read is kept as
    ``episode.readiness`` (Django's own cache of the reverse link, which ``refresh`` and
    ``refresh_from_db`` clear), so each page reads the row once.
    """
    link = Episode.readiness  # the reverse one-to-one descriptor
    if link.is_cached(episode):
        return cast("Readiness | None", link.related.get_cached_value(episode))
    stored = Readiness.objects.filter(episode=episode).first()
    link.related.set_cached_value(episode, stored)
    return stored


def decisions_of(episode: Episode, *, limit: int = 20) -> list[EpisodeDecision]:
    return list(
        EpisodeDecision.objects.filter(episode=episode)
        .select_related("decided_by")
        .order_by("-decided_at", "-id")[:limit]
    )


def acknowledgement_of(episode: Episode) -> CautionAcknowledgement | None:
    """The newest surgeon's acknowledgement of the hip's cautions, if any."""
    return (
        CautionAcknowledgement.objects.filter(episode=episode)
        .select_related("by")
        .order_by("-at", "-id")
        .first()
    )


def acknowledgements_of(among: QuerySet[Episode]) -> dict[int, CautionAcknowledgement]:
    """The newest acknowledgement of each hip ``among`` that has one; one query."""
    newest: dict[int, CautionAcknowledgement] = {}
    for found in (
        CautionAcknowledgement.objects.filter(episode_id__in=among.values("pk"))
        .select_related("by")
        .order_by("episode_id", "-at", "-id")
    ):
        newest.setdefault(found.episode_id, found)
    return newest
