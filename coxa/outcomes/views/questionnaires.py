"""Pages: a hip's questionnaires (staff), and the public page of a one-time link."""

import uuid

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache

from coxa.accounts.access import page, public, user_of
from coxa.accounts.domain import Capability, can
from coxa.accounts.permissions import Op
from coxa.accounts.selectors import require
from coxa.core.audit import Via
from coxa.core.errors import InvalidInput, NotFound, Problem
from coxa.core.forms import place_problems, status_of, submit
from coxa.core.idempotency import Submitted, submit_once
from coxa.outcomes import selectors
from coxa.outcomes.forms import StrikeOutForm
from coxa.outcomes.forms.questionnaires import IssueLinkForm, QuestionnaireForm
from coxa.outcomes.selectors import LINK_STATE_WORDS, LinkState, link_state
from coxa.outcomes.services import links, responses
from coxa.outcomes.worklist import due_of, point_title
from coxa.pathways.models import Episode
from coxa.pathways.selectors import access_episode


def _episode(request: HttpRequest, episode_id: uuid.UUID) -> Episode:
    user = user_of(request)
    require(user, Capability.VIEW_PATIENTS)
    return access_episode(actor=user, episode_id=episode_id, via=Via.WEB)


def _page(
    request: HttpRequest,
    episode: Episode,
    *,
    link_form: IssueLinkForm | None = None,
    issued: links.Issued | None = None,
    strike: tuple[uuid.UUID, StrikeOutForm] | None = None,
) -> HttpResponse:
    user = user_of(request)
    every = selectors.questionnaires()
    available = [q for q in every if q.available]
    due = due_of(episode)
    form = link_form or IssueLinkForm(available=available, due=due.codes if due else ())
    shown_links = [
        (lk, LINK_STATE_WORDS[link_state(lk)], point_title(episode.procedure, lk.schedule_point))
        for lk in selectors.links_of(episode)
    ]
    context = {
        "episode": episode,
        "patient": episode.patient,
        "due": due,
        "answered": [
            (a, point_title(episode.procedure, a.response.point))
            for a in reversed(selectors.responses_of(episode))
        ],
        "titles": {q.code: q.title for q in every},
        "questionnaires": every,
        "may_record": can(user.role, Capability.RECORD_OUTCOMES),
        "link_form": form,
        "link_closed": closed.message if (closed := links.closed_problem(episode)) else "",
        "issued": issued,
        "links": shown_links,
        "strike": strike,
    }
    status = status_of(form, *([strike[1]] if strike else []))
    return render(request, "outcomes/questionnaires.html", context, status=status)


@page(Op.PAGE_QUESTIONNAIRES)
def questionnaires(request: HttpRequest, episode_id: uuid.UUID) -> HttpResponse:
    """What is due for the hip, then its completed questionnaires: score, change, falls."""
    return _page(request, _episode(request, episode_id))


@page(Op.PAGE_QUESTIONNAIRE_STRIKE)
def strike_out_response(
    request: HttpRequest, episode_id: uuid.UUID, response_id: uuid.UUID
) -> HttpResponse:
    """Strike out a response made in error, with the reason (it stays, marked)."""
    episode = _episode(request, episode_id)
    if request.method != "POST":
        return redirect("outcomes:questionnaires", episode_id=episode.public_id)
    user = user_of(request)
    form = StrikeOutForm(
        request.POST,
        label="Why strike out this questionnaire",
        auto_id=f"strike-{response_id}-%s",
    )

    def strike(data: dict[str, str]) -> str:
        responses.strike_out_response(
            episode=episode, response_id=response_id, reason=data["reason"], by=user, via=Via.WEB
        )
        return "Questionnaire struck out: it no longer counts in this hip's scores."

    done = submit(form, lambda data: data, strike)
    if done is None:
        return _page(request, episode, strike=(response_id, form))
    messages.success(request, done)
    return redirect("outcomes:questionnaires", episode_id=episode.public_id)


@page(Op.PAGE_QUESTIONNAIRE_RECORD)
def record(request: HttpRequest, episode_id: uuid.UUID, instrument: str) -> HttpResponse:
    """Record one questionnaire the patient answered (in clinic, on paper, on the phone)."""
    user = user_of(request)
    episode = _episode(request, episode_id)
    shown = selectors.questionnaire(instrument)
    if shown is None:
        raise Http404("no such questionnaire")
    form = QuestionnaireForm(request.POST or None, questionnaire=shown)
    if request.method == "POST" and shown.available:

        def call(form_data: QuestionnaireForm) -> Submitted:
            def create() -> str:
                responses.record_response(
                    episode=episode,
                    instrument=shown.code,
                    answers=form_data.answers(),
                    completed_on=form_data.cleaned_data["completed_on"],
                    by=user,
                    via=Via.WEB,
                )
                return reverse("outcomes:questionnaires", kwargs={"episode_id": episode_id})

            return submit_once(request, "outcomes.questionnaire", create)

        done = submit(form, lambda _data: form, call)
        if done is not None:
            messages.success(
                request,
                "This form had already been sent: the questionnaire was recorded once."
                if done.again
                else f"{shown.title} recorded.",
            )
            return redirect(done.url)
    context = {"episode": episode, "patient": episode.patient, "q": shown, "form": form}
    return render(request, "outcomes/record.html", context, status=status_of(form))


@never_cache  # the page shows the link's address once
@page(Op.PAGE_QUESTIONNAIRE_LINK_ISSUE)
def issue_link(request: HttpRequest, episode_id: uuid.UUID) -> HttpResponse:
    """Issue a one-time link; its address is shown here once, and emailed if we can."""
    user = user_of(request)
    episode = _episode(request, episode_id)
    if request.method != "POST":
        return redirect("outcomes:questionnaires", episode_id=episode_id)
    available = [q for q in selectors.questionnaires() if q.available]
    form = IssueLinkForm(request.POST, available=available)
    made: list[links.Issued] = []

    def call(data: dict[str, object]) -> Submitted:
        def create() -> str:
            made.append(
                links.issue_link(
                    episode=episode,
                    instruments=list(data["instruments"]),  # type: ignore[call-overload]
                    by=user,
                    via=Via.WEB,
                    url_for=lambda token: request.build_absolute_uri(
                        reverse("questionnaire-link", kwargs={"token": token})
                    ),
                )
            )
            return reverse("outcomes:questionnaires", kwargs={"episode_id": episode_id})

        return submit_once(request, "outcomes.link", create)

    done = submit(form, lambda data: data, call)
    if done is None:
        return _page(request, episode, link_form=form)
    if done.again or not made:
        messages.success(request, "This form had already been sent: one link was issued.")
        return redirect(done.url)
    return _page(request, episode, issued=made[0])


@never_cache
@public(Op.PAGE_QUESTIONNAIRE_LINK)
def answer_by_link(request: HttpRequest, token: str) -> HttpResponse:
    """The patient's page: the questionnaires, then thanks; nothing about them if unusable."""
    shown = selectors.access_link(token) if request.method != "POST" else None
    if shown is not None and shown.state is not LinkState.OPEN:
        return render(request, "outcomes/link_unusable.html", {"state": shown.state}, status=404)
    if request.method == "POST":
        return _answer(request, token)
    assert shown is not None  # noqa: S101 - a GET
    forms = [QuestionnaireForm(prefix=q.code, questionnaire=q) for q in shown.questionnaires]
    return render(request, "outcomes/link.html", {"link": shown, "forms": forms})


def _answer(request: HttpRequest, token: str) -> HttpResponse:
    shown = selectors.access_link(token)
    if shown.state is not LinkState.OPEN:
        return render(request, "outcomes/link_unusable.html", {"state": shown.state}, status=404)
    forms = [
        QuestionnaireForm(request.POST, prefix=q.code, questionnaire=q)
        for q in shown.questionnaires
    ]
    for form in forms:
        form.fields.pop("completed_on")  # answered today: the day it is sent
    if all(f.is_valid() for f in forms):
        try:
            links.complete_by_link(
                token=token, answers={f.questionnaire.code: f.answers() for f in forms}
            )
        except NotFound:  # used or expired a moment ago
            state = selectors.access_link(token).state
            return render(request, "outcomes/link_unusable.html", {"state": state}, status=404)
        except InvalidInput as error:
            by_code = {f.questionnaire.code: f for f in forms}
            for problem in error.problems:
                code, _, path = (problem.field or "").partition(".")
                target = by_code.get(code, forms[0])
                place_problems(target, [Problem(problem.code, problem.message, path or None)])
        else:
            return render(request, "outcomes/link_thanks.html")
    return render(request, "outcomes/link.html", {"link": shown, "forms": forms}, status=400)
