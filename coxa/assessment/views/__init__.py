"""Staff pages for pre-assessment.

The nurse's clinic for an episode, corrections, the decision, the letter, and the
pre-assessment worklist with its CSV export.
"""

from coxa.assessment.views.clinic import (
    acknowledge,
    clinic,
    correct,
    correct_medicine_plan,
    episode_decision,
    operation_date,
    record,
    record_medicine_plan,
)
from coxa.assessment.views.letters import letter, letter_pdf
from coxa.assessment.views.worklist import worklist_csv, worklist_page

__all__ = [
    "acknowledge",
    "clinic",
    "correct",
    "correct_medicine_plan",
    "episode_decision",
    "letter",
    "letter_pdf",
    "operation_date",
    "record",
    "record_medicine_plan",
    "worklist_csv",
    "worklist_page",
]
