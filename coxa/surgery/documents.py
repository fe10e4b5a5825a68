"""The recovery plan as documents, for surgery's pages, the API and the portal.

An iCalendar file (RFC 5545, one all-day event per date) and a printable PDF, built from the
typed plan ``selectors.access_plan`` returns (and records).
"""

import datetime as dt
import uuid
from typing import TYPE_CHECKING

from django.http import HttpResponse
from django.template.loader import render_to_string

from coxa.core import clock
from coxa.core.errors import ErrorCode, NotFound
from coxa.core.pdf import pdf_from_html
from coxa.surgery.domain.plan import Plan
from coxa.surgery.selectors import PatientPlan

# icalendar is loaded when a calendar is asked for, not with the pages (issue 20).
if TYPE_CHECKING:
    from icalendar import Event

ONE_DAY = dt.timedelta(days=1)
# How much weight on the leg, in the words the plan uses (surgery/shared/plan.html).
WEIGHT_ON_THE_LEG = {
    "offloaded": "keep weight off it",
    "partial": "partial weight",
    "as-advised": "as your physiotherapist advises",
    "full": "full weight",
}


def _event(
    uid: str,
    summary: str,
    start: dt.date,
    end: dt.date,
    stamp: dt.datetime,
    description: str = "",
) -> "Event":
    from icalendar import Event  # noqa: PLC0415

    event = Event()
    event.add("uid", uid)
    event.add("dtstamp", stamp)
    event.add("summary", summary)
    if description:
        event.add("description", description)
    event.add("dtstart", start)
    event.add("dtend", end)  # exclusive, as all-day events are
    event.add("transp", "TRANSPARENT")
    return event


def plan_calendar(plan: Plan, *, episode_id: uuid.UUID, side: str, stamp: dt.datetime) -> bytes:
    """Every date of the plan; UIDs stay the same when the plan moves, so calendars update."""
    from icalendar import Calendar  # noqa: PLC0415

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
                f"{phase.title} ({phase.walking_aid}; weight on the leg: "
                f"{WEIGHT_ON_THE_LEG.get(phase.weight_bearing, phase.weight_bearing)})",
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
                # why it is not on its day count: "Day 14 fell on Sunday 27 December; ..."
                appointment.moved_because[:1].upper() + appointment.moved_because[1:] + "."
                if appointment.moved
                else "",
            )
        )
    return bytes(calendar.to_ical())


def calendar_response(shown: PatientPlan) -> HttpResponse:
    """The plan's calendar file as a download (``selectors.access_plan`` records the copy)."""
    episode = shown.episode
    if shown.plan is None:
        raise NotFound(ErrorCode.NO_PLAN, "no operation date yet, so no recovery plan")
    body = plan_calendar(
        shown.plan, episode_id=episode.public_id, side=episode.side, stamp=clock.now()
    )
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="recovery-plan-{episode.side}-hip.ics"'
    return response


def plan_pdf_response(shown: PatientPlan) -> HttpResponse:
    """The printable plan (``selectors.access_plan`` records the copy)."""
    html = render_to_string("surgery/plan_print.html", {"shown": shown})
    response = HttpResponse(pdf_from_html(html), content_type="application/pdf")
    response["Content-Disposition"] = (
        f'inline; filename="recovery-plan-{shown.episode.side}-hip.pdf"'
    )
    return response
