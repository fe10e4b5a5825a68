"""The portal's pages, one module a page group, re-exported for the URL maps."""

from coxa.portal.views.public import home
from coxa.portal.views.records import (
    my_letter,
    my_plan,
    my_plan_ics,
    my_plan_pdf,
    my_questionnaire,
    my_questionnaires,
    my_records,
    my_surveillance,
)

__all__ = [
    "home",
    "my_letter",
    "my_plan",
    "my_plan_ics",
    "my_plan_pdf",
    "my_questionnaire",
    "my_questionnaires",
    "my_records",
    "my_surveillance",
]
