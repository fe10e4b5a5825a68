"""The getting-ready letter as a document: a tagged PDF for the staff pages and the portal.

Built from the typed ``Letter`` that ``services.letters.access_letter`` returns; called with
``printed=True``, that read records the copy taken away (``letter.pdf``), as
``surgery.selectors.access_plan`` does for the plan's PDF.
"""

from django.http import HttpResponse
from django.template.loader import render_to_string

from coxa.assessment.services.letters import Letter
from coxa.core.pdf import pdf_from_html


def letter_pdf_response(letter: Letter) -> HttpResponse:
    """The printable letter (``access_letter(printed=True)`` records the copy)."""
    html = render_to_string("assessment/letter_print.html", {"letter": letter})
    response = HttpResponse(pdf_from_html(html), content_type="application/pdf")
    response["Content-Disposition"] = (
        f'inline; filename="getting-ready-{letter.episode.side}-hip.pdf"'
    )
    return response
