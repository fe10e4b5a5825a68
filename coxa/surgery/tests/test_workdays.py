"""Working days for plan appointments (H72): the pure rule and its default data.

No database. The settings that configure it are tested in
coxa/config/tests/test_working_days_settings.py.
"""

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from coxa.catalogue.registry import get_procedure
from coxa.surgery.domain.plan import generate
from coxa.surgery.domain.workdays import (
    ENGLAND_BANK_HOLIDAYS,
    MONDAY_TO_FRIDAY,
    WorkingDays,
    working_day,
)

D = dt.date
ENGLAND = WorkingDays(MONDAY_TO_FRIDAY, frozenset(ENGLAND_BANK_HOLIDAYS))
WEEKENDS_ONLY = WorkingDays()


def test_a_sunday_moves_to_monday():
    day, moved = working_day(D(2026, 12, 6), 14, WEEKENDS_ONLY)
    assert day == D(2026, 12, 7)
    assert moved is not None
    assert moved.fell_on == D(2026, 12, 6)
    assert moved.text == "day 14 fell on Sunday 6 December; moved to the next working day"


def test_a_saturday_moves_forward_to_monday_never_back_to_friday():
    assert working_day(D(2026, 12, 5), 12, WEEKENDS_ONLY)[0] == D(2026, 12, 7)


def test_a_working_day_stays_and_says_nothing():
    assert working_day(D(2026, 12, 15), 14, ENGLAND) == (D(2026, 12, 15), None)


def test_a_run_of_closed_days_over_christmas_moves_past_all_of_them():
    # Fri 25 (Christmas), Sat 26, Sun 27, Mon 28 (Boxing Day's substitute): Tue 29.
    for day in (D(2026, 12, 25), D(2026, 12, 26), D(2026, 12, 27), D(2026, 12, 28)):
        assert ENGLAND.on_or_after(day) == D(2026, 12, 29)
    # 2027: Christmas and Boxing Day at the weekend, substitutes Mon 27 and Tue 28.
    assert ENGLAND.on_or_after(D(2027, 12, 25)) == D(2027, 12, 29)


def test_day_14_on_27_december_2026_says_why_in_words():
    day, moved = working_day(D(2026, 12, 27), 14, ENGLAND)
    assert day == D(2026, 12, 29)  # Monday 28th is the bank holiday for Boxing Day
    assert moved is not None
    assert moved.text == "day 14 fell on Sunday 27 December; moved to the next working day"


def test_a_closed_friday_before_a_weekend_moves_to_monday():
    good_friday = D(2027, 3, 26)
    calendar = WorkingDays(MONDAY_TO_FRIDAY, frozenset({good_friday}))
    day, moved = working_day(good_friday, 12, calendar)
    assert day == D(2027, 3, 29)
    assert moved is not None
    assert moved.why == "Friday 26 March, when the service is closed"
    # With England's holidays Easter Monday is closed too: Tuesday.
    assert ENGLAND.on_or_after(good_friday) == D(2027, 3, 30)


def test_no_closed_days_configured_moves_only_weekends():
    calendar = WorkingDays(MONDAY_TO_FRIDAY, frozenset())
    assert calendar.on_or_after(D(2026, 12, 25)) == D(2026, 12, 25)
    assert calendar.on_or_after(D(2026, 12, 26)) == D(2026, 12, 28)


def test_no_calendar_keeps_the_day_count_as_plans_stored_before_the_rule_did():
    assert working_day(D(2026, 12, 27), 14, None) == (D(2026, 12, 27), None)


def test_a_service_working_saturdays_keeps_a_saturday():
    calendar = WorkingDays(frozenset({0, 1, 2, 3, 4, 5}), frozenset())
    assert calendar.on_or_after(D(2026, 12, 5)) == D(2026, 12, 5)
    assert calendar.on_or_after(D(2026, 12, 6)) == D(2026, 12, 7)


def test_a_service_with_no_working_weekday_is_refused():
    with pytest.raises(ValueError, match="at least one weekday"):
        WorkingDays(frozenset(), frozenset())
    with pytest.raises(ValueError, match="numbered 0 to 6"):
        WorkingDays(frozenset({7}), frozenset())


@given(
    st.dates(min_value=D(2025, 12, 1), max_value=D(2029, 1, 31)),
    st.frozensets(st.integers(0, 6), min_size=1),
)
def test_the_working_day_is_the_first_open_day_on_or_after(day, weekdays):
    calendar = WorkingDays(weekdays, frozenset(ENGLAND_BANK_HOLIDAYS))
    found = calendar.on_or_after(day)
    assert found >= day
    assert calendar.is_working(found)
    assert all(
        not calendar.is_working(day + dt.timedelta(days=n)) for n in range((found - day).days)
    )


def test_a_calendar_round_trips_through_its_stored_form():
    stored = ENGLAND.after(D(2027, 1, 1))
    assert min(stored.closed) == D(2027, 1, 1)
    assert WorkingDays.from_json(stored.as_json()) == stored
    assert WorkingDays.from_json({}) is None


def _easter(year: int) -> dt.date:
    """Gregorian Easter Sunday (the anonymous Gregorian algorithm, Meeus/Jones/Butcher)."""
    a = year % 19
    b, c = divmod(year, 100)
    d, e = divmod(b, 4)
    g = (b - (b + 8) // 25 + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    weekday = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * weekday) // 451
    month, day = divmod(h + weekday - 7 * m + 114, 31)
    return dt.date(year, month, day + 1)


def _mondays(year: int, month: int) -> list[dt.date]:
    days = [dt.date(year, month, 1) + dt.timedelta(days=n) for n in range(31)]
    return [d for d in days if d.month == month and d.weekday() == 0]


def _england(year: int) -> set[dt.date]:
    """England's bank holidays by the rules (Banking and Financial Dealings Act 1971, sch 1,
    and the substitute days proclaimed each year), for years with no special one."""
    new_year = dt.date(year, 1, 1)
    new_year_off = new_year + dt.timedelta(days={5: 2, 6: 1}.get(new_year.weekday(), 0))
    easter = _easter(year)
    christmas, boxing = dt.date(year, 12, 25), dt.date(year, 12, 26)
    christmas_off = christmas + dt.timedelta(days={5: 2, 6: 1}.get(christmas.weekday(), 0))
    boxing_off = boxing + dt.timedelta(days={5: 2, 6: 2, 0: 1}.get(boxing.weekday(), 0))
    return {
        new_year_off,
        easter - dt.timedelta(days=2),
        easter + dt.timedelta(days=1),
        _mondays(year, 5)[0],
        _mondays(year, 5)[-1],
        _mondays(year, 8)[-1],
        christmas_off,
        boxing_off,
    }


def test_the_default_bank_holidays_follow_the_rules_for_2026_to_2028():
    assert _easter(2026) == D(2026, 4, 5)
    assert _easter(2027) == D(2027, 3, 28)
    assert _easter(2028) == D(2028, 4, 16)
    assert set(ENGLAND_BANK_HOLIDAYS) == _england(2026) | _england(2027) | _england(2028)
    assert len(ENGLAND_BANK_HOLIDAYS) == 24


def test_appointments_move_but_phases_keep_their_day_counts():
    bhr = get_procedure("bhr")
    assert bhr is not None
    operated = D(2026, 12, 13)  # a Sunday: day 14 is Sunday 27 December 2026
    plain = generate(bhr, operated)
    kept = generate(bhr, operated, calendar=ENGLAND)
    assert kept.phases == plain.phases
    review = {a.key: a for a in kept.appointments}["physiotherapy-review@14"]
    assert review.due_on == D(2026, 12, 29)
    assert review.moved is not None
    assert review.moved.fell_on == D(2026, 12, 27)
    assert all(ENGLAND.is_working(a.due_on) for a in kept.appointments)
    assert {a.key: a.due_on for a in plain.appointments}["physiotherapy-review@14"] == D(
        2026, 12, 27
    )


@given(st.dates(min_value=D(2026, 1, 1), max_value=D(2027, 12, 31)), st.integers(-60, 60))
def test_a_shifted_plan_keeps_to_working_days_as_a_new_one_would(operated, days):
    bhr = get_procedure("bhr")
    assert bhr is not None
    plan = generate(bhr, operated, calendar=ENGLAND)
    assert plan.shifted(days) == generate(bhr, operated + dt.timedelta(days=days), calendar=ENGLAND)


def test_a_staff_move_onto_a_weekend_lands_on_the_next_working_day():
    bhr = get_procedure("bhr")
    assert bhr is not None
    operated = D(2026, 12, 1)  # a Tuesday; day 18 is Saturday 19 December
    plan = generate(bhr, operated, appointment_days={"wound-check@12": 18}, calendar=ENGLAND)
    wound = {a.key: a for a in plan.appointments}["wound-check@12"]
    assert (wound.due_on, wound.day) == (D(2026, 12, 21), 18)
    assert wound.moved_because == (
        "day 18 fell on Saturday 19 December; moved to the next working day"
    )


def test_an_appointment_moved_to_its_latest_day_may_not_slip_past_it_onto_a_working_day():
    """The limit on moving an appointment (180 days after its catalogue day) holds for the
    day it lands on: day 192 of a wound check (12 + 180) that falls on Christmas Day 2026
    would move to Tuesday 29 December, day 196, so it is refused, naming the appointment."""
    from coxa.core.errors import InvalidInput

    bhr = get_procedure("bhr")
    operated = D(2026, 12, 25) - dt.timedelta(days=192)
    with pytest.raises(InvalidInput) as refused:
        generate(bhr, operated, appointment_days={"wound-check@12": 192}, calendar=ENGLAND)
    problem = refused.value.problems[0]
    assert (problem.code, problem.field) == (
        "appointment-too-late",
        "appointments.wound-check@12",
    )
    assert "Friday 25 December" in problem.message
    assert "choose an earlier day" in problem.message
    # The working day before it is the latest it may be, and stays.
    plan = generate(bhr, operated, appointment_days={"wound-check@12": 191}, calendar=ENGLAND)
    wound = next(a for a in plan.appointments if a.key == "wound-check@12")
    assert wound.due_on == D(2026, 12, 24)
    assert wound.moved is None
