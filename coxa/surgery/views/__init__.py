"""Staff pages for the operation and recovery, the patient's plan, and the worklist."""

from coxa.surgery.views.consent import consent_view, withdraw_consent_view
from coxa.surgery.views.operation import (
    addendum_view,
    confirm_view,
    note_view,
    operation,
    schedule_view,
)
from coxa.surgery.views.recovery import (
    adjust_view,
    discharge_view,
    plan_ics,
    plan_pdf,
    review_view,
    worklist_page,
)

__all__ = [
    "addendum_view",
    "adjust_view",
    "confirm_view",
    "consent_view",
    "discharge_view",
    "note_view",
    "operation",
    "plan_ics",
    "plan_pdf",
    "review_view",
    "schedule_view",
    "withdraw_consent_view",
    "worklist_page",
]
