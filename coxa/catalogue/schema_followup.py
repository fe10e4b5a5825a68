"""The catalogue's follow-up schedules: when each procedure's hips are asked how they are.

A schedule is versioned data (ADR 0013, ADR 0022): a baseline before the operation, fixed
points counted in days from the operation (day 0), and a repeat every year (for the life
of the implant, or up to a year), each with its window, the questionnaires due (instrument
codes from instruments.yaml) and whether a clinic review is due. A programme stores the
version it was scheduled under, so every due date names the schedule behind it.
"""

from typing import Annotated

from pydantic import Field, StringConstraints, model_validator

from coxa.catalogue.schema_base import Code, SourceIds, Strict

# The codes the repeat's points take: year-2, year-3... (the year after the operation).
REPEAT_PREFIX = "year-"
BASELINE = "baseline"


class Due(Strict):
    """What a point asks for: questionnaires (instrument codes) and whether a clinic review."""

    questionnaires: tuple[Code, ...] = ()
    clinic_review: bool = False

    @model_validator(mode="after")
    def _something(self) -> "Due":
        if not self.questionnaires and not self.clinic_review:
            raise ValueError("a point asks for a questionnaire or a clinic review")
        if len(set(self.questionnaires)) != len(self.questionnaires):
            raise ValueError("a questionnaire appears twice")
        return self


class Baseline(Due):
    """Before the operation: open from the day the hip is listed up to the operation day."""

    title: str = Field(min_length=1)
    sources: SourceIds


class Point(Due):
    """A fixed point after the operation: due on ``day``, answered within its window."""

    code: Annotated[str, StringConstraints(pattern=r"^[0-9]+-(weeks|months|year)$")]
    title: str = Field(min_length=1)
    day: int = Field(ge=1)  # days after the operation (day 0)
    window_before_days: int = Field(ge=0)
    window_after_days: int = Field(ge=0)
    sources: SourceIds

    @property
    def opens_day(self) -> int:
        return self.day - self.window_before_days

    @property
    def closes_day(self) -> int:
        return self.day + self.window_after_days


class Repeat(Due):
    """A point every year after the fixed points, to ``until_year`` or for life (None).

    Year-N is due N calendar years after the operation (29 February falls on 28 February).
    """

    from_year: int = Field(ge=1)
    until_year: int | None = Field(default=None, ge=1)
    window_before_days: int = Field(ge=0, le=180)
    window_after_days: int = Field(ge=0, le=180)
    sources: SourceIds

    @model_validator(mode="after")
    def _range(self) -> "Repeat":
        if self.until_year is not None and self.until_year < self.from_year:
            raise ValueError("until_year is before from_year")
        if self.window_before_days + self.window_after_days >= 365:  # noqa: PLR2004
            raise ValueError("a yearly window must be shorter than a year")
        return self


class FollowUpSchedule(Strict):
    version: Annotated[str, StringConstraints(pattern=r"^\d{4}\.\d+$")]
    baseline: Baseline
    points: tuple[Point, ...] = Field(min_length=1)
    repeat: Repeat | None = None

    @model_validator(mode="after")
    def _ordered(self) -> "FollowUpSchedule":
        codes = [p.code for p in self.points]
        if len(codes) != len(set(codes)):
            raise ValueError("points: a point appears twice")
        previous_close = 0  # the baseline window ends on the operation day (day 0)
        for point in self.points:
            if point.opens_day <= previous_close:
                raise ValueError(
                    f"points: {point.code}'s window opens on day {point.opens_day}, not after "
                    f"the one before it closes (day {previous_close}): a day would match two"
                )
            previous_close = point.closes_day
        if self.repeat is not None:
            opens = self.repeat.from_year * 365 - self.repeat.window_before_days
            if opens <= previous_close:
                raise ValueError(
                    f"repeat: year-{self.repeat.from_year}'s window opens before "
                    f"{codes[-1]}'s closes"
                )
        return self

    def instruments(self) -> set[str]:
        """Every questionnaire the schedule asks for."""
        found = set(self.baseline.questionnaires)
        for point in self.points:
            found |= set(point.questionnaires)
        if self.repeat is not None:
            found |= set(self.repeat.questionnaires)
        return found

    def problems(self, appointment_days: list[int], instruments: set[str]) -> list[str]:
        """What disagrees with the rest of the catalogue (the loader reports each).

        Every questionnaire is one instruments.yaml has. The recovery plan's follow-up
        appointments and the schedule's clinic reviews are one list: each follow-up
        appointment is a clinic-review point on the same day, and each clinic-review point up
        to the plan's last follow-up appointment is in the plan (later reviews are the
        schedule's alone).
        """
        found = [
            f"follow_up: unknown questionnaire {code}"
            for code in sorted(self.instruments() - instruments)
        ]
        reviews = {p.day: p.code for p in self.points if p.clinic_review}
        found += [
            f"follow_up: the recovery plan's follow-up appointment on day {day} is no clinic "
            "review of the schedule"
            for day in appointment_days
            if day not in reviews
        ]
        horizon = max(appointment_days, default=0)
        found += [
            f"follow_up: {code}'s clinic review (day {day}) is not in the recovery plan's "
            "follow-up appointments"
            for day, code in reviews.items()
            if day <= horizon and day not in appointment_days
        ]
        return found
