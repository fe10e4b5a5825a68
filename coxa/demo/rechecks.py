"""Repeating pre-operative checks in the demo, as a clinic does before an operation.

When a test would lapse by the operation day, the clinic repeats the checks; the demo does
the same, with each test's latest values, through the ordinary clinic service.
"""

import datetime as dt
from typing import Any

from django.utils import timezone

from coxa.accounts.models import User
from coxa.assessment import selectors as assessment_selectors
from coxa.assessment.domain.entries import Kind
from coxa.assessment.domain.gate import GateCode
from coxa.assessment.domain.requirements import RequirementStatus
from coxa.assessment.services import entries as assessment_entries
from coxa.assessment.services import readiness
from coxa.core import clock
from coxa.core.audit import Via
from coxa.demo import assessment_profiles as profiles
from coxa.pathways.models import Episode


def moment(day: dt.date, minutes: int) -> dt.datetime:
    """A moment on a replayed day: minutes after 09:00, the service's time zone."""
    start = dt.datetime.combine(day, dt.time(9, 0), tzinfo=timezone.get_current_timezone())
    return start + dt.timedelta(minutes=minutes)


_LAPSED = (GateCode.REQUIREMENT_EXPIRED, GateCode.EXPIRES_BEFORE_OPERATION)
_IMAGING_FIELDS = (
    "modality",
    "side",
    "diagnosis",
    "avn_system",
    "avn_stage",
    "head_collapse",
    "kerboul_angle_deg",
    "templated_head_size_mm",
    "acetabular_bone_stock",
)


def _latest(kind: Kind, episode: Episode, **filters: object) -> Any:
    return assessment_selectors.entries(kind, episode).filter(**filters).first()


def _repeat(code: str, episode: Episode, day: dt.date) -> list[profiles.Entry]:
    """The entries that satisfy one requirement again, with the latest values, on ``day``."""
    if code == "blood-tests":
        found = [
            _latest(Kind.OBSERVATION, episode, code=c) for c in ("haemoglobin", "hba1c", "egfr")
        ]
        return [
            profiles.observation(o.code, o.value_as_recorded, o.unit_as_recorded, day)
            for o in found
            if o is not None
        ]
    if code in ("blood-pressure", "bmi"):
        codes = ("systolic_bp", "diastolic_bp") if code == "blood-pressure" else ("bmi",)
        found = [_latest(Kind.OBSERVATION, episode, code=c) for c in codes]
        return [
            profiles.observation(o.code, o.value_as_recorded, o.unit_as_recorded, day)
            for o in found
            if o is not None
        ]
    if code == "smoking-status":
        smoking = _latest(Kind.SMOKING, episode)
        return [
            ("smoking", {"status": smoking.status, "quit_on": smoking.quit_on, "recorded_on": day})
        ]
    if code == "medication-review":  # the medicines, and the history asked with them
        held = assessment_selectors.held_for(episode).until(day)
        active = [m for m in held.current_medicines() if m.active]
        rows: list[profiles.Entry] = [
            ("review", {"list": "medications", "none_known": not active, "reviewed_on": day})
        ]
        history = max(held.history, key=lambda h: h.on, default=None)
        if history is not None:
            rows.append(
                (
                    "history",
                    {
                        "diabetes": history.diabetes,
                        "coronary_stent_or_recent_acs": history.coronary_stent_or_recent_acs,
                        "metal_sensitivity": history.metal_sensitivity,
                        "haemoglobinopathy": history.haemoglobinopathy or None,
                        "heart_valve": history.heart_valve or None,
                        "pregnancy": history.pregnancy or None,
                        "recorded_on": day,
                    },
                )
            )
        return rows
    if code == "physical-examination":
        exam = _latest(Kind.EXAMINATION, episode)
        fields = ("flexion_deg", "abduction_deg", "leg_length_difference_mm", "gait")
        values = {f: getattr(exam, f) for f in fields if getattr(exam, f) not in (None, "")}
        return [("examination", values | {"examined_on": day})]
    imaging = _latest(Kind.IMAGING, episode, **({"modality": "mri"} if code == "hip-mri" else {}))
    values = {f: getattr(imaging, f) for f in _IMAGING_FIELDS}
    values = {k: v for k, v in values.items() if v not in (None, "")}
    return [("imaging", values | {"side": values.get("side") or episode.side, "imaged_on": day})]


def recheck(episode: Episode, day: dt.date, until: dt.date, nurse: User) -> None:
    """Repeat the pre-operative checks on ``day`` when any would lapse by ``until``.

    As a clinic does before an operation: every requirement on record is repeated with its
    latest values (an eGFR can lapse while the haemoglobin that dates the blood tests has
    not, so all are repeated together).
    """
    with clock.replaying(moment(day, 20)):
        evaluation = readiness.evaluate_episode(
            episode, operation_on=until if until > day else None
        )
        lapsing = any(p.code in _LAPSED or p.on_operation_day for p in evaluation.gate.problems)
        recorded = [
            s.code for s in evaluation.statuses if s.status is not RequirementStatus.MISSING
        ]
        repeated = (
            [entry for code in recorded for entry in _repeat(code, episode, day)] if lapsing else []
        )
    if repeated:
        with clock.replaying(moment(day, 30)):
            assessment_entries.record_entries(
                episode=episode,
                entries=[(Kind(kind), payload) for kind, payload in repeated],
                by=nurse,
                via=Via.CLI,
                apply_transitions=False,
            )


# What the demo's anaesthetist decides for a medicine the policy leaves to a clinician:
# aspirin for prevention continues (ACCP 2022 suggests continuing aspirin); an
# anti-inflammatory stops a week before.
DECISIONS: dict[str, dict[str, Any]] = {
    "antiplatelet": {"action": "continue"},
    "nsaid": {"action": "stop", "days_before": 7},
}


def decide_medicines(episode: Episode, day: dt.date, anaesthetist: User) -> None:
    """Record a plan, on ``day``, for each medicine waiting for a clinician's decision."""
    with clock.replaying(moment(day, 25)):
        stops = readiness.evaluate_episode(episode).panel.medication_stops
        for stop in stops:
            decision = DECISIONS.get(stop.drug_class)
            if not stop.needs_decision or decision is None:
                continue
            assessment_entries.record_entry(
                kind=Kind.MEDICINE_PLAN,
                episode=episode,
                payload={"medicine": stop.medication, "decided_on": day, **decision},
                by=anaesthetist,
                via=Via.CLI,
                apply_transitions=False,
            )
