"""The follow-up schedule (pure): each window's first and last day, the operation day, leap
days, the next item's status, lost to follow-up, and a property: a followed hip never loses
a due follow-up (hazards H62, H63)."""

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from coxa.catalogue.loader import load_catalogue, packaged_data
from coxa.outcomes.domain.schedule import (
    CLINIC_REVIEW,
    Done,
    Hip,
    Status,
    add_years,
    fits,
    point_for,
    slot_of,
    slots,
    standing,
)

CATALOGUE = load_catalogue(packaged_data())
THR = CATALOGUE.procedures["total-hip-replacement"].follow_up
BHR = CATALOGUE.procedures["bhr"].follow_up
CD = CATALOGUE.procedures["core-decompression"].follow_up
OP = dt.date(2026, 3, 2)
LISTED = dt.date(2025, 11, 20)
LOST_AFTER = 548
OPERATED = Hip(listed_on=LISTED, operation_on=OP, operated=True)


def day(n):
    return OP + dt.timedelta(days=n)


@pytest.mark.parametrize(
    ("offset", "point"),
    [
        (-400, None),  # long before, before the hip was listed: too early for its baseline
        ((LISTED - OP).days - 1, None),  # the day before listing
        ((LISTED - OP).days, "baseline"),  # the listing day: the baseline's window opens
        (0, "baseline"),  # the operation day itself (the morning's questionnaire)
        (1, None),
        (27, None),
        (28, "6-weeks"),  # first day of the window (day 42 - 14)
        (63, "6-weeks"),  # last day (day 42 + 21)
        (64, None),
        (153, None),
        (154, "6-months"),
        (238, "6-months"),
        (239, None),
        (309, "1-year"),
        (455, "1-year"),
        (456, None),
    ],
)
def test_a_day_matches_the_point_whose_window_holds_it(offset, point):
    assert point_for(THR, OPERATED, day(offset)) == point


def test_yearly_points_fall_on_the_anniversary_with_their_window():
    year2 = add_years(OP, 2)
    assert point_for(THR, OPERATED, year2 - dt.timedelta(days=60)) == "year-2"
    assert point_for(THR, OPERATED, year2 - dt.timedelta(days=61)) is None
    assert point_for(THR, OPERATED, year2 + dt.timedelta(days=90)) == "year-2"
    assert point_for(THR, OPERATED, year2 + dt.timedelta(days=91)) is None
    # A hip replacement's yearly questionnaires end at ten years; resurfacing's never do.
    assert point_for(THR, OPERATED, add_years(OP, 11)) is None
    assert point_for(BHR, OPERATED, add_years(OP, 40)) == "year-40"
    assert slot_of(THR, OPERATED, "year-10") is not None
    assert slot_of(THR, OPERATED, "year-11") is None
    assert slot_of(THR, OPERATED, "year-1") is None  # the 1-year point is fixed, not a repeat
    assert slot_of(BHR, OPERATED, "9-months") is None
    assert slot_of(BHR, OPERATED, "year-x") is None


def test_leap_days():
    leap = Hip(listed_on=None, operation_on=dt.date(2028, 2, 29), operated=True)
    dated = {s.code: s.due_on for s in slots(THR, leap) if s.code in ("1-year", "year-2", "year-4")}
    # One year is day 365 (2029 has no 29 February); yearly points keep the date, or the 28th.
    assert dated == {
        "1-year": dt.date(2029, 2, 28),
        "year-2": dt.date(2030, 2, 28),
        "year-4": dt.date(2032, 2, 29),
    }
    # A window counted in days crosses a 29 February as one day.
    over = Hip(listed_on=None, operation_on=dt.date(2028, 1, 31), operated=True)
    six = next(s for s in slots(THR, over) if s.code == "6-weeks")
    assert (six.opens_on, six.due_on) == (dt.date(2028, 2, 28), dt.date(2028, 3, 13))


def test_before_the_operation_only_the_baseline_is_due_and_it_closes_on_the_operation_day():
    waiting = Hip(listed_on=LISTED, operation_on=None, operated=False)
    now = standing(THR, waiting, [], LISTED, lost_after_days=LOST_AFTER)
    assert now.next is not None
    assert (now.next.slot.code, now.next.status) == ("baseline", Status.DUE)
    assert now.next.questionnaires == THR.baseline.questionnaires
    assert not now.finished
    assert now.lost_on is None
    # Answered: nothing is due until the operation (not lost, not finished).
    done = [Done("baseline", q, LISTED) for q in THR.baseline.questionnaires]
    quiet = standing(THR, waiting, done, LISTED + dt.timedelta(days=900), lost_after_days=1)
    assert (quiet.next, quiet.finished, quiet.lost_on) == (None, False, None)
    # Operated without it: the baseline is missed, never answered afterwards.
    after = standing(THR, OPERATED, [], day(1), lost_after_days=LOST_AFTER)
    assert after.missed == ("baseline",)
    assert after.next is not None
    assert after.next.slot.code == "6-weeks"
    assert fits(THR, OPERATED, "baseline", day(0))
    assert not fits(THR, OPERATED, "baseline", day(1))


@pytest.mark.parametrize(
    ("offset", "status"),
    [
        (27, Status.UPCOMING),
        (28, Status.DUE),
        (42, Status.DUE),  # the due day
        (43, Status.OVERDUE),
        (63, Status.OVERDUE),  # the window's last day
    ],
)
def test_the_next_items_status_at_each_boundary(offset, status):
    now = standing(THR, OPERATED, [], day(offset), lost_after_days=LOST_AFTER)
    assert now.next is not None
    assert (now.next.slot.code, now.next.status) == ("6-weeks", status)


def test_a_window_closed_with_something_to_do_is_missed_and_the_next_point_follows():
    done = [Done("6-weeks", "pain-nrs", day(40))]  # the questionnaire, but no review held
    on_last_day = standing(THR, OPERATED, done, day(63), lost_after_days=LOST_AFTER)
    assert on_last_day.next is not None
    assert (on_last_day.next.questionnaires, on_last_day.next.clinic_review) == ((), True)
    next_day = standing(THR, OPERATED, done, day(64), lost_after_days=LOST_AFTER)
    assert next_day.missed == ("baseline", "6-weeks")
    assert next_day.next is not None
    assert (next_day.next.slot.code, next_day.next.status) == ("6-months", Status.UPCOMING)
    held = [*done, Done("6-weeks", CLINIC_REVIEW, day(45))]
    assert "6-weeks" in standing(THR, OPERATED, held, day(64), lost_after_days=1).completed


def test_lost_to_follow_up_after_the_configured_time_without_contact():
    now = standing(THR, OPERATED, [], day(LOST_AFTER - 1), lost_after_days=LOST_AFTER)
    assert now.lost_on == day(LOST_AFTER)
    assert not now.lost(day(LOST_AFTER - 1))
    assert now.status(day(LOST_AFTER - 1)) == Status.UPCOMING  # year 2; 1 year was missed
    assert now.lost(day(LOST_AFTER))
    assert now.status(day(LOST_AFTER)) == Status.LOST
    # A contact (a questionnaire answered) starts the time again.
    seen = [Done("1-year", "pain-nrs", day(400))]
    later = standing(THR, OPERATED, seen, day(LOST_AFTER), lost_after_days=LOST_AFTER)
    assert later.last_contact_on == day(400)
    assert not later.lost(day(LOST_AFTER))
    # Nothing missed yet: not lost before the next point's window has closed.
    quiet = standing(THR, OPERATED, [], day(10), lost_after_days=5)
    assert quiet.lost_on == day(64)


def test_a_schedule_with_an_end_finishes_and_a_lifelong_one_never_does():
    everything = [
        Done(s.code, what, s.due_on)
        for s in slots(THR, OPERATED)
        for what in sorted(s.wanted())
        if s.code != "baseline"
    ]
    end = add_years(OP, 11)
    done = standing(THR, OPERATED, everything, end, lost_after_days=LOST_AFTER)
    assert (done.next, done.finished, done.lost_on) == (None, True, None)
    assert len(done.completed) == 3 + 9  # 6 weeks, 6 months, 1 year, years 2 to 10
    # Years 9 and 10 not answered: finished, but lost (never dropped silently).
    some = [d for d in everything if d.point not in ("year-9", "year-10")]
    gone = standing(THR, OPERATED, some, end, lost_after_days=LOST_AFTER)
    assert gone.finished
    assert gone.missed[-2:] == ("year-9", "year-10")
    assert gone.lost(end)
    assert standing(BHR, OPERATED, [], add_years(OP, 60), lost_after_days=1).next is not None


SCHEDULES = {"thr": THR, "bhr": BHR, "cd": CD}


@st.composite
def followed_hips(draw):
    schedule = SCHEDULES[draw(st.sampled_from(sorted(SCHEDULES)))]
    operation = draw(st.dates(dt.date(2000, 1, 1), dt.date(2040, 12, 31)))
    hip = Hip(listed_on=operation - dt.timedelta(days=30), operation_on=operation, operated=True)
    today = operation + dt.timedelta(days=draw(st.integers(0, 365 * 25)))
    done = [
        Done(slot.code, what, min(slot.due_on, today))
        for slot in slots_until(schedule, hip, today)
        for what in sorted(slot.wanted())
        if draw(st.booleans())
    ]
    return schedule, hip, done, today


@settings(max_examples=300, deadline=None)
@given(followed_hips())
def test_a_followed_hip_never_loses_a_due_follow_up(case):
    schedule, hip, done, today = case
    now = standing(schedule, hip, done, today, lost_after_days=LOST_AFTER)
    # There is always a next item while the schedule runs (for life for resurfacing).
    assert schedule is not BHR or now.next is not None
    if now.next is None:
        order = [s.code for s in slots(schedule, hip)]  # a schedule with an end: all behind
        assert now.finished
    else:
        order = []
        for slot in slots(schedule, hip):
            if slot.code == now.next.slot.code:
                break
            order.append(slot.code)
        # Followed: it can always become lost, so it cannot drop out of sight.
        assert now.lost_on is not None
    # Every point before the next one is completed or marked missed, in order: none skipped.
    assert sorted(now.completed + now.missed, key=order.index) == order
    assert not set(now.completed) & set(now.missed)
    # A point whose window holds today and is not complete is the next item.
    for slot in slots_until(schedule, hip, today):
        if slot.holds(today) and slot.code not in now.completed:
            assert now.next is not None
            assert now.next.slot.code == slot.code


def slots_until(schedule, hip, today):
    for slot in slots(schedule, hip):
        if slot.opens_on is not None and slot.opens_on > today:
            return
        yield slot
