"""The write path for pre-assessment.

Record an entry or its correction, keep readiness current, move the episode between listed,
optimising and ready with the reasons, and store decisions.
"""

import datetime as dt
from typing import Any

from django.db import transaction
from pydantic import ValidationError

from coxa.accounts.domain import Capability
from coxa.accounts.models import User
from coxa.accounts.selectors import require
from coxa.assessment import selectors
from coxa.assessment.domain.entries import (
    PATIENT_LEVEL,
    SCHEMAS,
    Entry,
    ImagingIn,
    Kind,
    ObservationIn,
    date_problems,
    entry_date,
    imaging_problems,
    normalise_observation,
)
from coxa.assessment.domain.facts import document_for
from coxa.assessment.domain.requirements import GATE_ACTION, TRACKED, assess, medication_stops
from coxa.assessment.models import EpisodeDecision, Readiness
from coxa.catalogue.loader import get_catalogue
from coxa.core import audit, clock
from coxa.core.errors import Conflict, InvalidInput, NotFound, Problem
from coxa.decisions.domain.document import read_document
from coxa.decisions.domain.engine import evaluate
from coxa.decisions.domain.findings import Decision
from coxa.pathways import services as pathways
from coxa.pathways.domain import EpisodeState
from coxa.pathways.models import Episode


def _fields(kind: Kind, entry: Entry) -> dict[str, Any]:
    """Model fields from a checked entry (the measurement's units already normalised)."""
    data = entry.model_dump(by_alias=False)
    for name in (
        "observed_on",
        "recorded_on",
        "reviewed_on",
        "examined_on",
        "imaged_on",
        "assessed_on",
        "discussed_on",
        "taken_on",
    ):
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
    if kind is Kind.REVIEW:
        data["list"] = data.pop("list")
    return data


def check_entry(kind: Kind, payload: Any, episode: Episode) -> Entry:
    """Shape and meaning of an entry; every problem named by field. Raises InvalidInput."""
    schema = SCHEMAS[kind]
    try:
        entry = payload if isinstance(payload, schema) else schema.model_validate(payload)
    except ValidationError as error:
        raise InvalidInput.of(
            [
                Problem(
                    "invalid-value",
                    f"{'.'.join(map(str, e['loc'])) or kind.value}: {e['msg']}",
                    ".".join(map(str, e["loc"])) or None,
                )
                for e in error.errors()
            ]
        ) from None
    problems = date_problems(entry, today=clock.today(), born=episode.patient.date_of_birth)
    if isinstance(entry, ObservationIn):
        problem = normalise_observation(entry)[2]
        if problem:
            problems.append(problem)
    if isinstance(entry, ImagingIn):
        problems += imaging_problems(entry)
    if isinstance(entry, ObservationIn) and not problems:
        problems += _pressure_problems(entry, episode)
    if problems:
        raise InvalidInput.of(problems)
    return entry


OPEN_FOR_ASSESSMENT = (EpisodeState.REFERRED, EpisodeState.ASSESSED, *TRACKED)


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
                "implausible-value",
                f"systolic {systolic:g} must be higher than "
                f"diastolic {diastolic:g} mmHg taken the same day",
                "value",
            )
        ]
    return []


def _check_episode(episode: Episode, kind: Kind) -> None:
    if kind not in PATIENT_LEVEL and episode.state_enum not in OPEN_FOR_ASSESSMENT:
        raise Conflict(
            "episode-closed-for-assessment",
            f"pre-assessment entries cannot be added once the episode is {episode.state}",
            "episode",
        )


@transaction.atomic
def record_entry(
    *,
    kind: Kind,
    episode: Episode,
    payload: Any,
    by: User,
    via: audit.Via,
    corrects: str | None = None,
    reason: str = "",
) -> Any:
    """Record one entry (or a correction that supersedes an earlier one), then refresh.

    A correction needs a reason; the old entry stays, marked as superseded, and the audit
    keeps both.
    """
    require(by, Capability.MOVE_EPISODES)
    _check_episode(episode, kind)
    entry = check_entry(kind, payload, episode)
    model = selectors.MODELS[kind]
    old = None
    if corrects is not None:
        if not reason.strip():
            raise InvalidInput("reason-required", "a correction needs a reason", "reason")
        old = selectors.entries(kind, episode).filter(public_id=corrects).first()
        if old is None:
            raise NotFound("not-found", f"no current {kind.value} entry with this id")
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
    audit.record(
        actor=by,
        action=f"assessment.{kind.value}" + (".correct" if old else ".record"),
        object_type=kind.value,
        object_id=stored.public_id,
        patient_id=episode.patient.public_id,
        summary=f"{'Corrected' if old else 'Recorded'} {kind.value}: {stored}",
        reason=reason.strip(),
        via=via,
        details={
            "episode": str(episode.public_id),
            **({"supersedes": str(old.public_id)} if old else {}),
        },
    )
    for affected in _affected(episode, kind):
        refresh(affected, by=by, via=via)
    return stored


def _affected(episode: Episode, kind: Kind) -> list[Episode]:
    """A patient-level entry changes the readiness of each of the patient's open episodes."""
    if kind not in PATIENT_LEVEL:
        return [episode]
    return list(
        Episode.objects.filter(
            patient_id=episode.patient_id, state__in=[s.value for s in TRACKED]
        ).select_related("patient")
    ) or [episode]


def evaluate_episode(episode: Episode) -> tuple[Decision, dict[str, Any], dict[str, Any]]:
    """The decision on the facts held, the document it was made on, and the panel."""
    catalogue = get_catalogue()
    procedure = catalogue.procedures[episode.procedure]
    valid_days = {r.code: r.valid_days for r in procedure.requirements}
    held = selectors.held_for(episode)
    today = clock.today()
    document, dates = document_for(held, valid_days=valid_days, today=today)
    decision = evaluate(
        read_document(document, procedure_codes=tuple(catalogue.procedures)), catalogue
    )
    actions = {a.code: a.text for a in decision.actions}
    abnormal = {
        f.rule_id: _action_text(f.rule_id, actions)
        for f in decision.findings
        if f.outcome.value == "optimise"
    }
    done = selectors.action_dates(episode)
    statuses = [
        assess(r, dates=dates, abnormal=abnormal, actions=done, today=today)
        for r in procedure.requirements
    ]
    policy = catalogue.settings.medication_stop_policy
    advice: dict[str, tuple[str, int | None, int | None, str, tuple[str, ...]]] = {
        s.drug_class: (s.action, s.days_before, s.restart_days_after, s.text, tuple(s.sources))
        for s in catalogue.medication_stops
        if s.policy == policy
    }
    stops = medication_stops(
        [(n, c) for n, c, active, _ in held.medications if active], advice, episode.operation_on
    )
    panel = {
        "readiness": decision.readiness,
        "candidacy": decision.candidacy,
        "requirements": [
            {
                "code": s.code,
                "title": s.title,
                "status": s.status,
                "recorded_on": _iso(s.recorded_on),
                "expires_on": _iso(s.expires_on),
                "action": s.action,
                "action_code": s.action_code,
                "actioned_on": _iso(s.actioned_on),
            }
            for s in statuses
        ],
        "medication_stops": [
            {
                "medication": s.medication,
                "class": s.drug_class,
                "action": s.action,
                "stop_on": _iso(s.stop_on),
                "restart_on": _iso(s.restart_on),
                "advice": s.advice,
                "sources": list(s.sources),
            }
            for s in stops
        ],
        "findings": decision.as_dict(catalogue)["findings"],
        "operation_on": _iso(episode.operation_on),
        "policy": policy,
    }
    return decision, document, panel


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None


def _action_text(rule_id: str, actions: dict[str, str]) -> str:
    return actions.get(GATE_ACTION[rule_id], "See the finding.")


def refresh(episode: Episode, *, by: User | None, via: audit.Via) -> Readiness:
    """Recompute the episode's readiness; move it to optimising or ready when that changes."""
    decision, _, panel = evaluate_episode(episode)
    requirements = panel["requirements"]
    expiries = [
        r["expires_on"]
        for r in requirements
        if r["status"] in ("met", "abnormal") and r["expires_on"]
    ]
    stops = [s["stop_on"] for s in panel["medication_stops"] if s["stop_on"]]
    readiness, _ = Readiness.objects.update_or_create(
        episode=episode,
        defaults={
            "readiness": decision.readiness,
            "candidacy": decision.candidacy,
            "missing_count": sum(r["status"] == "missing" for r in requirements),
            "expired_count": sum(r["status"] == "expired" for r in requirements),
            "abnormal_count": sum(r["status"] == "abnormal" for r in requirements),
            "unactioned_count": sum(
                r["status"] == "abnormal" and not r["actioned_on"] for r in requirements
            ),
            "expires_on": min(expiries) if expiries else None,
            "first_stop_on": min(stops) if stops else None,
            "panel": panel,
            "computed_at": clock.now(),
        },
    )
    if by is not None:
        _move_for(episode, decision, by=by, via=via)
    return readiness


def _move_for(episode: Episode, decision: Decision, *, by: User, via: audit.Via) -> None:
    """BMI 40 or more (or any gate) puts a listed episode in optimising; ready when all pass."""
    state = episode.state_enum
    gates = [
        f.message
        for f in decision.findings
        if f.kind.value == "readiness" and f.outcome.value == "optimise"
    ]
    target, reason = None, ""
    if decision.readiness == "optimise" and state in (
        EpisodeState.LISTED,
        EpisodeState.READY,
        EpisodeState.SCHEDULED,
    ):
        target, reason = EpisodeState.OPTIMISING, "Readiness gates to correct: " + " ".join(gates)
    elif decision.readiness == "ready" and state in (EpisodeState.LISTED, EpisodeState.OPTIMISING):
        target, reason = EpisodeState.READY, "All readiness gates pass."
    if target is not None:
        pathways.move_episode(episode=episode, to=target.value, reason=reason, by=by, via=via)
        episode.refresh_from_db()


@transaction.atomic
def plan_operation(
    *, episode: Episode, operation_on: dt.date | None, by: User, via: audit.Via, reason: str = ""
) -> Episode:
    """Set the planned operation date; medication stop dates and the letter follow it."""
    episode = pathways.set_operation_date(
        episode=episode, operation_on=operation_on, by=by, via=via, reason=reason
    )
    refresh(episode, by=None, via=via)
    return episode


@transaction.atomic
def decide_for_episode(*, episode: Episode, by: User, via: audit.Via) -> EpisodeDecision:
    """Evaluate the episode on the facts held, store the decision with its versions, audit it."""
    require(by, Capability.MOVE_EPISODES)
    catalogue = get_catalogue()
    decision, document, _ = evaluate_episode(episode)
    stored = EpisodeDecision.objects.create(
        episode=episode,
        decided_at=clock.now(),
        decided_by=by,
        procedure=decision.procedure,
        candidacy=decision.candidacy,
        readiness=decision.readiness,
        catalogue_version=catalogue.version,
        catalogue_hash=catalogue.content_hash,
        rule_versions=decision.rule_versions,
        document=document,
        result=decision.as_dict(catalogue),
    )
    audit.record(
        actor=by,
        action="decision.record",
        object_type="episode",
        object_id=episode.public_id,
        patient_id=episode.patient.public_id,
        summary=f"{episode.side.title()} hip {episode.procedure}: candidacy {decision.candidacy}, "
        f"readiness {decision.readiness}",
        via=via,
        details={"decision": str(stored.public_id), "catalogue_version": catalogue.version},
    )
    return stored
