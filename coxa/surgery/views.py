"""Staff pages for the operation and recovery, the patient's plan, and the worklist.

Each form posts to its own URL, which builds the same input type the API takes and calls the
same service; a refusal re-shows the page with every problem named beside its field name.
"""

import datetime as dt
import uuid
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from pydantic import ValidationError

from coxa.accounts.domain import Capability
from coxa.accounts.models import User
from coxa.accounts.selectors import require
from coxa.core import clock
from coxa.core.audit import Via
from coxa.core.errors import CoxaError, InvalidInput, Problem
from coxa.core.web import page
from coxa.pathways.models import Episode
from coxa.pathways.selectors import access_episode
from coxa.surgery import selectors, worklist
from coxa.surgery.documents import calendar_response, plan_pdf_response
from coxa.surgery.domain.notes import OperationNoteIn
from coxa.surgery.domain.recovery import DischargeIn, PhysioReviewIn
from coxa.surgery.selectors import BHR_ROWS, OTHER_ROWS
from coxa.surgery.services import notes, recovery
from coxa.surgery.services.schedule import schedule


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)  # noqa: S101 - guaranteed by @page
    return request.user


def _episode(request: HttpRequest, episode_id: uuid.UUID) -> Episode:
    """Clinical staff only: these pages name the patient (analysts see pseudonyms elsewhere)."""
    user = _user(request)
    require(user, Capability.VIEW_PATIENTS)
    return access_episode(actor=user, episode_id=episode_id, via=Via.WEB)


def _problems(error: Exception) -> list[Problem]:
    if isinstance(error, CoxaError):
        return list(error.problems)
    assert isinstance(error, ValidationError)  # noqa: S101
    return [
        Problem(
            "invalid",
            str(e["msg"]),
            ".".join(str(p) for p in e["loc"]) or None,
        )
        for e in error.errors()
    ]


def _page(
    request: HttpRequest,
    episode: Episode,
    *,
    problems: list[Problem] | None = None,
    status: int = 200,
) -> HttpResponse:
    context = selectors.operation_context(episode)
    posted = request.POST if problems else {}
    context |= {
        "problems": problems or [],
        "posted": posted,
        "values": _values(posted, context["note"], context["booking"]),
    }
    return render(request, "surgery/operation.html", context, status=status)


def _values(posted: Any, note: Any, booking: Any) -> dict[str, str]:
    """What the forms show: what was just posted, else what is stored."""
    stored = {
        "operation_date": booking.operation_on.isoformat() if booking else "",
        "theatre_list": booking.theatre_list if booking else "",
        "approach_reason": note.approach_reason if note else "",
        "drill_passes": str(note.drill_passes) if note and note.drill_passes else "",
        "graft_product": note.graft_product if note else "",
        "findings": note.findings if note else "",
        "events": note.events if note else "",
    }
    return {k: posted.get(k, v) if posted else v for k, v in stored.items()}


def _act(
    request: HttpRequest, episode_id: uuid.UUID, action: Callable[[Episode, User], str]
) -> HttpResponse:
    episode = _episode(request, episode_id)
    if request.method != "POST":
        return redirect("surgery:operation", episode_id=episode.public_id)
    try:
        done = action(episode, _user(request))
    except (CoxaError, ValidationError) as error:
        if isinstance(error, CoxaError) and error.status not in (400, 409):
            raise
        episode.refresh_from_db()
        return _page(request, episode, problems=_problems(error), status=400)
    messages.success(request, done)
    return redirect("surgery:operation", episode_id=episode.public_id)


@page
def operation(request: HttpRequest, episode_id: uuid.UUID) -> HttpResponse:
    return _page(request, _episode(request, episode_id))


@page
def schedule_view(request: HttpRequest, episode_id: uuid.UUID) -> HttpResponse:
    def act(episode: Episode, user: User) -> str:
        post = request.POST
        try:
            on = dt.date.fromisoformat(post.get("operation_date", ""))
        except ValueError:
            raise InvalidInput("invalid", "give the operation date", "operation_date") from None
        done = schedule(
            episode=episode,
            operation_on=on,
            surgeon=selectors.surgeon_named(post.get("surgeon", "")),
            theatre_list=post.get("theatre_list", ""),
            by=user,
            via=Via.WEB,
            reason=post.get("reason", ""),
        )
        moved = "; ".join(f"{m.what} {m.before} → {m.after}" for m in done.moved)
        return f"Operation booked for {on:%d %b %Y}." + (f" Moved: {moved}." if moved else "")

    return _act(request, episode_id, act)


def _note_input(post: Any, procedure: str) -> OperationNoteIn:
    implants = []
    rows = (
        [c.value for c in BHR_ROWS] if procedure == "bhr" else [str(i) for i in range(OTHER_ROWS)]
    )
    for row in rows:
        prefix = f"implant-{row}-"
        values = {
            k: post.get(prefix + k, "").strip()
            for k in (
                "component",
                "manufacturer",
                "product",
                "size_mm",
                "lot",
                "udi",
                "size_reason",
            )
        }
        if procedure == "bhr":
            values["component"] = row
        elif not any(values[k] for k in ("manufacturer", "lot", "size_mm")):
            continue
        implants.append(
            {k: v for k, v in values.items() if v != "" or k in ("manufacturer", "lot")}
        )
    graft = post.get("graft_used", "")
    data: dict[str, Any] = {
        "operated_on": post.get("operated_on", ""),
        "started_at": post.get("started_at", ""),
        "ended_at": post.get("ended_at", ""),
        "side": post.get("side", ""),
        "procedure": procedure,
        "assistants": [a.strip() for a in post.get("assistants", "").split(",") if a.strip()],
        "anaesthetic": post.get("anaesthetic", ""),
        "approach": post.get("approach") or None,
        "approach_reason": post.get("approach_reason", ""),
        "implants": implants,
        "findings": post.get("findings", ""),
        "events": post.get("events", ""),
    }
    if procedure == "core-decompression":
        data["drill_passes"] = post.get("drill_passes") or None
        data["graft_used"] = {"yes": True, "no": False}.get(graft)
        data["graft_product"] = post.get("graft_product", "")
        data["implants"] = []
    return OperationNoteIn.model_validate(data)


@page
def note_view(request: HttpRequest, episode_id: uuid.UUID) -> HttpResponse:
    def act(episode: Episode, user: User) -> str:
        body = _note_input(request.POST, episode.procedure)
        chosen = request.POST.get("surgeon", "")
        surgeon = selectors.surgeon_named(chosen) if chosen else user
        notes.write_note(episode=episode, note=body, surgeon=surgeon, by=user, via=Via.WEB)
        return "Operation note saved as a draft. Sign it when it is complete."

    return _act(request, episode_id, act)


@page
def sign_view(request: HttpRequest, episode_id: uuid.UUID) -> HttpResponse:
    def act(episode: Episode, user: User) -> str:
        raw = request.POST.get("offload_days", "")
        try:
            days = int(raw) if raw else None
        except ValueError:
            raise InvalidInput("invalid", "give the number of days", "offload_days") from None
        notes.sign_note(episode=episode, by=user, via=Via.WEB, offload_days=days)
        return "Operation note signed. The recovery plan is ready."

    return _act(request, episode_id, act)


@page
def addendum_view(request: HttpRequest, episode_id: uuid.UUID) -> HttpResponse:
    def act(episode: Episode, user: User) -> str:
        notes.add_addendum(episode=episode, text=request.POST.get("text", ""), by=user, via=Via.WEB)
        return "Addendum added."

    return _act(request, episode_id, act)


@page
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
            }
        )
        recovery.record_discharge(episode=episode, entry=entry, by=user, via=Via.WEB)
        return "Discharge recorded."

    return _act(request, episode_id, act)


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


@page
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

    return _act(request, episode_id, act)


@page
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

    return _act(request, episode_id, act)


@page
def plan_pdf(request: HttpRequest, episode_id: uuid.UUID) -> HttpResponse:
    return plan_pdf_response(_episode(request, episode_id), _user(request))


@page
def plan_ics(request: HttpRequest, episode_id: uuid.UUID) -> HttpResponse:
    try:
        return calendar_response(_episode(request, episode_id), _user(request), via=Via.WEB)
    except CoxaError as error:
        messages.error(request, error.message)
        return redirect("surgery:operation", episode_id=episode_id)


@page
def worklist_page(request: HttpRequest) -> HttpResponse:
    lists = worklist.lists(_user(request), today=clock.today())
    return render(request, "surgery/worklist.html", {"lists": lists, "today": clock.today()})
