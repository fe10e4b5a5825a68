"""The recall page: every hip a field safety notice reaches, and each patient contacted.

The notice's product and lot are posted and kept in the session (post, redirect, get; ADR
0012), so the page's address never carries a search. Each hip found has its patient's
contact details, the contacts recorded so far, and a form to record one more.
"""

import uuid
from dataclasses import dataclass, field
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from coxa.accounts.access import page, user_of
from coxa.accounts.permissions import Op
from coxa.core import clock
from coxa.core.audit import Via
from coxa.core.forms import status_of, submit
from coxa.core.idempotency import Submitted, submit_once
from coxa.pathways.models import Episode
from coxa.pathways.selectors import access_episode
from coxa.patients.models import Patient
from coxa.surveillance.domain.inputs import RecallContactIn
from coxa.surveillance.forms.recall import METHODS, RecallContactForm, RecallSearchForm
from coxa.surveillance.models import RecallContact
from coxa.surveillance.selectors import RecallHip, list_recall
from coxa.surveillance.services.recall import record_recall_contact

# The notice searched for, kept in the session: the form posts it, so it is never in a URL.
SEARCH_KEY = "surveillance.recall"
NOTICE_KEY = "surveillance.recall-notice"  # the last notice recorded, offered again
HOW = dict(METHODS)


@dataclass
class Hip:
    """One hip the notice reaches: its components of the product, contacts, and its form."""

    episode: Episode
    patient: Patient
    source: str
    operated_on: Any
    components: list[RecallHip] = field(default_factory=list)
    contacts: tuple[RecallContact, ...] = ()
    form: RecallContactForm | None = None

    @property
    def contacts_shown(self) -> list[tuple[RecallContact, str]]:
        """Each contact with how it was made, in words."""
        return [(c, HOW.get(c.method, c.method)) for c in self.contacts]


def _hips(found: tuple[RecallHip, ...]) -> list[Hip]:
    """The hips, in the order found, each once (a notice may name two of its components)."""
    hips: dict[int, Hip] = {}
    for row in found:
        hip = hips.setdefault(
            row.episode.pk,
            Hip(row.episode, row.patient, row.source, row.operated_on, contacts=row.contacts),
        )
        hip.components.append(row)
    return list(hips.values())


def _terms(request: HttpRequest) -> tuple[str, str]:
    kept = request.session.get(SEARCH_KEY) or {}
    return str(kept.get("product", "")), str(kept.get("lot", ""))


def _show(
    request: HttpRequest,
    search: RecallSearchForm,
    failed: tuple[uuid.UUID, RecallContactForm] | None = None,
) -> HttpResponse:
    user = user_of(request)
    product, lot = _terms(request)
    hips: list[Hip] = []
    if product:
        hips = _hips(list_recall(actor=user, product=product, lot=lot, via=Via.WEB))
    initial = {"contacted_on": clock.today(), "notice": request.session.get(NOTICE_KEY, "")}
    for hip in hips:
        hip_id = hip.episode.public_id
        if failed is not None and failed[0] == hip_id:
            hip.form = failed[1]
        else:
            hip.form = RecallContactForm(initial=initial, hip=str(hip_id))
    context = {"search": search, "product": product, "lot": lot, "hips": hips}
    forms_shown = [search] + ([failed[1]] if failed else [])
    return render(request, "surveillance/recall.html", context, status=status_of(*forms_shown))


@page(Op.PAGE_SURVEILLANCE_RECALL)
def recall_page(request: HttpRequest) -> HttpResponse:
    """Post, redirect, get: the notice's product and lot go in the body and the session."""
    if request.method == "POST":
        search = RecallSearchForm(request.POST)
        if search.is_valid():
            request.session[SEARCH_KEY] = {
                "product": search.cleaned_data["product"].strip(),
                "lot": search.cleaned_data["lot"].strip(),
            }
            return redirect("surveillance:recall")
        return _show(request, search)
    product, lot = _terms(request)
    return _show(request, RecallSearchForm(initial={"product": product, "lot": lot}))


@page(Op.PAGE_SURVEILLANCE_RECALL_CONTACT)
def recall_contact(request: HttpRequest, episode_id: uuid.UUID) -> HttpResponse:
    """Record that the patient of one hip the notice reaches was contacted (once per form)."""
    user = user_of(request)
    episode = access_episode(actor=user, episode_id=episode_id, via=Via.WEB)
    product, lot = _terms(request)
    if request.method != "POST" or not product:
        return redirect("surveillance:recall")
    form = RecallContactForm(request.POST, hip=str(episode.public_id))

    def record(entry: RecallContactIn) -> Submitted:
        def create() -> str:
            record_recall_contact(episode=episode, entry=entry, by=user, via=Via.WEB)
            return f"{reverse('surveillance:recall')}#hip-{episode.public_id}"

        return submit_once(request, "surveillance.recall-contact", create)

    done = submit(form, lambda data: form.entry(data, product=product, lot=lot), record)
    if done is None:
        search = RecallSearchForm(initial={"product": product, "lot": lot})
        return _show(request, search, failed=(episode.public_id, form))
    request.session[NOTICE_KEY] = form.cleaned_data["notice"]
    messages.success(
        request,
        "This form had already been sent: the contact was recorded once."
        if done.again
        else f"Contact with {episode.patient.display_name} recorded.",
    )
    return redirect(done.url)
