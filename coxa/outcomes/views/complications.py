"""The complications page of a hip: its register, and the form that records one.

Reading is for clinical staff; recording and striking out are for the clinicians who find
and grade complications (the permission table's ``page.complication-record``). The form
offers the types of the hip's operation and shows each Clavien-Dindo grade's definition.
"""

import uuid
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from coxa.accounts.access import page, user_of
from coxa.accounts.domain import Capability, can
from coxa.accounts.permissions import Op
from coxa.accounts.selectors import require
from coxa.catalogue.loader import get_catalogue
from coxa.catalogue.schema_complications import ComplicationType
from coxa.core import clock
from coxa.core.audit import Via
from coxa.core.forms import PageForm, submit
from coxa.core.idempotency import Submitted, submit_once
from coxa.core.text import REASON_MAX
from coxa.outcomes import selectors
from coxa.outcomes.domain.complications import Outcome
from coxa.outcomes.forms import StrikeOutForm
from coxa.outcomes.forms.complications import ComplicationForm
from coxa.outcomes.services import complications
from coxa.pathways.models import Episode
from coxa.pathways.selectors import access_episode

STRIKE_LABEL = "Why this entry was made in error"


def _episode(request: HttpRequest, episode_id: uuid.UUID) -> Episode:
    user = user_of(request)
    require(user, Capability.VIEW_PATIENTS)
    return access_episode(actor=user, episode_id=episode_id, via=Via.WEB)


def _types(episode: Episode) -> list[ComplicationType]:
    """The catalogue's types that can follow this hip's operation, in the catalogue's order."""
    return [
        t
        for t in get_catalogue().complications.values()
        if not t.procedures or episode.procedure in t.procedures
    ]


def _render(
    request: HttpRequest,
    episode: Episode,
    *,
    form: ComplicationForm | None = None,
    refused: PageForm | None = None,
) -> HttpResponse:
    user = user_of(request)
    procedure = get_catalogue().procedures.get(episode.procedure)
    entries = [
        {
            "entry": c,
            "what": complications.title_of(c.type),
            "outcome": Outcome(c.outcome).label,
            "definition": c.grade.definition,
        }
        for c in selectors.complications_of(episode)
    ]
    context: dict[str, Any] = {
        "episode": episode,
        "patient": episode.patient,
        "procedure_title": procedure.title if procedure else episode.procedure,
        "operated_on": complications.operated_on(episode),
        "entries": entries,
        "form": form
        or ComplicationForm(types=_types(episode), initial={"found_on": clock.today()}),
        # Each entry's form has its own ids (one strike-out form per entry on the page).
        "strike_label": STRIKE_LABEL,
        "strike_max": REASON_MAX,
        "refused": refused,
        "may_record": can(user.role, Capability.RECORD_COMPLICATIONS),
    }
    bad = refused is not None or (form is not None and form.is_bound)
    return render(request, "outcomes/complications.html", context, status=400 if bad else 200)


@page(Op.PAGE_COMPLICATIONS, post=Op.PAGE_COMPLICATION_RECORD)
def complications_page(request: HttpRequest, episode_id: uuid.UUID) -> HttpResponse:
    episode = _episode(request, episode_id)
    if request.method != "POST":
        return _render(request, episode)
    form = ComplicationForm(request.POST, types=_types(episode))

    def record(data: dict[str, Any]) -> Submitted:
        def create() -> str:
            complications.record_complication(
                episode=episode,
                type=data["type"],
                found_on=data["found_on"],
                clavien_dindo=data["clavien_dindo"],
                disability=data["disability"],
                treatment=data["treatment"],
                outcome=data["outcome"],
                description=data["description"],
                by=user_of(request),
                via=Via.WEB,
            )
            return reverse("outcomes:complications", kwargs={"episode_id": episode.public_id})

        return submit_once(request, f"outcomes.complication.{episode.public_id}", create)

    done = submit(form, ComplicationForm.entry, record)
    if done is None:
        return _render(request, episode, form=form)
    messages.success(
        request,
        "This form had already been sent: the complication was recorded once."
        if done.again
        else "Complication recorded.",
    )
    return redirect(done.url)


@page(Op.PAGE_COMPLICATIONS, post=Op.PAGE_COMPLICATION_RECORD)
def strike_out_view(
    request: HttpRequest, episode_id: uuid.UUID, complication_id: uuid.UUID
) -> HttpResponse:
    episode = _episode(request, episode_id)
    if request.method != "POST":
        return redirect("outcomes:complications", episode_id=episode.public_id)
    form = StrikeOutForm(request.POST, label=STRIKE_LABEL)

    def strike(reason: str) -> str:
        complications.strike_out(
            episode=episode,
            complication_id=complication_id,
            reason=reason,
            by=user_of(request),
            via=Via.WEB,
        )
        return "The entry is struck out as made in error; it stays in the register, marked."

    done = submit(form, lambda data: str(data["reason"]), strike)
    if done is None:
        return _render(request, episode, refused=form)
    messages.success(request, done)
    return redirect("outcomes:complications", episode_id=episode.public_id)
