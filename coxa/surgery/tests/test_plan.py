"""Recovery plans from the catalogue (pure; no database)."""

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from coxa.catalogue.registry import all_procedures, get_procedure
from coxa.core.errors import InvalidInput
from coxa.surgery.domain.plan import generate, moved

PROCEDURES = list(all_procedures())
dates = st.dates(dt.date(2000, 1, 1), dt.date(2090, 1, 1))


def choices(procedure):
    """Any phase ends the catalogue allows."""
    return st.fixed_dictionaries(
        {p.code: st.integers(p.end_day_min, p.end_day_max) for p in procedure.recovery.phases}
    )


@settings(max_examples=300, deadline=None)
@given(st.data(), dates)
def test_phases_are_contiguous_ordered_and_after_the_operation(data, operation_on):
    procedure = data.draw(st.sampled_from(PROCEDURES))
    plan = generate(procedure, operation_on, phase_end_days=data.draw(choices(procedure)))
    assert [p.code for p in plan.phases] == [p.code for p in procedure.recovery.phases]
    if plan.phases:
        assert plan.phases[0].starts_on == operation_on
    for phase in plan.phases:
        assert phase.starts_on < phase.ends_on
    for earlier, later in zip(plan.phases, plan.phases[1:], strict=False):
        assert earlier.ends_on == later.starts_on
    assert all(a.due_on > operation_on for a in plan.appointments)
    assert [a.due_on for a in plan.appointments] == sorted(a.due_on for a in plan.appointments)


@settings(max_examples=300, deadline=None)
@given(st.data(), dates, st.integers(-400, 400))
def test_re_dating_shifts_every_date_by_the_same_amount(data, operation_on, days):
    procedure = data.draw(st.sampled_from(PROCEDURES))
    chosen = data.draw(choices(procedure))
    plan = generate(procedure, operation_on, phase_end_days=chosen)
    later = generate(procedure, operation_on + dt.timedelta(days=days), phase_end_days=chosen)
    assert later == plan.shifted(days)
    before, after = plan.dates(), later.dates()
    assert before.keys() == after.keys()
    assert {(after[k] - before[k]).days for k in before} == {days}
    assert len(moved(plan, later)) == (len(before) if days else 0)


def test_bhr_uses_crutches_to_two_weeks_then_a_cane_to_six():
    plan = generate(get_procedure("bhr"), dt.date(2026, 3, 2))
    assert [(p.code, p.starts_on, p.ends_on, p.walking_aid) for p in plan.phases] == [
        ("crutches", dt.date(2026, 3, 2), dt.date(2026, 3, 16), "crutches"),
        ("cane", dt.date(2026, 3, 16), dt.date(2026, 4, 13), "cane"),
    ]


def test_core_decompression_offload_is_chosen_within_four_to_eight_weeks():
    cd = get_procedure("core-decompression")
    day = dt.date(2026, 3, 2)
    assert generate(cd, day).phases[0].ends_on == day + dt.timedelta(days=28)
    assert generate(cd, day, phase_end_days={"offload": 56}).phases[
        0
    ].ends_on == day + dt.timedelta(days=56)
    for outside in (27, 57):
        with pytest.raises(InvalidInput) as refused:
            generate(cd, day, phase_end_days={"offload": outside})
        assert refused.value.problems[0].field == "phases.offload"
        assert "between day 28 and day 56" in refused.value.problems[0].message


def test_impossible_adjustments_are_refused_by_name():
    bhr = get_procedure("bhr")
    with pytest.raises(InvalidInput) as refused:
        generate(bhr, dt.date(2026, 1, 1), phase_end_days={"walking-frame": 3})
    assert refused.value.problems[0].code == "unknown-phase"
    key = next(f"{a.kind}@{a.day}" for a in bhr.recovery.appointments)
    with pytest.raises(InvalidInput) as refused:
        generate(bhr, dt.date(2026, 1, 1), appointment_days={key: 0})
    assert refused.value.problems[0].field == f"appointments.{key}"
    moved_plan = generate(bhr, dt.date(2026, 1, 1), appointment_days={key: 20})
    assert any(a.key == key and a.due_on == dt.date(2026, 1, 21) for a in moved_plan.appointments)
