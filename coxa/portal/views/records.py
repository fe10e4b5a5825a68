"""The patient's own records: their hips, plans, letters, questionnaires and hip checks."""

import uuid
from dataclasses import dataclass

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from coxa.accounts.access import page, user_of
from coxa.accounts.domain import is_staff_role
from coxa.accounts.models import User
from coxa.accounts.permissions import Op
from coxa.assessment.documents import letter_pdf_response
from coxa.assessment.services.letters import access_letter
from coxa.catalogue.loader import get_catalogue
from coxa.core import clock
from coxa.core.audit import Via
from coxa.core.contacts import service_contacts
from coxa.core.forms import status_of, submit
from coxa.core.idempotency import Submitted, submit_once
from coxa.outcomes import selectors as outcomes
from coxa.outcomes.services import responses
from coxa.pathways.models import Episode
from coxa.pathways.selectors import access_episode, episodes_of
from coxa.patients.selectors import access_patient, patient_of_user
from coxa.portal.domain import (
    explain,
    has_ended,
    metal_result_meaning,
    offers_letter,
    offers_plan,
)
from coxa.portal.forms import MyQuestionnaireForm
from coxa.portal.selectors import next_check, questionnaires_due
from coxa.surgery.documents import calendar_response, plan_pdf_response
from coxa.surgery.selectors import Copy, access_plan
from coxa.surveillance.documents import Invitation
from coxa.surveillance.domain.results import FlagCode
from coxa.surveillance.selectors import access_surveillance, next_check_of


@page(Op.PAGE_PORTAL)
def my_records(request: HttpRequest) -> HttpResponse:
    """A patient's own details and hip episodes, explained in plain words."""
    user = user_of(request)
    if is_staff_role(user.role):
        return redirect("staff-home")
    record = patient_of_user(user)
    if record is None:
        return render(request, "portal/no_record.html")
    patient = access_patient(actor=user, patient_id=record.public_id, via=Via.WEB)
    # The hips under metal-on-metal surveillance, with their next check (read with the
    # patient's own record just recorded above); an ended hip has none (H82).
    checks = {shown.episode.pk: next_check(shown) for shown in next_check_of(patient)}
    hips = [
        Card(
            episode=e,
            meaning=explain(e.state_enum),
            letter=offers_letter(e.state_enum),
            plan=offers_plan(e.state_enum, e.operation_on),
            checked=e.pk in checks,
            check=checks.get(e.pk),
            ended=has_ended(e.state_enum),
        )
        for e in episodes_of(patient)
    ]
    return render(request, "portal/my_records.html", {"patient": patient, "hips": hips})


@dataclass(frozen=True)
class Card:
    """One hip on the patient's records page: where it is, and what is offered for it."""

    episode: Episode
    meaning: str
    letter: bool  # the getting-ready letter (before the operation)
    plan: bool  # the recovery plan (once the operation has a date)
    checked: bool  # under metal-on-metal surveillance
    check: Invitation | None  # its next check (None once the hip ended)
    ended: bool  # withdrawn, converted, died: nothing more is coming


def _own_episode(request: HttpRequest, episode_id: uuid.UUID) -> tuple[User, Episode]:
    user = user_of(request)
    return user, access_episode(actor=user, episode_id=episode_id, via=Via.WEB)


@page(Op.PAGE_PORTAL_OWN)
def my_plan(request: HttpRequest, episode_id: uuid.UUID) -> HttpResponse:
    """The patient's recovery plan for one hip: dates, walking aids, appointments."""
    user, episode = _own_episode(request, episode_id)
    shown = access_plan(actor=user, episode=episode, via=Via.WEB)
    return render(request, "portal/plan.html", {"shown": shown})


@page(Op.PAGE_PORTAL_OWN)
def my_plan_pdf(request: HttpRequest, episode_id: uuid.UUID) -> HttpResponse:
    user, episode = _own_episode(request, episode_id)
    return plan_pdf_response(access_plan(actor=user, episode=episode, via=Via.WEB, copy=Copy.PDF))


@page(Op.PAGE_PORTAL_OWN)
def my_plan_ics(request: HttpRequest, episode_id: uuid.UUID) -> HttpResponse:
    user, episode = _own_episode(request, episode_id)
    shown = access_plan(actor=user, episode=episode, via=Via.WEB, copy=Copy.CALENDAR)
    return calendar_response(shown)


@page(Op.PAGE_PORTAL_OWN)
def my_letter(request: HttpRequest, episode_id: uuid.UUID) -> HttpResponse:
    """The patient's own "getting ready for your operation" letter for one hip."""
    shown = access_letter(actor=user_of(request), episode_id=episode_id, via=Via.WEB)
    return render(request, "portal/letter.html", {"letter": shown})


@page(Op.PAGE_PORTAL_QUESTIONNAIRES)
def my_questionnaires(request: HttpRequest, episode_id: uuid.UUID) -> HttpResponse:
    """What is due about this hip (offered first), what they answered, what they may answer."""
    _user, episode = _own_episode(request, episode_id)
    due = questionnaires_due(episode)
    now = set(due.codes) if due and due.open_now else set()
    every = outcomes.questionnaires()
    context = {
        "episode": episode,
        "due": due,
        "due_now": [q for q in every if q.code in now and q.available],
        "answered": list(reversed(outcomes.responses_of(episode))),
        "questionnaires": [q for q in every if q.code not in now or not q.available],
    }
    return render(request, "portal/questionnaires.html", context)


@page(Op.PAGE_PORTAL_QUESTIONNAIRES)
def my_questionnaire(request: HttpRequest, episode_id: uuid.UUID, instrument: str) -> HttpResponse:
    """Answer one questionnaire about this hip (their own: checked before the answers are read)."""
    user, episode = _own_episode(request, episode_id)
    shown = outcomes.questionnaire(instrument)
    if shown is None:
        raise Http404("no such questionnaire")
    form = MyQuestionnaireForm(request.POST or None, questionnaire=shown)
    if request.method == "POST" and shown.available:

        def call(answered: MyQuestionnaireForm) -> Submitted:
            def create() -> str:
                responses.record_response(
                    episode=episode,
                    instrument=shown.code,
                    answers=answered.answers(),
                    completed_on=clock.today(),
                    by=user,
                    via=Via.WEB,
                )
                return reverse("portal:questionnaires", kwargs={"episode_id": episode_id})

            return submit_once(request, "portal.questionnaire", create)

        done = submit(form, lambda _data: form, call)
        if done is not None:
            messages.success(request, f"Thank you: your answers to the {shown.title} are sent.")
            return redirect(done.url)
    context = {"episode": episode, "q": shown, "form": form}
    return render(request, "portal/questionnaire.html", context, status=status_of(form))


@page(Op.PAGE_PORTAL_SURVEILLANCE)
def my_surveillance(request: HttpRequest, episode_id: uuid.UUID) -> HttpResponse:
    """When the hip's next metal-on-metal check is due, and what its results mean, in words."""
    shown = access_surveillance(actor=user_of(request), episode_id=episode_id, via=Via.WEB)
    table = get_catalogue().surveillance
    concern = table.blood_metals.concern_above_ug_per_l
    results = [
        (
            result,
            metal_result_meaning(
                matrix=result.matrix,
                cobalt=result.cobalt_ug_per_l,
                chromium=result.chromium_ug_per_l,
                rising=any(f.get("code") == FlagCode.RISING for f in result.flags),
                concern=concern,
            ),
        )
        for result in reversed(shown.results)
        if result.struck_out_at is None  # a patient never sees an entry made in error
    ]
    context = {
        "episode": shown.episode,
        "shown": shown,
        "check": next_check(shown),
        "results": results,
        "contact": service_contacts()[-1],  # the team's office (working hours)
    }
    return render(request, "portal/surveillance.html", context)


@page(Op.PAGE_PORTAL_OWN)
def my_letter_pdf(request: HttpRequest, episode_id: uuid.UUID) -> HttpResponse:
    """The getting-ready letter as a PDF, recorded as a copy taken away."""
    shown = access_letter(actor=user_of(request), episode_id=episode_id, via=Via.WEB, printed=True)
    return letter_pdf_response(shown)
