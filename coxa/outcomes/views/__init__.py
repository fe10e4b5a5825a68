"""Outcomes' staff pages, one module per page, and the one-time questionnaire link."""

from coxa.outcomes.views.complications import complications_page, strike_out_view
from coxa.outcomes.views.endpoints import conversion_view, death_view
from coxa.outcomes.views.questionnaires import (
    answer_by_link,
    issue_link,
    questionnaires,
    record,
    strike_out_response,
)
from coxa.outcomes.views.reviews import reviews_page, strike_out_page
from coxa.outcomes.views.worklist import worklist_page

__all__ = [
    "answer_by_link",
    "complications_page",
    "conversion_view",
    "death_view",
    "issue_link",
    "questionnaires",
    "record",
    "reviews_page",
    "strike_out_page",
    "strike_out_response",
    "strike_out_view",
    "worklist_page",
]
