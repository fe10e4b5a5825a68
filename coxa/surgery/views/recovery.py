"""Discharge, the recovery plan (changes, PDF, calendar), physiotherapy, the worklist."""

import datetime as dt
import uuid
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from coxa.accounts.access import page, user_of
from coxa.accounts.models import User
from coxa.accounts.permissions import Op
from coxa.core import clock
from coxa.core.audit import Via
from coxa.core.errors import CoxaError, InvalidInput
from coxa.core.pagination import page_request
from coxa.core.web import page_number
from coxa.core.worklists import PAGE_SIZE
from coxa.pathways.models import Episode
from coxa.surgery import selectors, worklist
from coxa.surgery.documents import calendar_response, plan_pdf_response
from coxa.surgery.domain.recovery import DischargeIn, PhysioReviewIn
from coxa.surgery.services import recovery
from coxa.surgery.views.page import act_on, episode_of


@page(Op.PAGE_DISCHARGE)
def discharge_view(request: HttpRequest, episode_id: uuid.UUID) -> HttpResponse:
    def act(episode: Episode, user: User) -> str:
        post = request.POST
        procedure = selectors.procedure_of(episode)
        criteria = {
            c.code: post.get(f"criterion-{c.code}") == "met" for c in procedure.discharge.criteria
        }
        out_of_bed = post.get("out_of_bed_at", "")
        entry = DischargeIn.model_validate(
            {
                "out_of_bed_at": f"{out_of_bed}:00{_offset(out_of_bed)}" if out_of_bed else "",
                "discharged_on": post.get("discharged_on", ""),
                "destination": post.get("destination", ""),
                "destination_reason": post.get("destination_reason", ""),
                "criteria": criteria,
                "unmet_reason": post.get("unmet_reason", ""),
            }
        )
        recovery.record_discharge(episode=episode, entry=entry, by=user, via=Via.WEB)
        return "Discharge recorded."

    return act_on(request, episode_id, act)


def _offset(local: str) -> str:
    """The service's UTC offset at a local date-time from a datetime-local input."""
    try:
        moment = dt.datetime.fromisoformat(local)
    except ValueError:
        return ""
    aware = timezone.make_aware(moment)
    offset = aware.strftime("%z")
    return f"{offset[:3]}:{offset[3:]}"


def _days(post: Any, prefix: str) -> dict[str, int]:
    found = {}
    for key, value in post.items():
        if key.startswith(prefix) and value.strip():
            try:
                found[key[len(prefix) :]] = int(value)
            except ValueError:
                raise InvalidInput("invalid", f"{value!r} is not a number of days", key) from None
    return found


@page(Op.PAGE_ADJUST)
def adjust_view(request: HttpRequest, episode_id: uuid.UUID) -> HttpResponse:
    def act(episode: Episode, user: User) -> str:
        found = selectors.plan_of(episode)
        current = found[0] if found else None
        phases = _days(request.POST, "phase-")
        appointments = _days(request.POST, "appointment-")
        if current is not None:  # only what the form changed
            start = current.operation_on
            phases = {
                k: v
                for k, v in phases.items()
                if any(p.code == k and (p.ends_on - start).days != v for p in current.phases)
            }
            appointments = {
                k: v
                for k, v in appointments.items()
                if any(a.key == k and (a.due_on - start).days != v for a in current.appointments)
            }
        recovery.adjust_plan(
            episode=episode,
            phase_end_days=phases,
            appointment_days=appointments,
            reason=request.POST.get("reason", ""),
            by=user,
            via=Via.WEB,
        )
        return "Recovery plan changed; the patient's plan and calendar follow."

    return act_on(request, episode_id, act)


@page(Op.PAGE_PHYSIO_REVIEW)
def review_view(request: HttpRequest, episode_id: uuid.UUID) -> HttpResponse:
    def act(episode: Episode, user: User) -> str:
        post = request.POST
        data: dict[str, object] = {
            k: post.get(k)
            for k in (
                "reviewed_on",
                "walking_aid",
                "weight_bearing",
                "flexion_deg",
                "abduction_deg",
                "internal_rotation_deg",
                "external_rotation_deg",
                "pain",
                "exercises_progressed",
                "notes",
            )
            if post.get(k, "").strip() != ""
        }
        data["progress_to_next_phase"] = post.get("progress_to_next_phase") == "on"
        review = recovery.record_review(
            episode=episode, entry=PhysioReviewIn.model_validate(data), by=user, via=Via.WEB
        )
        return "Physiotherapy review recorded." + (
            f" Moved on to {review.progressed_to}." if review.progressed_to else ""
        )

    return act_on(request, episode_id, act)


@page(Op.PAGE_PLAN_FILES)
def plan_pdf(request: HttpRequest, episode_id: uuid.UUID) -> HttpResponse:
    return plan_pdf_response(episode_of(request, episode_id), user_of(request))


@page(Op.PAGE_PLAN_FILES)
def plan_ics(request: HttpRequest, episode_id: uuid.UUID) -> HttpResponse:
    try:
        return calendar_response(episode_of(request, episode_id), user_of(request), via=Via.WEB)
    except CoxaError as error:
        messages.error(request, error.message)
        return redirect("surgery:operation", episode_id=episode_id)


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
