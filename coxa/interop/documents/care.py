"""CarePlan: the recovery plan made when the operation note was signed, as the patient has it.

The same plan as the patient's page, its PDF and calendar (``surgery.selectors.signed_plan``):
each phase (weight bearing, walking aid) and each appointment with its dates.
"""

import datetime as dt
from typing import Any

from coxa.interop.documents.elements import day as day_of
from coxa.interop.documents.elements import instant, local_day, meta, reference
from coxa.surgery.domain.plan import Plan
from coxa.surgery.models import RecoveryPlan
from coxa.surgery.selectors import signed_plan

IN_RECOVERY = ("operated", "recovering")
# A hip whose journey ended before its plan did: the plan stops that day (FHIR "revoked").
ENDED_EARLY = ("converted", "withdrawn", "died")


def _phase_status(starts: dt.date, ends: dt.date, day: dt.date, stopped: bool) -> str:
    if day < starts:
        return "cancelled" if stopped else "scheduled"
    if day <= ends:
        return "stopped" if stopped else "in-progress"
    return "completed"


def _visit_status(due: dt.date, day: dt.date, stopped: bool) -> str:
    if stopped and due > day:
        return "cancelled"
    # Whether it was attended is not in the plan: a past one is not known.
    return "scheduled" if due >= day else "unknown"


def _activities(plan: Plan, day: dt.date, stopped: bool) -> list[dict[str, Any]]:
    """Each phase and appointment as of ``day`` (today, or the day a stopped plan ended)."""
    phases = [
        {
            "detail": {
                "kind": "ServiceRequest",
                "code": {"text": phase.title},
                "status": _phase_status(phase.starts_on, phase.ends_on, day, stopped),
                "scheduledPeriod": {"start": day_of(phase.starts_on), "end": day_of(phase.ends_on)},
                "description": f"Weight bearing: {phase.weight_bearing}. "
                f"Walking aid: {phase.walking_aid}.",
            }
        }
        for phase in plan.phases
    ]
    appointments = [
        {
            "detail": {
                "kind": "Appointment",
                "code": {"text": appointment.title},
                "status": _visit_status(appointment.due_on, day, stopped),
                "scheduledPeriod": {
                    "start": day_of(appointment.due_on),
                    "end": day_of(appointment.due_on),
                },
            }
        }
        for appointment in plan.appointments
    ]
    return phases + appointments


def care_plan(row: RecoveryPlan, today: dt.date) -> dict[str, Any]:
    """The recovery plan; its id is the episode's (one plan a hip)."""
    plan = signed_plan(row)
    episode = row.episode
    ends = max((p.ends_on for p in plan.phases), default=plan.operation_on)
    notes = [text for text in (plan.pain_relief, plan.exercise) if text]
    stopped = episode.state in ENDED_EARLY
    day = min(today, local_day(episode.state_changed_at)) if stopped else today
    status = "revoked" if stopped else "active" if episode.state in IN_RECOVERY else "completed"
    resource: dict[str, Any] = {
        "resourceType": "CarePlan",
        "id": str(episode.public_id),
        "meta": meta("CarePlan"),
        "status": status,
        "intent": "plan",
        "title": f"Recovery after {row.protocol.get('title') or episode.procedure}",
        "subject": reference("Patient", episode.patient.public_id),
        "period": {"start": day_of(plan.operation_on), "end": day_of(ends)},
        "created": instant(row.created_at),
        "activity": _activities(plan, day, stopped),
    }
    if notes:
        resource["note"] = [{"text": text} for text in notes]
    return resource
