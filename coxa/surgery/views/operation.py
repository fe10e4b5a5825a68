"""Booking, the operation note (draft, sign, second confirmation) and addenda."""

import datetime as dt
import uuid
from typing import Any

from django.http import HttpRequest, HttpResponse

from coxa.accounts.access import page
from coxa.accounts.models import User
from coxa.accounts.permissions import Op
from coxa.core import audit
from coxa.core.audit import Via
from coxa.core.errors import ErrorCode, InvalidInput
from coxa.pathways.models import Episode
from coxa.surgery import selectors
from coxa.surgery.domain.notes import OperationNoteIn
from coxa.surgery.services import notes
from coxa.surgery.services.schedule import schedule
from coxa.surgery.views.page import (
    IMPLANT_FIELDS,
    act_on,
    episode_of,
    render_page,
    row_names,
)


@page(Op.PAGE_OPERATION)
def operation(request: HttpRequest, episode_id: uuid.UUID) -> HttpResponse:
    return render_page(request, episode_of(request, episode_id))


@page(Op.PAGE_SCHEDULE)
def schedule_view(request: HttpRequest, episode_id: uuid.UUID) -> HttpResponse:
    def act(episode: Episode, user: User) -> str:
        post = request.POST
        try:
            on = dt.date.fromisoformat(post.get("operation_date", ""))
        except ValueError:
            raise InvalidInput(
                ErrorCode.INVALID_VALUE, "give the operation date", "operation_date"
            ) from None
        done = schedule(
            episode=episode,
            operation_on=on,
            surgeon=selectors.surgeon_named(post.get("surgeon", "")),
            theatre_list=post.get("theatre_list", ""),
            by=user,
            via=Via.WEB,
            reason=post.get("reason", ""),
            late_stops_reason=post.get("late_stops_reason", ""),
        )
        moved = "; ".join(f"{m.what} {_day(m.before)} → {_day(m.after)}" for m in done.moved)
        return f"Operation booked for {on:%d %b %Y}." + (f" Moved: {moved}." if moved else "")

    return act_on(request, episode_id, act)


def _day(day: dt.date | None) -> str:
    return f"{day:%-d %b %Y}" if day else "none"


def _note_input(post: Any, procedure: str) -> OperationNoteIn:
    implants = []
    for row in row_names(procedure):
        prefix = f"implant-{row}-"
        values = {k: post.get(prefix + k, "").strip() for k in IMPLANT_FIELDS}
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
        "date_change_reason": post.get("date_change_reason", ""),
    }
    if procedure == "core-decompression":
        data["drill_passes"] = post.get("drill_passes") or None
        data["graft_used"] = {"yes": True, "no": False}.get(graft)
        data["graft_product"] = post.get("graft_product", "")
        data["implants"] = []
    return OperationNoteIn.model_validate(data)


def _offload(post: Any) -> int | None:
    raw = post.get("offload_days", "").strip()
    try:
        return int(raw) if raw else None
    except ValueError:
        raise InvalidInput(
            ErrorCode.INVALID_VALUE, "give the number of days", "offload_days"
        ) from None


@page(Op.PAGE_NOTE)
def note_view(request: HttpRequest, episode_id: uuid.UUID) -> HttpResponse:
    """Save the draft as it is on screen; with "Save and sign", sign exactly that draft.

    Both happen in one transaction: a refused signature keeps nothing, and the page shows
    what was entered with every problem.
    """

    def act(episode: Episode, user: User) -> str:
        post = request.POST
        body = _note_input(post, episode.procedure)
        chosen = post.get("surgeon", "")
        surgeon = selectors.surgeon_named(chosen) if chosen else user
        with audit.atomic():  # the records of both, appended once both are done
            written = notes.write_note(
                episode=episode, note=body, surgeon=surgeon, by=user, via=Via.WEB
            )
            if post.get("intent") != "sign":
                return "Operation note saved as a draft. Sign it when it is complete."
            notes.sign_note(
                episode=episode,
                by=user,
                via=Via.WEB,
                draft=written.draft_hash,
                offload_days=_offload(post),
                offload_reason=post.get("offload_reason", ""),
            )
        return "Operation note signed. The recovery plan is ready."

    return act_on(request, episode_id, act)


@page(Op.PAGE_CONFIRM)
def confirm_view(request: HttpRequest, episode_id: uuid.UUID) -> HttpResponse:
    """A second clinician confirms the restricted implant sizes of the draft shown."""

    def act(episode: Episode, user: User) -> str:
        notes.confirm_override(
            episode=episode, draft=request.POST.get("draft", ""), by=user, via=Via.WEB
        )
        return "Restricted implant size confirmed for this draft."

    return act_on(request, episode_id, act)


@page(Op.PAGE_NOTE)
def addendum_view(request: HttpRequest, episode_id: uuid.UUID) -> HttpResponse:
    def act(episode: Episode, user: User) -> str:
        notes.add_addendum(episode=episode, text=request.POST.get("text", ""), by=user, via=Via.WEB)
        return "Addendum added."

    return act_on(request, episode_id, act)
