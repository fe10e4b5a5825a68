"""The settings for working days (H72): COXA_CLOSED_DAYS and COXA_WORKING_WEEKDAYS.

A bad value stops start-up with a message naming the setting, never a silent default.
"""

import datetime as dt

import pytest
from django.core.exceptions import ImproperlyConfigured

from coxa.config.env import env_dates, env_weekdays
from coxa.surgery.domain.workdays import ENGLAND_BANK_HOLIDAYS

D = dt.date


def test_closed_days_setting_with_a_bad_day_names_the_setting(monkeypatch):
    monkeypatch.setenv("COXA_CLOSED_DAYS", "2026-12-25, 2026-13-01")
    with pytest.raises(ImproperlyConfigured, match=r"COXA_CLOSED_DAYS: '2026-13-01'"):
        env_dates("COXA_CLOSED_DAYS", default=())


def test_closed_days_setting_is_read_and_unset_gives_the_default(monkeypatch):
    monkeypatch.setenv("COXA_CLOSED_DAYS", "2026-12-28, 2026-12-25,2026-12-25")
    assert env_dates("COXA_CLOSED_DAYS", default=()) == (D(2026, 12, 25), D(2026, 12, 28))
    monkeypatch.delenv("COXA_CLOSED_DAYS")
    assert env_dates("COXA_CLOSED_DAYS", default=ENGLAND_BANK_HOLIDAYS) == ENGLAND_BANK_HOLIDAYS


def test_working_weekdays_setting_reads_names_and_refuses_others(monkeypatch):
    monkeypatch.setenv("COXA_WORKING_WEEKDAYS", "Monday, tue,WEDNESDAY,thu,fri,sat")
    assert env_weekdays("COXA_WORKING_WEEKDAYS", default=()) == (0, 1, 2, 3, 4, 5)
    monkeypatch.setenv("COXA_WORKING_WEEKDAYS", "Mon,Funday")
    with pytest.raises(ImproperlyConfigured, match="COXA_WORKING_WEEKDAYS: 'Funday'"):
        env_weekdays("COXA_WORKING_WEEKDAYS", default=())
    monkeypatch.setenv("COXA_WORKING_WEEKDAYS", "t")  # too short to say which
    with pytest.raises(ImproperlyConfigured, match="COXA_WORKING_WEEKDAYS"):
        env_weekdays("COXA_WORKING_WEEKDAYS", default=())
