"""A hip's follow-up schedule: its dated points, which point a day answers, and what is next.

Pure. The schedule is the procedure's (catalogue ``follow_up``, versioned; sources beside
each point there): a baseline before the operation, fixed points counted in days from the
operation (day 0), then a point every year (year-N on the operation's date N years on; a
29 February operation's anniversaries fall on 28 February in other years).

What is done is a list of ``Done`` items (a questionnaire answered, a clinic review held),
each against its point. Walking the points in order, each is completed, missed (its window
closed with something still to do), or the next item: nothing is skipped without being
marked missed (ADR 0022, hazard H62). A day matches at most one point, because the
catalogue refuses windows that overlap; a day after the operation in no window matches
none, and a day on or before the operation day is the baseline's (as the scoring's
``baseline_index`` reads it; hazard H63).
"""

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from enum import StrEnum

from coxa.catalogue.schema_followup import BASELINE, REPEAT_PREFIX, FollowUpSchedule
from coxa.pathways.domain import EpisodeState

CLINIC_REVIEW = "clinic-review"  # what a Done item names for a review held (not a questionnaire)
_S = EpisodeState
# The states in which a hip is followed: from listing (the baseline) through follow-up.
FOLLOWED = frozenset(
    {_S.LISTED, _S.OPTIMISING, _S.READY, _S.SCHEDULED, _S.OPERATED, _S.RECOVERING, _S.FOLLOW_UP}
)


class Status(StrEnum):
    UPCOMING = "upcoming"  # its window has not opened
    DUE = "due"  # the window is open, up to the due day (the baseline: until the operation)
    OVERDUE = "overdue"  # past the due day, the window still open
    MISSED = "missed"  # the window closed with something still to do
    LOST = "lost"  # no contact for the service's configured time while follow-up was due

    @property
    def label(self) -> str:
        return {
            Status.UPCOMING: "Upcoming",
            Status.DUE: "Due",
            Status.OVERDUE: "Overdue",
            Status.MISSED: "Missed",
            Status.LOST: "Lost to follow-up",
        }[self]


@dataclass(frozen=True)
class Hip:
    """What the schedule is dated from: listing (the baseline opens) and the operation."""

    listed_on: dt.date | None
    operation_on: dt.date | None  # planned until ``operated``; the operation's day after
    operated: bool

    @property
    def operated_on(self) -> dt.date | None:
        return self.operation_on if self.operated else None


@dataclass(frozen=True)
class Slot:
    """One point of one hip, dated: its window runs from ``opens_on`` to ``closes_on``."""

    code: str
    title: str
    due_on: dt.date
    opens_on: dt.date | None  # None: open already (a baseline with no listing day)
    closes_on: dt.date | None  # None: not closing yet (a baseline with no operation day)
    questionnaires: tuple[str, ...]
    clinic_review: bool

    def holds(self, day: dt.date) -> bool:
        return (self.opens_on is None or self.opens_on <= day) and (
            self.closes_on is None or day <= self.closes_on
        )

    def wanted(self) -> set[str]:
        return set(self.questionnaires) | ({CLINIC_REVIEW} if self.clinic_review else set())


@dataclass(frozen=True)
class Done:
    point: str
    what: str  # an instrument code, or CLINIC_REVIEW
    on: dt.date


@dataclass(frozen=True)
class Next:
    """The next item: its point, what is still to do there, and how it stands today."""

    slot: Slot
    questionnaires: tuple[str, ...]  # still to answer, in the schedule's order
    clinic_review: bool  # a review is still to be held
    status: Status


@dataclass(frozen=True)
class Standing:
    next: Next | None  # None: nothing more (the schedule ended, or waiting for the operation)
    completed: tuple[str, ...]
    missed: tuple[str, ...]
    finished: bool  # every point of the schedule is behind (completed or missed)
    last_contact_on: dt.date | None
    lost_on: dt.date | None  # from this day the hip counts as lost (None: it cannot be yet)

    def lost(self, today: dt.date) -> bool:
        return self.lost_on is not None and self.lost_on <= today

    def status(self, today: dt.date) -> Status | None:
        """The hip's status today: lost first, else the next item's."""
        if self.lost(today):
            return Status.LOST
        return self.next.status if self.next is not None else None


def add_years(day: dt.date, years: int) -> dt.date:
    """The same date ``years`` on; 29 February becomes 28 February in a common year."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def slots(schedule: FollowUpSchedule, hip: Hip) -> Iterator[Slot]:
    """The hip's points in order: the baseline, then (once operated) the points after.

    A lifelong repeat never ends: read lazily.
    """
    base = schedule.baseline
    yield Slot(
        BASELINE,
        base.title,
        due_on=hip.operation_on or hip.listed_on or dt.date.min,
        opens_on=hip.listed_on,
        closes_on=hip.operation_on if hip.operated else None,
        questionnaires=base.questionnaires,
        clinic_review=base.clinic_review,
    )
    day0 = hip.operated_on
    if day0 is None:
        return
    for point in schedule.points:
        yield Slot(
            point.code,
            point.title,
            due_on=day0 + dt.timedelta(days=point.day),
            opens_on=day0 + dt.timedelta(days=point.opens_day),
            closes_on=day0 + dt.timedelta(days=point.closes_day),
            questionnaires=point.questionnaires,
            clinic_review=point.clinic_review,
        )
    repeat = schedule.repeat
    if repeat is None:
        return
    year = repeat.from_year
    while repeat.until_year is None or year <= repeat.until_year:
        due = add_years(day0, year)
        yield Slot(
            f"{REPEAT_PREFIX}{year}",
            f"Year {year}",
            due_on=due,
            opens_on=due - dt.timedelta(days=repeat.window_before_days),
            closes_on=due + dt.timedelta(days=repeat.window_after_days),
            questionnaires=repeat.questionnaires,
            clinic_review=repeat.clinic_review,
        )
        year += 1


def slot_of(schedule: FollowUpSchedule, hip: Hip, code: str) -> Slot | None:
    """The hip's point with this code, dated; None when the schedule has none (yet)."""
    for slot in slots(schedule, hip):
        if slot.code == code:
            return slot
        if slot.code.startswith(REPEAT_PREFIX):
            if not code.startswith(REPEAT_PREFIX):
                return None  # a fixed point's code the schedule does not have
            number = code.removeprefix(REPEAT_PREFIX)
            if not number.isdigit() or int(number) < int(slot.code.removeprefix(REPEAT_PREFIX)):
                return None
    return None


def point_for(schedule: FollowUpSchedule, hip: Hip, day: dt.date) -> str | None:
    """The point a day answers; None when the day is in no point's window.

    The baseline on or before the operation day (or while there is no operation), else the
    one point whose window holds the day.
    """
    day0 = hip.operated_on
    if hip.listed_on is not None and day < hip.listed_on:
        return None  # before the hip was listed: too early to be its baseline (H63)
    if day0 is None or day <= day0:
        return BASELINE
    for slot in slots(schedule, hip):
        if slot.code != BASELINE and slot.holds(day):
            return slot.code
        if slot.opens_on is not None and slot.opens_on > day:
            return None
    return None


def fits(schedule: FollowUpSchedule, hip: Hip, code: str, day: dt.date) -> bool:
    """Whether a day may be counted against the named point (the day is in its window)."""
    if code == BASELINE:
        return point_for(schedule, hip, day) == BASELINE
    slot = slot_of(schedule, hip, code)
    return slot is not None and slot.holds(day)


def _status(slot: Slot, today: dt.date) -> Status:
    if slot.opens_on is not None and today < slot.opens_on:
        return Status.UPCOMING
    if slot.code == BASELINE or today <= slot.due_on:
        return Status.DUE
    return Status.OVERDUE


def standing(
    schedule: FollowUpSchedule,
    hip: Hip,
    done: Iterable[Done],
    today: dt.date,
    *,
    lost_after_days: int,
    not_asked: frozenset[str] = frozenset(),
) -> Standing:
    """Where the hip stands today: the next item, what is completed and what was missed.

    ``lost_after_days``: an operated hip with no contact (a questionnaire, a review, or the
    operation itself) for this long, while something was due, is lost to follow-up.
    ``not_asked``: questionnaires the service cannot ask (a licensed one whose wording it has
    not loaded): never due, so a point is complete without them.
    """
    done = list(done)
    by_point: dict[str, set[str]] = {}
    for item in done:
        by_point.setdefault(item.point, set()).add(item.what)
    completed: list[str] = []
    missed: list[tuple[str, dt.date]] = []
    found: Next | None = None
    for slot in slots(schedule, hip):
        left = slot.wanted() - not_asked - by_point.get(slot.code, set())
        if not left:
            completed.append(slot.code)
        elif slot.closes_on is not None and slot.closes_on < today:
            missed.append((slot.code, slot.closes_on))
        else:
            found = Next(
                slot,
                questionnaires=tuple(q for q in slot.questionnaires if q in left),
                clinic_review=CLINIC_REVIEW in left,
                status=_status(slot, today),
            )
            break
    contacts = [d.on for d in done] + [d for d in (hip.operated_on, hip.listed_on) if d]
    last = max(contacts, default=None)
    lost_on = None
    if hip.operated_on is not None and last is not None:
        missed_since = [closed for _, closed in missed if closed > last]
        if missed_since or found is not None:
            lost_on = last + dt.timedelta(days=lost_after_days)
            if not missed_since and found is not None and found.slot.closes_on is not None:
                # Nothing missed yet: lost no sooner than the next point's window closes.
                lost_on = max(lost_on, found.slot.closes_on + dt.timedelta(days=1))
    return Standing(
        next=found,
        completed=tuple(completed),
        missed=tuple(code for code, _ in missed),
        finished=found is None and hip.operated_on is not None,
        last_contact_on=last,
        lost_on=lost_on,
    )
