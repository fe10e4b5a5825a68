"""The recovery plan as documents.

An iCalendar file (RFC 5545, one all-day event per date) and a printable PDF.
"""

import datetime as dt
import uuid

from django.http import HttpResponse
from django.template.loader import render_to_string
from icalendar import Calendar, Event

from coxa.accounts.models import User
from coxa.core import audit, clock
from coxa.core.errors import ErrorCode, NotFound
from coxa.pathways.models import Episode
from coxa.surgery import selectors
from coxa.surgery.domain.plan import Plan

ONE_DAY = dt.timedelta(days=1)


def _event(uid: str, summary: str, start: dt.date, end: dt.date, stamp: dt.datetime) -> Event:
    event = Event()
    event.add("uid", uid)
    event.add("dtstamp", stamp)
    event.add("summary", summary)
    event.add("dtstart", start)
    event.add("dtend", end)  # exclusive, as all-day events are
    event.add("transp", "TRANSPARENT")
    return event


def plan_calendar(plan: Plan, *, episode_id: uuid.UUID, side: str, stamp: dt.datetime) -> bytes:
    """Every date of the plan; UIDs stay the same when the plan moves, so calendars update."""
    calendar = Calendar()
    calendar.add("prodid", "-//Coxa//Recovery plan//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", f"Recovery plan: {side} hip")
    base = f"{episode_id}"
    calendar.add_component(
        _event(
            f"{base}-operation@coxa",
            f"Operation on your {side} hip",
            plan.operation_on,
            plan.operation_on + ONE_DAY,
            stamp,
        )
    )
    for phase in plan.phases:
        if not phase.settled:
            continue  # its end is chosen when the note is signed: no date is promised yet
        calendar.add_component(
            _event(
                f"{base}-phase-{phase.code}@coxa",
                f"{phase.title} ({phase.walking_aid}; weight bearing {phase.weight_bearing})",
                phase.starts_on,
                phase.ends_on,
                stamp,
            )
        )
    for appointment in plan.appointments:
        calendar.add_component(
            _event(
                f"{base}-{appointment.key.replace('@', '-day-')}@coxa",
                appointment.title,
                appointment.due_on,
                appointment.due_on + ONE_DAY,
                stamp,
            )
        )
    return bytes(calendar.to_ical())


def calendar_response(episode: Episode, user: User, *, via: audit.Via) -> HttpResponse:
    """The plan's calendar file as a download, audited."""
    found = selectors.plan_of(episode)
    if found is None:
        raise NotFound(ErrorCode.NO_PLAN, "no operation date yet, so no recovery plan")
    body = plan_calendar(
        found[0], episode_id=episode.public_id, side=episode.side, stamp=clock.now()
    )
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="recovery-plan-{episode.side}-hip.ics"'
    audit.record(
        actor=user,
        action="recovery-plan.calendar",
        object_type="episode",
        object_id=episode.public_id,
        patient_id=episode.patient.public_id,
        summary="Recovery plan as a calendar file",
        via=via,
    )
    return response


def plan_pdf_response(episode: Episode, user: User) -> HttpResponse:
    from weasyprint import HTML  # noqa: PLC0415 - heavy; loaded only when a PDF is asked for

    html = render_to_string("surgery/plan_print.html", selectors.operation_context(episode))
    response = HttpResponse(HTML(string=html).write_pdf(), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="recovery-plan-{episode.side}-hip.pdf"'
    audit.record(
        actor=user,
        action="recovery-plan.pdf",
        object_type="episode",
        object_id=episode.public_id,
        patient_id=episode.patient.public_id,
        summary="Recovery plan produced as PDF",
    )
    return response
