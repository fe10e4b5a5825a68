"""The recovery plan as an iCalendar file (RFC 5545), one all-day event per date."""

import datetime as dt
import uuid

from icalendar import Calendar, Event

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
