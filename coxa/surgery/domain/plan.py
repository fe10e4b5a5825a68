"""The recovery plan: the catalogue's protocol laid out on the calendar. Pure.

Day 0 is the operation day. Each weight-bearing phase starts where the one before it ends;
where the catalogue gives a range for a phase's end (core decompression: offload for 4 to 8
weeks), the surgeon chooses within it when signing the note (a longer time only with a
reason; the projection before signing starts from the range's lower end). Appointments fall
on their catalogue day, or on the next working day when that is a weekend or a day the
service is closed (``workdays``; phases are clinical day counts and never move). Staff may
move a phase's end or an appointment (with a reason, recorded by the service); the rules
below keep the result possible: phases in order and touching, nothing before the operation.

A signed plan is generated from the protocol copied at signing (``RecoveryProtocol``), never
from today's catalogue, so a catalogue change cannot move a patient's dates.
"""

import dataclasses
import datetime as dt
import json
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from coxa.catalogue.schema import Appointment as CatalogueAppointment
from coxa.catalogue.schema import Recovery
from coxa.core.errors import ErrorCode, InvalidInput, Problem
from coxa.surgery.domain.workdays import Moved, WorkingDays, working_day

# A phase ended after the catalogue's range (with a reason) still ends within this many days:
# a plausibility bound, not a clinical threshold.
LONGEST_PHASE_DAYS = 365
# An appointment moves at most this many days from its catalogue day (service policy, a
# plausibility bound: a wound check in 2040 is a typing error).
APPOINTMENT_MOVE_DAYS = 180


class HasRecovery(Protocol):
    """A catalogue procedure, or the protocol a signed plan froze."""

    @property
    def title(self) -> str: ...

    @property
    def recovery(self) -> Recovery: ...


@dataclass(frozen=True)
class RecoveryProtocol:
    """The procedure's recovery section as it stood when the note was signed."""

    title: str
    recovery: Recovery

    @classmethod
    def of(cls, procedure: HasRecovery) -> "RecoveryProtocol":
        return cls(procedure.title, procedure.recovery)

    def as_json(self) -> dict[str, Any]:
        return {"title": self.title, "recovery": self.recovery.model_dump(mode="json")}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> "RecoveryProtocol":
        # Through JSON text: the catalogue's strict models take lists as tuples only there.
        recovery = Recovery.model_validate_json(json.dumps(data["recovery"]))
        return cls(str(data["title"]), recovery)


# How much weight the operated leg takes in a phase, in the words a patient reads: one text
# for the plan's table, its PDF, the portal and the public procedure pages' timeline.
WEIGHT_BEARING_WORDS: Mapping[str, str] = {
    "offloaded": "Keep your weight off the leg: the crutches take it",
    "partial": "Put some weight on the leg, as your physiotherapist shows you",
    "as-advised": "Put as much weight on the leg as your physiotherapist advises",
    "full": "You can put your full weight on the leg",
}


@dataclass(frozen=True)
class PlannedPhase:
    code: str
    title: str
    starts_on: dt.date
    ends_on: dt.date
    weight_bearing: str
    walking_aid: str
    end_day_min: int  # the catalogue's range for this phase's end, in days after the operation
    end_day_max: int
    earliest_end: dt.date  # the range's dates
    latest_end: dt.date
    # False while the surgeon has still to choose where in the range it ends (before the
    # note is signed), and for any phase after such a one: its dates are not yet true.
    settled: bool = True

    @property
    def weight_words(self) -> str:
        """How much weight the leg takes, in words (``WEIGHT_BEARING_WORDS``)."""
        return WEIGHT_BEARING_WORDS[self.weight_bearing]


@dataclass(frozen=True)
class PlannedAppointment:
    key: str  # kind and catalogue day, unique within the plan: "physiotherapy-review@14"
    kind: str
    title: str
    due_on: dt.date  # a working day (plans laid out with a calendar)
    day: int = 0  # the plan's day count: days after the operation (catalogue's, or moved to)
    moved: Moved | None = None  # when the day count fell on a day the service does not work

    @property
    def moved_because(self) -> str:
        """'day 14 fell on Sunday 27 December; moved to the next working day' (or '')."""
        return self.moved.text if self.moved else ""


@dataclass(frozen=True)
class Plan:
    operation_on: dt.date
    phases: tuple[PlannedPhase, ...]
    appointments: tuple[PlannedAppointment, ...]
    pain_relief: str
    exercise: str
    # The working days its appointments keep to; None for a plan stored before the rule.
    calendar: WorkingDays | None = None

    def shifted(self, days: int) -> "Plan":
        """The same plan moved by ``days`` (the operation re-dated before surgery).

        Phases move by ``days``; each appointment keeps its day count and falls again on the
        next working day from there.
        """
        step = dt.timedelta(days=days)
        operation_on = self.operation_on + step
        return Plan(
            operation_on,
            tuple(
                dataclasses.replace(
                    p,
                    starts_on=p.starts_on + step,
                    ends_on=p.ends_on + step,
                    earliest_end=p.earliest_end + step,
                    latest_end=p.latest_end + step,
                )
                for p in self.phases
            ),
            tuple(
                sorted(
                    (
                        _appointment(a.key, a.kind, a.title, operation_on, a.day, self.calendar)
                        for a in self.appointments
                    ),
                    key=lambda a: (a.due_on, a.key),
                )
            ),
            self.pain_relief,
            self.exercise,
            self.calendar,
        )

    def dates(self) -> dict[str, dt.date]:
        """Every date by a stable name in words, to say what moved between two plans.

        The names are shown to people (a plan's changes): "Walking with crutches ends",
        "Wound check (day 12)", the day being the catalogue's, which names the appointment.
        """
        named = {"The operation": self.operation_on}
        for p in self.phases:
            named[f"{p.title} starts"] = p.starts_on
            named[f"{p.title} ends"] = p.ends_on
        for a in self.appointments:
            named[f"{a.title} (day {a.key.rsplit('@', 1)[-1]})"] = a.due_on
        return named


def _appointment(
    key: str, kind: str, title: str, operation_on: dt.date, day: int, calendar: WorkingDays | None
) -> PlannedAppointment:
    due_on, moved = working_day(operation_on + dt.timedelta(days=day), day, calendar)
    return PlannedAppointment(key, kind, title, due_on, day, moved)


def _day_problems(key: str, appointment: CatalogueAppointment, day: int) -> list[Problem]:
    """What is wrong with the day asked for an appointment: too late, or not after the day."""
    found = []
    if day > appointment.day + APPOINTMENT_MOVE_DAYS:
        found.append(
            Problem(
                ErrorCode.APPOINTMENT_TOO_LATE,
                f"{appointment.title} moves at most {APPOINTMENT_MOVE_DAYS} days from day "
                f"{appointment.day}, not to day {day}",
                f"appointments.{key}",
            )
        )
    if day < 1:
        found.append(
            Problem(
                ErrorCode.APPOINTMENT_BEFORE_OPERATION,
                f"{appointment.title} must fall after the operation day",
                f"appointments.{key}",
            )
        )
    return found


def _landed_too_late(
    key: str,
    appointment: CatalogueAppointment,
    planned: PlannedAppointment,
    operation_on: dt.date,
) -> Problem | None:
    """A refusal when a closed day pushes the appointment past the latest day it may move to.

    The limit holds for the day it lands on, not only the day asked for.
    """
    latest = appointment.day + APPOINTMENT_MOVE_DAYS
    if planned.moved is None or (planned.due_on - operation_on).days <= latest:
        return None
    return Problem(
        ErrorCode.APPOINTMENT_TOO_LATE,
        f"{appointment.title} on day {planned.day} falls on {planned.moved.why}, and the next "
        f"working day is past day {latest}, the latest it may move to: choose an earlier day",
        f"appointments.{key}",
    )


def generate(
    procedure: HasRecovery,
    operation_on: dt.date,
    *,
    phase_end_days: Mapping[str, int] | None = None,
    appointment_days: Mapping[str, int] | None = None,
    extended: Collection[str] = (),
    calendar: WorkingDays | None = None,
) -> Plan:
    """Lay the protocol out from ``operation_on``.

    With a ``calendar``, an appointment whose day falls when the service does not work moves
    to the next working day and says so (``PlannedAppointment.moved``); phases never move.

    ``phase_end_days`` chooses a phase's end (days after the operation) within the
    catalogue's range, or later for the phases in ``extended`` (chosen with a reason, up to
    LONGEST_PHASE_DAYS); ``appointment_days`` moves an appointment (by key) to another day
    after the operation. Impossible choices raise InvalidInput naming the phase or key.
    """
    chosen = dict(phase_end_days or {})
    moved = dict(appointment_days or {})
    problems: list[Problem] = []
    codes = {p.code for p in procedure.recovery.phases}
    problems += [
        Problem(ErrorCode.UNKNOWN_PHASE, f"{procedure.title} has no phase {code!r}", "phase")
        for code in chosen
        if code not in codes
    ]
    phases: list[PlannedPhase] = []
    start_day = 0
    settled = True
    for phase in procedure.recovery.phases:
        settled = settled and (phase.code in chosen or phase.end_day_min == phase.end_day_max)
        end_day = chosen.get(phase.code, phase.end_day_min)
        longest = LONGEST_PHASE_DAYS if phase.code in extended else phase.end_day_max
        if not phase.end_day_min <= end_day <= longest:
            problems.append(
                Problem(
                    ErrorCode.PHASE_OUT_OF_RANGE,
                    f"{phase.title} ends between day {phase.end_day_min} and day "
                    f"{longest} after the operation, not day {end_day}"
                    + ("" if phase.code in extended else "; a longer time needs a reason"),
                    f"phases.{phase.code}",
                )
            )
        if end_day <= start_day:
            problems.append(
                Problem(
                    ErrorCode.PHASE_ORDER,
                    f"{phase.title} must end after it starts (day {start_day}); each phase "
                    "starts when the one before it ends",
                    f"phases.{phase.code}",
                )
            )
        if problems:  # refused below: lay out no date from a day that may be far off
            start_day = end_day
            continue
        phases.append(
            PlannedPhase(
                phase.code,
                phase.title,
                operation_on + dt.timedelta(days=start_day),
                operation_on + dt.timedelta(days=end_day),
                phase.weight_bearing,
                phase.walking_aid,
                phase.end_day_min,
                phase.end_day_max,
                operation_on + dt.timedelta(days=phase.end_day_min),
                operation_on + dt.timedelta(days=phase.end_day_max),
                settled,
            )
        )
        start_day = end_day
    keys = [f"{a.kind}@{a.day}" for a in procedure.recovery.appointments]
    problems += [
        Problem(
            ErrorCode.UNKNOWN_APPOINTMENT, f"the plan has no appointment {key!r}", "appointment"
        )
        for key in moved
        if key not in keys
    ]
    appointments = []
    for key, appointment in zip(keys, procedure.recovery.appointments, strict=True):
        day = moved.get(key, appointment.day)
        problems += _day_problems(key, appointment, day)
        if problems:  # refused below: lay out no date from a day that may be far off
            continue
        planned = _appointment(
            key, appointment.kind, appointment.title, operation_on, day, calendar
        )
        late = _landed_too_late(key, appointment, planned, operation_on)
        if late is not None:
            problems.append(late)
            continue
        appointments.append(planned)
    if problems:
        raise InvalidInput.of(problems)
    return Plan(
        operation_on,
        tuple(phases),
        tuple(sorted(appointments, key=lambda a: (a.due_on, a.key))),
        procedure.recovery.pain_relief.text,
        procedure.recovery.exercise.text,
        calendar,
    )


def moved(before: Plan, after: Plan) -> list[tuple[str, dt.date, dt.date]]:
    """(what, from, to) for every date that differs between two plans."""
    old, new = before.dates(), after.dates()
    return [(name, old[name], new[name]) for name in old if name in new and old[name] != new[name]]
