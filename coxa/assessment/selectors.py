"""Reads for pre-assessment: the entries held for an episode, its readiness, worklists."""

import datetime as dt
from typing import Any

from django.db.models import Model, QuerySet

from coxa.assessment.domain.entries import PATIENT_LEVEL, Kind
from coxa.assessment.domain.facts import Held, ImagingFacts, Reading
from coxa.assessment.models import (
    Allergy,
    AnaestheticDiscussion,
    AsaGrade,
    EpisodeDecision,
    Examination,
    History,
    Imaging,
    Medication,
    Observation,
    OptimisationAction,
    Readiness,
    Review,
    Smoking,
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


def held_for(episode: Episode) -> Held:
    """Everything current that bears on the episode; one query per kind of entry."""
    patient = episode.patient
    held = Held(
        sex=patient.sex,
        age_years=patient.age_on(clock.today()),
        side=episode.side,
        procedure=episode.procedure,
        operation_on=episode.operation_on,
    )
    held.readings = [
        Reading(o.code, o.value, o.unit, o.on) for o in entries(Kind.OBSERVATION, episode)
    ]
    # The newest entry for each medicine decides: "no longer taking" after "taking" stops it.
    newest: dict[str, tuple[str, str, bool, dt.date]] = {}
    for m in entries(Kind.MEDICATION, episode):  # newest first
        newest.setdefault(m.name.strip().casefold(), (m.name, m.drug_class, m.active, m.on))
    held.medications = list(newest.values())
    for review in entries(Kind.REVIEW, episode):
        if review.list == "medications" and held.medication_review is None:
            held.medication_review = review.on
            held.medications_none_known = review.none_known
        if review.list == "allergies" and held.allergy_review is None:
            held.allergy_review = review.on
    held.allergies = [(a.substance, a.on) for a in entries(Kind.ALLERGY, episode)]
    smoking = entries(Kind.SMOKING, episode).first()
    held.smoking = (smoking.status, smoking.on) if smoking else None
    history = entries(Kind.HISTORY, episode).first()
    held.history = (
        (history.diabetes, history.coronary_stent_or_recent_acs, history.on) if history else None
    )
    examination = entries(Kind.EXAMINATION, episode).first()
    held.examination_on = examination.on if examination else None
    held.imaging = [
        ImagingFacts(
            i.modality,
            i.on,
            i.diagnosis,
            i.avn_system,
            i.avn_stage,
            i.head_collapse,
            i.kerboul_angle_deg,
            i.templated_head_size_mm,
            i.acetabular_bone_stock,
        )
        for i in entries(Kind.IMAGING, episode)
    ]
    return held


def action_dates(episode: Episode) -> dict[str, dt.date]:
    """The latest date each optimisation action was recorded for the episode."""
    dates: dict[str, dt.date] = {}
    for action in entries(Kind.ACTION, episode):
        dates.setdefault(action.action, action.on)
    return dates


def readiness_of(episode: Episode) -> Readiness | None:
    return Readiness.objects.filter(episode=episode).first()


def decisions_of(episode: Episode, *, limit: int = 20) -> list[EpisodeDecision]:
    return list(
        EpisodeDecision.objects.filter(episode=episode)
        .select_related("decided_by")
        .order_by("-decided_at", "-id")[:limit]
    )
