"""Discharge, the recovery plan (changes, PDF, calendar), physiotherapy, the worklist."""

import uuid
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from coxa.accounts.access import page, user_of
from coxa.accounts.models import User
from coxa.accounts.permissions import Op
from coxa.core import clock
from coxa.core.audit import Via
from coxa.core.errors import CoxaError
from coxa.core.forms import PageForm, submit
from coxa.core.pagination import page_request
from coxa.core.web import page_number
from coxa.core.worklists import PAGE_SIZE
from coxa.pathways.models import Episode
from coxa.surgery import selectors, worklist
from coxa.surgery.documents import calendar_response, plan_pdf_response
from coxa.surgery.domain.recovery import DischargeIn, PhysioReviewIn
from coxa.surgery.forms import AdjustForm, DischargeForm, ReviewForm
from coxa.surgery.selectors import Copy
from coxa.surgery.services import recovery
from coxa.surgery.views.page import act_on, episode_of


@page(Op.PAGE_DISCHARGE)
def discharge_view(request: HttpRequest, episode_id: uuid.UUID) -> HttpResponse:
    def act(episode: Episode, user: User, form: PageForm) -> str | None:
        assert isinstance(form, DischargeForm)  # noqa: S101 - the page's "discharge" form

        def discharge(entry: DischargeIn) -> str:
            recovery.record_discharge(episode=episode, entry=entry, by=user, via=Via.WEB)
            return "Discharge recorded."

        return submit(form, form.entry, discharge)

    return act_on(request, episode_id, "discharge", act)


@page(Op.PAGE_ADJUST)
def adjust_view(request: HttpRequest, episode_id: uuid.UUID) -> HttpResponse:
    def act(episode: Episode, user: User, form: PageForm) -> str | None:
        assert isinstance(form, AdjustForm)  # noqa: S101 - the page's "adjust" form

        def adjust(data: dict[str, Any]) -> str:
            phases, appointments = form.changes(data)  # only what the form changed
            recovery.adjust_plan(
                episode=episode,
                phase_end_days=phases,
                appointment_days=appointments,
                reason=data["reason"],
                by=user,
                via=Via.WEB,
            )
            return "Recovery plan changed; the patient's plan and calendar follow."

        return submit(form, lambda data: data, adjust)

    return act_on(request, episode_id, "adjust", act)


@page(Op.PAGE_PHYSIO_REVIEW)
def review_view(request: HttpRequest, episode_id: uuid.UUID) -> HttpResponse:
    def act(episode: Episode, user: User, form: PageForm) -> str | None:
        def review(entry: PhysioReviewIn) -> str:
            done = recovery.record_review(episode=episode, entry=entry, by=user, via=Via.WEB)
            return "Physiotherapy review recorded." + (
                f" Moved on to {done.progressed_to}." if done.progressed_to else ""
            )

        return submit(form, ReviewForm.entry, review)

    return act_on(request, episode_id, "review", act)


@page(Op.PAGE_PLAN_FILES)
def plan_pdf(request: HttpRequest, episode_id: uuid.UUID) -> HttpResponse:
    shown = selectors.access_plan(
        actor=user_of(request), episode=episode_of(request, episode_id), via=Via.WEB, copy=Copy.PDF
    )
    return plan_pdf_response(shown)


@page(Op.PAGE_PLAN_FILES)
def plan_ics(request: HttpRequest, episode_id: uuid.UUID) -> HttpResponse:
    # No operation date yet: NotFound, a 404 page (the link shows only once there is a plan).
    shown = selectors.access_plan(
        actor=user_of(request),
        episode=episode_of(request, episode_id),
        via=Via.WEB,
        copy=Copy.CALENDAR,
    )
    return calendar_response(shown)


@page(Op.PAGE_THEATRE_WORKLIST)
def worklist_page(request: HttpRequest) -> HttpResponse:
    """Every list's first page, or one list paged (``?list=<code>&page=<n>``)."""
    only = request.GET.get("list", "")
    context: dict[str, Any] = {"today": clock.today(), "only": only}
    try:
        context["lists"] = worklist.list_theatre_worklist(
            actor=user_of(request),
            today=clock.today(),
            page=page_request(page_number(request), PAGE_SIZE),
            only=only,
            via=Via.WEB,
        )
    except CoxaError as error:
        if error.status != 400:  # noqa: PLR2004 - an unknown list is shown on the page
            raise
        context["error"] = error
        return render(request, "surgery/worklist.html", context, status=400)
    return render(request, "surgery/worklist.html", context)
