"""The invitation to a hip's next metal-on-metal check, as a page and a PDF (issue 15).

Whether a letter is made is ``documents.letter_for``'s to say, the rule a print run's letters
follow too: no letter for a patient whose death is recorded, for a revised hip, for a hip
with no check to invite to, nor with no postal address (H92). The page says why; the PDF is
refused (409, the same page), and no copy is recorded.
"""

import uuid

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from coxa.accounts.access import page, user_of
from coxa.accounts.permissions import Op
from coxa.core.audit import Via
from coxa.surveillance.documents import invitation_pdf_response, letter_for
from coxa.surveillance.selectors import HipSurveillance, access_surveillance, record_copy

PDF_COPY = "invitation letter (PDF)"
REFUSED = 409  # the hip as recorded refuses a letter: the page says why


def _show(request: HttpRequest, shown: HipSurveillance, *, status: int = 200) -> HttpResponse:
    letter, why = letter_for(shown)
    context = {"shown": shown, "letter": letter, "why": why, "episode": shown.episode}
    return render(request, "surveillance/invitation.html", context, status=status)


@page(Op.PAGE_SURVEILLANCE_LETTER)
def letter_page(request: HttpRequest, episode_id: uuid.UUID) -> HttpResponse:
    """The invitation as a page (a hip that gets no letter: the page says why)."""
    shown = access_surveillance(actor=user_of(request), episode_id=episode_id, via=Via.WEB)
    return _show(request, shown)


@page(Op.PAGE_SURVEILLANCE_LETTER)
def letter_pdf(request: HttpRequest, episode_id: uuid.UUID) -> HttpResponse:
    """The invitation as a tagged PDF, recorded as a copy taken away; refused when none."""
    user = user_of(request)
    shown = access_surveillance(actor=user, episode_id=episode_id, via=Via.WEB)
    letter, _ = letter_for(shown)
    if letter is None:  # no letter: the page saying why, and no copy taken away
        return _show(request, shown, status=REFUSED)
    record_copy(actor=user, shown=shown, copy=PDF_COPY, via=Via.WEB)
    return invitation_pdf_response(letter)
