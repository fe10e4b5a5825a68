"""The invitation to a hip's next metal-on-metal check, as a page and a PDF (issue 15)."""

import uuid

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from coxa.accounts.access import page, user_of
from coxa.accounts.permissions import Op
from coxa.core.audit import Via
from coxa.surveillance.documents import invitation_of, invitation_pdf_response
from coxa.surveillance.selectors import access_surveillance, record_copy

PDF_COPY = "invitation letter (PDF)"


@page(Op.PAGE_SURVEILLANCE_LETTER)
def letter_page(request: HttpRequest, episode_id: uuid.UUID) -> HttpResponse:
    """The invitation as a page (a hip not under surveillance: the page says so)."""
    shown = access_surveillance(actor=user_of(request), episode_id=episode_id, via=Via.WEB)
    context = {"shown": shown, "letter": invitation_of(shown), "episode": shown.episode}
    return render(request, "surveillance/invitation.html", context)


@page(Op.PAGE_SURVEILLANCE_LETTER)
def letter_pdf(request: HttpRequest, episode_id: uuid.UUID) -> HttpResponse:
    """The invitation as a tagged PDF, recorded as a copy taken away."""
    user = user_of(request)
    shown = access_surveillance(actor=user, episode_id=episode_id, via=Via.WEB)
    letter = invitation_of(shown)
    if letter is None:  # nothing to invite to: the page says why
        return redirect("surveillance:letter", episode_id=shown.episode.public_id)
    record_copy(actor=user, shown=shown, copy=PDF_COPY, via=Via.WEB)
    return invitation_pdf_response(letter)
