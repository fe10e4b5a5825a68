"""Which operation dates are possible for an episode. Pure."""

import datetime as dt

from coxa.core.errors import ErrorCode, Problem
from coxa.pathways.domain import OPERATION_HORIZON_DAYS

SCHEDULABLE = ("ready", "scheduled")  # scheduled: re-dating before the operation


def schedule_problems(
    *, state: str, operation_on: dt.date, listed_on: dt.date | None, today: dt.date
) -> list[Problem]:
    problems = []
    if state not in SCHEDULABLE:
        problems.append(
            Problem(
                ErrorCode.NOT_READY,
                f"only a hip that is ready (or already scheduled) can be scheduled; this one "
                f"is {state}",
                "operation_date",
            )
        )
    if operation_on < today:
        problems.append(
            Problem(
                ErrorCode.DATE_IN_PAST, "the operation date cannot be in the past", "operation_date"
            )
        )
    elif operation_on > today + dt.timedelta(days=OPERATION_HORIZON_DAYS):
        problems.append(
            Problem(
                ErrorCode.TOO_FAR_AHEAD,
                "the operation date must be within a year of today",
                "operation_date",
            )
        )
    if listed_on is not None and operation_on < listed_on:
        problems.append(
            Problem(
                ErrorCode.BEFORE_LISTING,
                f"the operation date is before the hip was listed ({listed_on})",
                "operation_date",
            )
        )
    return problems
