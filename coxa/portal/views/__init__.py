"""The portal's pages, one module a page group, re-exported for the URL maps."""

from coxa.portal.views.hip import my_hip
from coxa.portal.views.invitation import accept, invite_patient
from coxa.portal.views.public import home, procedure, procedures
from coxa.portal.views.records import (
    my_letter,
    my_letter_pdf,
    my_plan,
    my_plan_ics,
    my_plan_pdf,
    my_questionnaire,
    my_questionnaires,
    my_records,
    my_surveillance,
)

__all__ = [
    "accept",
    "home",
    "invite_patient",
    "my_hip",
    "my_letter",
    "my_letter_pdf",
    "my_plan",
    "my_plan_ics",
    "my_plan_pdf",
    "my_questionnaire",
    "my_questionnaires",
    "my_records",
    "my_surveillance",
    "procedure",
    "procedures",
]
