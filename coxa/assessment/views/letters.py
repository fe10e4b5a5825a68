"""The patient's "getting ready for your operation" letter, as a page and a PDF."""

import uuid

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from coxa.accounts.access import page, user_of
from coxa.accounts.permissions import Op
from coxa.assessment.documents import letter_pdf_response
from coxa.assessment.services.letters import access_letter
from coxa.core.audit import Via


@page(Op.PAGE_LETTER)
def letter(request: HttpRequest, episode_id: uuid.UUID) -> HttpResponse:
    """The "getting ready for your operation" letter as a page."""
    shown = access_letter(actor=user_of(request), episode_id=episode_id, via=Via.WEB)
    return render(request, "assessment/letter.html", {"letter": shown})


@page(Op.PAGE_LETTER)
def letter_pdf(request: HttpRequest, episode_id: uuid.UUID) -> HttpResponse:
    shown = access_letter(actor=user_of(request), episode_id=episode_id, via=Via.WEB, printed=True)
    return letter_pdf_response(shown)
