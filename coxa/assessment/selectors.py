"""Reads for pre-assessment: the entries held for an episode, its readiness, worklists."""

import datetime as dt
from typing import Any

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


def held_for(episode: Episode) -> Held:
    """Everything current that bears on the episode; one query per kind of entry."""
    patient = episode.patient
    held = Held(
        sex=patient.sex,
        age_years=patient.age_on(clock.today()),
        side=episode.side,
        procedure=episode.procedure,
        operation_on=episode.operation_on,
        born=patient.date_of_birth,
    )
    observations = list(entries(Kind.OBSERVATION, episode))
    first = first_recorded(Kind.OBSERVATION, episode, observations)
    held.readings = [Reading(o.code, o.value, o.unit, o.on, first[o.pk]) for o in observations]
    held.medications = [
        HeldMedicine(m.name, m.drug_class, m.active, m.on, m.atc, m.indication)
        for m in entries(Kind.MEDICATION, episode)
    ]
    held.medicine_plans = [
        (
            medicine_key(p.medicine),
            HeldPlan(
                p.action,
                p.days_before,
                p.restart_days_after,
                p.on,
                p.anticoagulant_indication,
                p.bridging,
                p.bridging_note,
                p.creatinine_clearance_ml_min,
                p.inr_check_days_before,
            ),
        )
        for p in entries(Kind.MEDICINE_PLAN, episode)
    ]
    for review in entries(Kind.REVIEW, episode):
        (held.medication_reviews if review.list == "medications" else held.allergy_reviews).append(
            review.on
        )
    held.allergies = [
        HeldAllergy(a.substance, a.substance_code, a.status, a.on)
        for a in entries(Kind.ALLERGY, episode)
    ]
    held.smoking = [(s.status, s.on) for s in entries(Kind.SMOKING, episode)]
    held.history = [
        HeldHistory(
            h.diabetes,
            h.coronary_stent_or_recent_acs,
            h.metal_sensitivity,
            h.on,
            h.haemoglobinopathy,
            h.heart_valve,
            h.pregnancy,
        )
        for h in entries(Kind.HISTORY, episode)
    ]
    for action in entries(Kind.ACTION, episode).order_by("on"):
        held.actions[action.action] = action.on  # the latest
    held.examinations = [e.on for e in entries(Kind.EXAMINATION, episode)]
    held.vte_assessments = [(v.setting, v.on) for v in entries(Kind.VTE, episode)]
    held.imaging = [
        ImagingFacts(
            i.modality,
            i.on,
            i.side,
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


def first_recorded(kind: Kind, episode: Episode, current: list[Any]) -> dict[int, dt.datetime]:
    """When each current entry was first recorded, by its primary key.

    A correction's is that of the entry it corrects (through any chain of corrections), so it
    keeps that entry's place.

    One more query only when a current entry is a correction.
    """
    first = {e.pk: e.recorded_at for e in current}
    if not any(e.supersedes_id for e in current):
        return first
    superseded = {
        pk: (supersedes, at)
        for pk, supersedes, at in entries(kind, episode, current_only=False)
        .filter(is_current=False)
        .select_related(None)
        .values_list("pk", "supersedes_id", "recorded_at")
    }
    for entry in current:
        at, earlier = entry.recorded_at, entry.supersedes_id
        while earlier in superseded:  # a chain ends at the first entry, which corrects none
            earlier, at = superseded[earlier]
        first[entry.pk] = at
    return first


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
    dates: dict[str, dt.date] = {}
    for action in entries(Kind.ACTION, episode):
        dates.setdefault(action.action, action.on)
    return dates


def readiness_of(episode: Episode) -> Readiness | None:
    """The hip's stored readiness, read once per episode object and kept on it.

    The banner, the steps and the page all show it: the first read is kept as
    ``episode.readiness`` (Django's own cache of the reverse link, which ``refresh`` and
    ``refresh_from_db`` clear), so each page reads the row once.
    """
    link = Episode.readiness  # the reverse one-to-one descriptor
    if link.is_cached(episode):
        return link.related.get_cached_value(episode)  # type: ignore[no-any-return]
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
