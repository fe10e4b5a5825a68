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
from coxa.core.forms import PageForm, submit
from coxa.pathways.models import Episode
from coxa.surgery import selectors
from coxa.surgery.forms import NoteForm
from coxa.surgery.services import addenda, notes
from coxa.surgery.services.schedule import schedule
from coxa.surgery.views.page import act_on, episode_of, render_page


@page(Op.PAGE_OPERATION)
def operation(request: HttpRequest, episode_id: uuid.UUID) -> HttpResponse:
    return render_page(request, episode_of(request, episode_id))


@page(Op.PAGE_SCHEDULE)
def schedule_view(request: HttpRequest, episode_id: uuid.UUID) -> HttpResponse:
    def act(episode: Episode, user: User, form: PageForm) -> str | None:
        def book(data: dict[str, Any]) -> str:
            on: dt.date = data["operation_date"]
            done = schedule(
                episode=episode,
                operation_on=on,
                surgeon=selectors.surgeon_named(data["surgeon"]),
                theatre_list=data["theatre_list"],
                by=user,
                via=Via.WEB,
                reason=data["reason"],
                late_stops_reason=data["late_stops_reason"],
                starts_at=data["start_time"],
            )
            moved = "; ".join(f"{m.what} {_day(m.before)} → {_day(m.after)}" for m in done.moved)
            return f"Operation booked for {on:%d %b %Y}." + (f" Moved: {moved}." if moved else "")

        return submit(form, lambda data: data, book)

    return act_on(request, episode_id, "schedule", act)


def _day(day: dt.date | None) -> str:
    return f"{day:%-d %b %Y}" if day else "none"


@page(Op.PAGE_NOTE)
def note_view(request: HttpRequest, episode_id: uuid.UUID) -> HttpResponse:
    """Save the draft as it is on screen; with "Save and sign", sign exactly that draft.

    Both happen in one transaction: a refused signature keeps nothing, and the page shows
    what was entered with every problem.
    """

    def act(episode: Episode, user: User, form: PageForm) -> str | None:
        assert isinstance(form, NoteForm)  # noqa: S101 - the page's "note" form
        signing = request.POST.get("intent") == "sign"

        def write(body: Any) -> str:
            chosen = form.cleaned_data["surgeon"]
            surgeon = selectors.surgeon_named(chosen) if chosen else user
            with audit.atomic():  # the records of both, appended once both are done
                written = notes.write_note(
                    episode=episode, note=body, surgeon=surgeon, by=user, via=Via.WEB
                )
                if not signing:
                    return "Operation note saved as a draft. Sign it when it is complete."
                notes.sign_note(
                    episode=episode,
                    by=user,
                    via=Via.WEB,
                    draft=written.draft_hash,
                    offload_days=form.cleaned_data.get("offload_days"),
                    offload_reason=form.cleaned_data.get("offload_reason", ""),
                )
            return "Operation note signed. The recovery plan is ready."

        return submit(form, form.note_input, write)

    return act_on(request, episode_id, "note", act)


@page(Op.PAGE_CONFIRM)
def confirm_view(request: HttpRequest, episode_id: uuid.UUID) -> HttpResponse:
    """A second clinician confirms the restricted implant sizes of the draft shown."""

    def act(episode: Episode, user: User, form: PageForm) -> str | None:
        def confirm(data: dict[str, Any]) -> str:
            notes.confirm_override(episode=episode, draft=data["draft"], by=user, via=Via.WEB)
            return "Restricted implant size confirmed for this draft."

        return submit(form, lambda data: data, confirm)

    return act_on(request, episode_id, "confirm", act)


@page(Op.PAGE_NOTE)
def addendum_view(request: HttpRequest, episode_id: uuid.UUID) -> HttpResponse:
    def act(episode: Episode, user: User, form: PageForm) -> str | None:
        def add(data: dict[str, Any]) -> str:
            addenda.add_addendum(episode=episode, text=data["text"], by=user, via=Via.WEB)
            return "Addendum added."

        return submit(form, lambda data: data, add)

    return act_on(request, episode_id, "addendum", act)
