import datetime as dt

import pytest

from coxa.core import clock
from coxa.core.errors import Conflict, CoxaError, ErrorCode, Problem
from coxa.core.pagination import page_request


def test_replaying_moves_now_and_today_then_restores_them():
    moment = dt.datetime(2024, 2, 29, 23, 30, tzinfo=dt.UTC)
    with clock.replaying(moment):
        assert clock.now() == moment
        assert clock.today() == dt.date(2024, 2, 29)  # 23:30 UTC is still the 29th in London
    assert clock.now().year >= 2026


def test_replaying_refuses_a_naive_moment():
    with (
        pytest.raises(ValueError, match="timezone-aware"),
        clock.replaying(dt.datetime(2024, 1, 1)),
    ):
        pass


def test_an_error_can_carry_several_problems_led_by_the_first():
    error = Conflict.of(
        [Problem(ErrorCode.BOOKED, "first", "x"), Problem(ErrorCode.NOTE_SIGNED, "second", "y")]
    )
    assert (error.code, error.field, error.status, len(error.problems)) == ("booked", "x", 409, 2)
    with pytest.raises(ValueError, match="at least one"):
        CoxaError.of([])


@pytest.mark.parametrize(
    ("number", "size", "field"), [(0, 10, "page"), (1, 0, "page_size"), (1, 101, "page_size")]
)
def test_page_requests_are_bounded(number, size, field):
    with pytest.raises(CoxaError) as error:
        page_request(number, size)
    assert error.value.field == field


def test_page_offsets():
    assert page_request(3, 20).offset == 40
    assert page_request(None, None).size == 25
