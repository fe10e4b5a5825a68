"""Staff pages: recording a conversion or revision, and recording a death."""

import uuid
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from coxa.accounts.access import page, user_of
from coxa.accounts.permissions import Op
from coxa.catalogue.registry import get_procedure
from coxa.core.audit import Via
from coxa.core.forms import status_of, submit
from coxa.core.idempotency import Submitted, submit_once
from coxa.outcomes.domain.endpoints import conversion_state_problem, conversion_targets
from coxa.outcomes.forms.endpoints import ConversionForm, DeathForm
from coxa.outcomes.services import endpoints
from coxa.pathways.selectors import access_episode
from coxa.patients.selectors import access_patient


@page(Op.PAGE_CONVERSION)
def conversion_view(request: HttpRequest, episode_id: uuid.UUID) -> HttpResponse:
    """Record a conversion or revision; on success, go to the new linked episode."""
    user = user_of(request)
    episode = access_episode(actor=user, episode_id=episode_id, via=Via.WEB)
    index = get_procedure(episode.procedure)
    targets = conversion_targets(episode.procedure, index.converts_to if index else None)
    form = ConversionForm(request.POST or None, targets=targets, procedure=episode.procedure)
    if request.method == "POST":

        def convert(data: dict[str, Any]) -> Submitted:
            def converted() -> str:
                done = endpoints.record_conversion(episode=episode, by=user, via=Via.WEB, **data)
                return reverse(
                    "pathways:episode", kwargs={"episode_id": done.new_episode.public_id}
                )

            return submit_once(request, "outcomes.conversion", converted)

        done = submit(form, dict, convert)
        if done is not None:
            messages.success(
                request,
                "This form had already been sent: here is the episode it opened."
                if done.again
                else "Conversion recorded: the first episode is closed, and this linked "
                "episode is open for the same hip.",
            )
            return redirect(done.url)
    blocked = conversion_state_problem(episode.state_enum)
    return render(
        request,
        "outcomes/conversion.html",
        {
            "form": form,
            "episode": episode,
            "patient": episode.patient,
            "blocked": blocked.problems[0].message if blocked else "",
        },
        status=status_of(form),
    )


@page(Op.PAGE_DEATH)
def death_view(request: HttpRequest, patient_id: uuid.UUID) -> HttpResponse:
    """Record a patient's death; every open episode of theirs closes."""
    user = user_of(request)
    patient = access_patient(actor=user, patient_id=patient_id, via=Via.WEB)
    form = DeathForm(request.POST or None)
    if request.method == "POST":

        def record(data: dict[str, Any]) -> Submitted:
            def recorded() -> str:
                endpoints.record_death(patient=patient, by=user, via=Via.WEB, **data)
                return reverse("pathways:patient", kwargs={"patient_id": patient.public_id})

            return submit_once(request, "outcomes.death", recorded)

        done = submit(form, dict, record)
        if done is not None:
            messages.success(
                request, "Death recorded; every open episode of this patient is closed."
            )
            return redirect(done.url)
    return render(
        request,
        "outcomes/death.html",
        {"form": form, "patient": patient, "died_on": patient.date_of_death},
        status=status_of(form),
    )
