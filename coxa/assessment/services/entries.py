"""Recording clinic entries and their corrections; each write refreshes readiness."""

from typing import Any

from django.db.models import Q
from pydantic import ValidationError

from coxa.accounts.domain import Capability
from coxa.accounts.models import User
from coxa.accounts.selectors import require
from coxa.assessment import selectors
from coxa.assessment.domain.base import Entry
from coxa.assessment.domain.described import described, on
from coxa.assessment.domain.entries import (
    CLINICIAN_ACTIONS,
    DATE_FIELDS,
    PATIENT_LEVEL,
    SCHEMAS,
    ActionIn,
    AllergyIn,
    ImagingIn,
    Kind,
    MedicationIn,
    MedicinePlanIn,
    ObservationIn,
    date_problems,
    entry_date,
    imaging_problems,
    normalise_observation,
    plan_problems,
)
from coxa.assessment.domain.requirements import TRACKED
from coxa.assessment.domain.vte import VteAssessmentIn, vte_problems
from coxa.assessment.services import coded
from coxa.assessment.services.readiness import refresh
from coxa.catalogue.loader import get_catalogue
from coxa.core import audit, clock
from coxa.core.errors import (
    Conflict,
    ErrorCode,
    InvalidInput,
    NotFound,
    Problem,
    validation_problems,
)
from coxa.core.text import REASON_MAX, named, storable
from coxa.pathways.domain import EpisodeState
from coxa.pathways.models import Episode

OPEN_FOR_ASSESSMENT = (EpisodeState.REFERRED, EpisodeState.ASSESSED, *TRACKED)
# What recording each kind needs, where it is not the clinic's usual capability.
NEEDS = {Kind.MEDICINE_PLAN: Capability.DECIDE_MEDICINES}


def _fields(kind: Kind, entry: Entry) -> dict[str, Any]:
    """Model fields from a checked entry (the measurement's units already normalised)."""
    data = entry.model_dump(by_alias=False)
    for name in DATE_FIELDS:  # the entry's date is stored as ``on``
        data.pop(name, None)
    if kind is Kind.OBSERVATION:
        assert isinstance(entry, ObservationIn)  # noqa: S101 - SCHEMAS maps kinds to schemas
        value, unit, _ = normalise_observation(entry)
        return {
            "code": entry.code,
            "value": value,
            "unit": unit,
            "value_as_recorded": entry.value,
            "unit_as_recorded": entry.unit,
        }
    if kind is Kind.IMAGING:
        return {
            k: (
                ""
                if v is None
                and k in ("diagnosis", "avn_system", "avn_stage", "acetabular_bone_stock")
                else v
            )
            for k, v in data.items()
        }
    if kind is Kind.ANAESTHETIC:
        data["options_discussed"] = list(data["options_discussed"])
    if kind is Kind.VTE:
        data["risk_factors"] = list(data["risk_factors"])
        data["bleeding_risks"] = list(data["bleeding_risks"])
        data["regimen"] = data.get("regimen") or ""
    if kind is Kind.MEDICATION:
        data["atc"] = data.get("atc") or ""
        data["indication"] = data.get("indication") or ""
    if kind is Kind.HISTORY:
        data["haemoglobinopathy"] = data.get("haemoglobinopathy") or ""
        data["heart_valve"] = data.get("heart_valve") or ""
        data["pregnancy"] = data.get("pregnancy") or ""
    if kind is Kind.ALLERGY:
        data["substance_code"] = data.get("substance_code") or ""
    if kind is Kind.MEDICINE_PLAN:
        data["anticoagulant_indication"] = data.get("anticoagulant_indication") or ""
    return data


def check_entry(kind: Kind, payload: Any, episode: Episode) -> Entry:
    """Shape and meaning of an entry; every problem named by field. Raises InvalidInput."""
    schema = SCHEMAS[kind]
    try:
        entry = payload if isinstance(payload, schema) else schema.model_validate(payload)
    except ValidationError as error:
        raise InvalidInput.of(validation_problems(error.errors(), whole=kind.value)) from None
    problems = date_problems(entry, today=clock.today(), born=episode.patient.date_of_birth)
    problems += _meaning_problems(entry, episode, problems)
    if problems:
        raise InvalidInput.of(problems)
    return entry


def _meaning_problems(entry: Entry, episode: Episode, found: list[Problem]) -> list[Problem]:
    """What each kind's values must mean, beyond their shape."""
    problems: list[Problem] = []
    if isinstance(entry, ObservationIn):
        problem = normalise_observation(entry)[2]
        problems += [problem] if problem else []
        if not problems and not found:
            problems += _pressure_problems(entry, episode)
    elif isinstance(entry, ImagingIn):
        problems += imaging_problems(entry, hip_side=episode.side)
    elif isinstance(entry, MedicationIn):
        problems += coded.medicine_problems(entry)
        if not named(entry.name):
            problems.append(Problem(ErrorCode.INVALID_NAME, "give the medicine's name", "name"))
    elif isinstance(entry, AllergyIn):
        problems += coded.allergy_problems(entry)
    elif isinstance(entry, MedicinePlanIn):
        problems += plan_problems(entry) + coded.plan_problems(entry, episode)
    elif isinstance(entry, VteAssessmentIn):
        offered = get_catalogue().procedures[episode.procedure].vte_prophylaxis
        problems += vte_problems(entry, offered)
    return problems


def _pressure_problems(entry: ObservationIn, episode: Episode) -> list[Problem]:
    """A systolic reading must exceed the diastolic taken with it (the latest that day)."""
    other = {"systolic_bp": "diastolic_bp", "diastolic_bp": "systolic_bp"}.get(entry.code)
    if other is None:
        return []
    partner = (
        selectors.entries(Kind.OBSERVATION, episode)
        .filter(code=other, on=entry.observed_on)
        .first()
    )
    value = normalise_observation(entry)[0]
    if partner is None or value is None:
        return []
    systolic, diastolic = (
        (value, partner.value) if entry.code == "systolic_bp" else (partner.value, value)
    )
    if systolic <= diastolic:
        return [
            Problem(
                ErrorCode.IMPLAUSIBLE_VALUE,
                f"systolic {systolic:g} must be higher than "
                f"diastolic {diastolic:g} mmHg taken the same day",
                "value",
            )
        ]
    return []


def _check_episode(episode: Episode, kind: Kind) -> None:
    if kind not in PATIENT_LEVEL and episode.state_enum not in OPEN_FOR_ASSESSMENT:
        raise Conflict(
            ErrorCode.EPISODE_CLOSED_FOR_ASSESSMENT,
            f"pre-assessment entries cannot be added once the episode is {episode.state}",
            "episode",
        )


@audit.atomic()
def record_entry(
    *,
    kind: Kind,
    episode: Episode,
    payload: Any,
    by: User,
    via: audit.Via,
    corrects: str | None = None,
    reason: str = "",
    apply_transitions: bool = True,
) -> Any:
    """Record one entry (or a correction that supersedes an earlier one), then refresh.

    A correction needs a reason; the old entry stays, marked as superseded, and the audit
    keeps both. ``apply_transitions=False`` is for importing past records: readiness is
    recomputed but the episode keeps the state being replayed.
    """
    affected = _locked_affected(episode, {kind})
    stored = _store(
        kind=kind,
        episode=episode,
        payload=payload,
        by=by,
        via=via,
        corrects=corrects,
        reason=reason,
    )
    for each in affected:
        refresh(each, by=by, via=via, move=apply_transitions)
    return stored


@audit.atomic()
def record_entries(
    *,
    episode: Episode,
    entries: list[tuple[Kind, Any]],
    by: User,
    via: audit.Via,
    apply_transitions: bool = True,
) -> list[Any]:
    """Record several entries at one sitting; readiness is recomputed once, at the end."""
    affected = _locked_affected(episode, {kind for kind, _ in entries})
    stored = [
        _store(kind=kind, episode=episode, payload=payload, by=by, via=via)
        for kind, payload in entries
    ]
    for each in affected:
        refresh(each, by=by, via=via, move=apply_transitions)
    return stored


def _store(
    *,
    kind: Kind,
    episode: Episode,
    payload: Any,
    by: User,
    via: audit.Via,
    corrects: str | None = None,
    reason: str = "",
) -> Any:
    require(by, NEEDS.get(kind, Capability.RECORD_ASSESSMENT))
    _check_episode(episode, kind)
    entry = check_entry(kind, payload, episode)
    if isinstance(entry, ActionIn) and entry.action in CLINICIAN_ACTIONS:
        require(by, Capability.DECIDE_MEDICINES)  # a decision, not only a referral
    model = selectors.MODELS[kind]
    old = None
    if corrects is not None:
        if not reason.strip():
            raise InvalidInput(ErrorCode.REASON_REQUIRED, "a correction needs a reason", "reason")
        storable(reason, field="reason", max_length=REASON_MAX)
        old = _locked_current(kind, episode, corrects)
        type(old).objects.filter(pk=old.pk).update(is_current=False)
    stored = model.objects.create(  # type: ignore[attr-defined]
        patient=episode.patient,
        episode=episode,
        recorded_by=by,
        recorded_at=clock.now(),
        on=entry_date(entry),
        supersedes=old,
        correction_reason=reason.strip(),
        **_fields(kind, entry),
    )
    action = f"assessment.{kind.value}" + (".correct" if old else ".record")
    audit.record(
        actor=by,
        action=action,
        object_type=kind.value,
        object_id=stored.public_id,
        patient_id=episode.patient.public_id,
        # In words, as the patient's timeline shows it: "Recorded an observation: Blood
        # pressure (systolic) 148 mmHg, 27 Sep 2025" (assessment.domain.described).
        summary=f"{audit.action_label(action)}: {on(described(kind, stored), stored.on)}",
        reason=reason.strip(),
        via=via,
        details={
            "episode": str(episode.public_id),
            **({"supersedes": str(old.public_id)} if old else {}),
        },
    )
    return stored


def _locked_current(kind: Kind, episode: Episode, entry_id: str) -> Any:
    """The entry to correct, locked until the correction commits; it must still be current.

    Corrections of one entry at the same moment queue on the lock (PostgreSQL; SQLite
    writes one transaction at a time): the first supersedes it, each later one finds it
    superseded and is refused with 409, so one correction of it stands.
    """
    old = (
        selectors.entries(kind, episode, current_only=False)
        .select_related(None)
        .select_for_update(of=("self",))
        .filter(public_id=entry_id)
        .first()
    )
    if old is None:
        raise NotFound(ErrorCode.NOT_FOUND, f"no {kind.value} entry with this id")
    if not old.is_current:
        raise Conflict(
            ErrorCode.ENTRY_ALREADY_CORRECTED,
            f"this {kind.value} entry was already corrected: reload to see the correction, "
            "and correct that one if it needs it",
            "entry",
        )
    return old


def _locked_affected(episode: Episode, kinds: set[Kind]) -> list[Episode]:
    """Lock the hips whose readiness the entries change, and give them in id order.

    An episode's own entry changes its readiness; a patient-level entry changes that of
    each of the patient's tracked episodes (or of this one, if none is tracked). They are
    locked first, the entry's own hip with them, always in id order: so the hip is checked
    under its lock, two writers touching the same hips queue rather than deadlock, and no
    row is locked after the audit is appended (ADR 0011, lock first, record last).
    """
    hips = Q(pk=episode.pk)
    if kinds & PATIENT_LEVEL:
        hips |= Q(patient_id=episode.patient_id, state__in=[s.value for s in TRACKED])
    locked = list(
        Episode.objects.select_for_update(of=("self",))
        .select_related("patient")
        .filter(hips)
        .order_by("pk")
    )
    for row in locked:
        if row.pk == episode.pk:  # the caller's object may predate a move made since
            episode.state, episode.state_changed_at = row.state, row.state_changed_at
    tracked = {e.pk for e in locked if kinds & PATIENT_LEVEL and e.state_enum in TRACKED}
    if kinds - PATIENT_LEVEL or not tracked:
        tracked.add(episode.pk)
    return [episode if e.pk == episode.pk else e for e in locked if e.pk in tracked]
