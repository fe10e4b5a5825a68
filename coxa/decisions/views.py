"""The staff page for an episode's decision: verdicts, reasons, sources, alternatives, actions."""

import uuid

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from coxa.accounts.domain import Capability, can
from coxa.accounts.models import User
from coxa.core.audit import Via
from coxa.core.web import page
from coxa.decisions import selectors, services
from coxa.pathways.selectors import access_episode, sees_identities


@page
def episode_decision(request: HttpRequest, episode_id: uuid.UUID) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)  # noqa: S101 - guaranteed by @page
    if not sees_identities(user):
        return redirect("pathways:episodes")
    episode = access_episode(actor=user, episode_id=episode_id, via=Via.WEB)
    if request.method == "POST":
        stored = services.decide_for_episode(episode=episode, by=user, via=Via.WEB)
        messages.success(
            request, f"Evaluated: candidacy {stored.candidacy}, readiness {stored.readiness}."
        )
        return redirect("decisions:episode", episode_id=episode.public_id)
    history = selectors.decisions_of(episode)
    return render(
        request,
        "decisions/episode.html",
        {
            "episode": episode,
            "patient": episode.patient,
            "latest": history[0] if history else None,
            "history": history,
            "can_decide": can(user.role, Capability.MOVE_EPISODES),
        },
    )
