"""Staff pages for a patient's chart, their hip episodes, and the episode lists."""

import uuid
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from coxa.accounts.access import page, user_of
from coxa.accounts.domain import Capability, can
from coxa.accounts.permissions import Op
from coxa.catalogue.registry import all_procedures, get_procedure
from coxa.core.audit import Via
from coxa.core.errors import CoxaError
from coxa.core.forms import status_of, submit
from coxa.core.idempotency import Submitted, submit_once
from coxa.core.pagination import page_request
from coxa.core.web import page_number, query_without_page
from coxa.core.worklists import COUNT_CAP
from coxa.pathways import selectors, services
from coxa.pathways.domain import (
    CONVERTIBLE,
    STATE_ORDER,
    EpisodeState,
    Side,
    allowed_targets,
    may_move,
    moves_by_hand,
)
from coxa.pathways.forms import EpisodeForm, TransitionForm
from coxa.pathways.models import Episode
from coxa.patients.selectors import access_patient


@page(Op.PAGE_PATIENT_CHART)
def patient_chart(request: HttpRequest, patient_id: uuid.UUID) -> HttpResponse:
    """A patient's details, each hip's episodes, and everything recorded, newest first."""
    user = user_of(request)
    patient = access_patient(actor=user, patient_id=patient_id, via=Via.WEB)
    episodes = selectors.episodes_of(patient)
    hips = {side: [e for e in episodes if e.side == side.value] for side in Side}
    return render(
        request,
        "pathways/patient.html",
        {
            "patient": patient,
            "right": hips[Side.RIGHT],
            "left": hips[Side.LEFT],
            "timeline": selectors.timeline_of(patient),
            "episode_form": EpisodeForm(),
        },
    )


@page(Op.PAGE_EPISODE_OPEN)
def open_episode(request: HttpRequest, patient_id: uuid.UUID) -> HttpResponse:
    user = user_of(request)
    patient = access_patient(actor=user, patient_id=patient_id, via=Via.WEB)
    form = EpisodeForm(request.POST or None)
    if request.method == "POST":

        def open_one(data: dict[str, Any]) -> Submitted:
            def opened() -> str:
                episode = services.open_episode(patient=patient, by=user, via=Via.WEB, **data)
                return reverse("pathways:episode", kwargs={"episode_id": episode.public_id})

            return submit_once(request, "pathways.open-episode", opened)

        done = submit(form, dict, open_one)
        if done is not None:
            messages.success(
                request,
                "This form had already been sent: here is the episode it opened."
                if done.again
                else f"{form.cleaned_data['side'].title()} hip episode opened.",
            )
            return redirect(done.url)
    return render(
        request,
        "pathways/episode_form.html",
        {"form": form, "patient": patient},
        status=status_of(form),
    )


def _episode_page(
    request: HttpRequest, episode: Episode, form: TransitionForm, status: int = 200
) -> HttpResponse:
    return render(
        request,
        "pathways/episode.html",
        {
            "episode": episode,
            "patient": episode.patient,
            "transitions": selectors.transitions_of(episode),
            "form": form,
            "can_move": moves_by_hand(user_of(request).role),
            "can_convert": episode.state_enum in CONVERTIBLE
            and can(user_of(request).role, Capability.RECORD_END_POINTS),
            "followed_for_life": selectors.followed_for_life(episode),
        },
        status=status,
    )


def _targets(episode: Episode, role: str) -> tuple[EpisodeState, ...]:
    """The moves this person may ask for on this hip."""
    procedure = get_procedure(episode.procedure)
    return tuple(
        target
        for target in allowed_targets(
            episode.state_enum,
            can_convert=bool(procedure and procedure.converts_to),
            followed_for_life=bool(procedure and procedure.surveillance),
        )
        if may_move(role, episode.state_enum, target)
    )


@page(Op.PAGE_EPISODE, post=Op.PAGE_EPISODE_MOVE)
def episode_detail(request: HttpRequest, episode_id: uuid.UUID) -> HttpResponse:
    """One hip's episode: its state, history, and the move to the next state."""
    user = user_of(request)
    episode = selectors.access_episode(actor=user, episode_id=episode_id, via=Via.WEB)
    if request.method != "POST":
        return _episode_page(request, episode, TransitionForm(targets=_targets(episode, user.role)))
    form = TransitionForm(request.POST, targets=_targets(episode, user.role))

    def move(data: dict[str, Any]) -> services.MoveResult:
        return services.move_episode(
            episode=episode, to=data["to"], reason=data["reason"], by=user, via=Via.WEB
        )

    moved = submit(form, dict, move)
    if moved is not None:
        messages.success(request, f"Episode moved to {moved.episode.state_label.lower()}.")
        if moved.replacement is not None:
            messages.success(request, "A linked hip-replacement episode has been opened.")
        return redirect("pathways:episode", episode_id=episode.public_id)
    return _episode_page(request, episode, form, status=400)


@page(Op.PAGE_EPISODE_LIST)
def episode_list(request: HttpRequest) -> HttpResponse:
    """Episodes filtered by state, procedure and side."""
    user = user_of(request)
    filters = selectors.EpisodeFilters(
        state=request.GET.get("state", ""),
        procedure=request.GET.get("procedure", ""),
        side=request.GET.get("side", ""),
    )
    context: dict[str, Any] = {
        "filters": filters,
        "states": STATE_ORDER,
        "procedures": all_procedures(),
        "sides": list(Side),
    }
    try:
        found = selectors.list_episodes(
            actor=user, filters=filters, page=page_request(page_number(request), 50), via=Via.WEB
        )
    except CoxaError as error:
        if error.status != 400:  # noqa: PLR2004 - only bad filters are shown on the page
            raise
        context["error"] = error
        return render(request, "pathways/episode_list.html", context, status=400)
    context |= {
        "rows": found.episodes,
        "count": found.count,
        "capped": found.capped,
        "cap": COUNT_CAP,
        "page_number": found.page.number,
        "has_next": found.has_next,
        "query_string": query_without_page(request),
    }
    return render(request, "pathways/episode_list.html", context)
