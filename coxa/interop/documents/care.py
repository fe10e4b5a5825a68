"""CarePlan: the recovery plan made when the operation note was signed, as the patient has it.

The same plan as the patient's page, its PDF and calendar (``surgery.selectors.signed_plan``):
each phase (weight bearing, walking aid) and each appointment with its dates.
"""

import datetime as dt
from typing import Any

from coxa.interop.documents.elements import day, instant, meta, reference
from coxa.surgery.domain.plan import Plan
from coxa.surgery.models import RecoveryPlan
from coxa.surgery.selectors import signed_plan

IN_RECOVERY = ("operated", "recovering")


def _phase_status(starts: dt.date, ends: dt.date, today: dt.date) -> str:
    if today < starts:
        return "scheduled"
    return "in-progress" if today <= ends else "completed"


def _activities(plan: Plan, today: dt.date) -> list[dict[str, Any]]:
    phases = [
        {
            "detail": {
                "kind": "ServiceRequest",
                "code": {"text": phase.title},
                "status": _phase_status(phase.starts_on, phase.ends_on, today),
                "scheduledPeriod": {"start": day(phase.starts_on), "end": day(phase.ends_on)},
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
                # Whether it was attended is not in the plan: a past one is not known.
                "status": "scheduled" if appointment.due_on >= today else "unknown",
                "scheduledPeriod": {
                    "start": day(appointment.due_on),
                    "end": day(appointment.due_on),
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
    resource: dict[str, Any] = {
        "resourceType": "CarePlan",
        "id": str(episode.public_id),
        "meta": meta("CarePlan"),
        "status": "active" if episode.state in IN_RECOVERY else "completed",
        "intent": "plan",
        "title": f"Recovery after {row.protocol.get('title') or episode.procedure}",
        "subject": reference("Patient", episode.patient.public_id),
        "period": {"start": day(plan.operation_on), "end": day(ends)},
        "created": instant(row.created_at),
        "activity": _activities(plan, today),
    }
    if notes:
        resource["note"] = [{"text": text} for text in notes]
    return resource
