"""The stored appointments of a signed recovery plan, kept current for the worklist.

Called by every service that changes what they say: signing the note (the plan is made),
adjusting the plan (dates move) and recording a physiotherapy review (one is held). The rows
are the plan's own dates, so they are rewritten whole from it (ADR 0018).
"""

from coxa.surgery import selectors
from coxa.surgery.domain.recovery import PHYSIOTHERAPY_REVIEW, review_held
from coxa.surgery.models import PhysioReview, PlanAppointment, RecoveryPlan


def store_appointments(stored: RecoveryPlan) -> None:
    """Rewrite the plan's appointment rows from the plan and the reviews held so far.

    Runs inside the caller's ``audit.atomic()`` (the caller records the clinical event).
    """
    plan = selectors.signed_plan(stored)
    held = list(
        PhysioReview.objects.filter(episode_id=stored.episode_id).values_list(
            "reviewed_on", flat=True
        )
    )
    PlanAppointment.objects.filter(plan=stored).delete()
    PlanAppointment.objects.bulk_create(
        PlanAppointment(
            plan=stored,
            episode_id=stored.episode_id,
            key=a.key,
            kind=a.kind,
            title=a.title,
            due_on=a.due_on,
            reviewed_on=review_held(a.due_on, held) if a.kind == PHYSIOTHERAPY_REVIEW else None,
        )
        for a in plan.appointments
    )
