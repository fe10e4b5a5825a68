"""Surveillance's staff pages, one module per page (re-exported here for ``urls.py``)."""

from coxa.surveillance.views.enrol import enrol_by_hand
from coxa.surveillance.views.hip import enrol_now, hip_page
from coxa.surveillance.views.letter import letter_page, letter_pdf
from coxa.surveillance.views.letters import letters_file, letters_run, letters_start
from coxa.surveillance.views.recall import recall_contact, recall_page
from coxa.surveillance.views.records import (
    record_imaging,
    record_result,
    record_review,
    strike_out,
)
from coxa.surveillance.views.worklist import worklist_page

__all__ = [
    "enrol_by_hand",
    "enrol_now",
    "hip_page",
    "letter_page",
    "letter_pdf",
    "letters_file",
    "letters_run",
    "letters_start",
    "recall_contact",
    "recall_page",
    "record_imaging",
    "record_result",
    "record_review",
    "strike_out",
    "worklist_page",
]
