"""The catalogue's metal-on-metal surveillance table (surveillance.yaml; issue 15, ADR 0024).

Which hips are reviewed how often, with blood metal levels and imaging or not, by group;
the blood-metal thresholds; and whether the service's clinical lead has checked the table.
Until the table is checked every enrolled hip gets the conservative default.
"""

import datetime as dt
from typing import Literal

from pydantic import Field, model_validator

from coxa.catalogue.schema_base import Code, SourceIds, Strict

# What kind of metal-on-metal implant a hip has: a resurfacing (BHR and others), or a stemmed
# total hip replacement with a metal head on a metal cup.
ImplantClass = Literal["resurfacing", "mom-thr"]
IMPLANT_CLASSES: dict[str, str] = {
    "resurfacing": "Metal-on-metal resurfacing",
    "mom-thr": "Metal-on-metal total hip replacement",
}


class Checked(Strict):
    """Who checked the table against the alert's Table 1, and when."""

    by: str = Field(min_length=1)
    on: dt.date


class When(Strict):
    """The group a row is for.

    A condition left out matches any hip; a condition on a fact the hip's record does not
    hold (a head size not known) does not match.
    """

    implant: ImplantClass | None = None
    sex: Literal["female", "male"] | None = None
    head_mm_below: float | None = Field(default=None, gt=0)  # the head is smaller than this
    head_mm_at_least: float | None = Field(default=None, gt=0)
    symptomatic: bool | None = None
    years_from: int | None = Field(default=None, ge=0)  # since the operation, inclusive
    years_before: int | None = Field(default=None, ge=1)


class ScheduleRule(Strict):
    code: Code
    title: str = Field(min_length=1)  # staff read it beside the due date
    when: When = When()
    interval_days: int = Field(ge=30, le=1096)
    blood_metals: bool
    imaging: bool
    sources: SourceIds


class BloodMetalRules(Strict):
    matrix: Literal["whole-blood"]  # the only matrix a threshold is compared with
    concern_above_ug_per_l: float = Field(gt=0)
    concern_sources: SourceIds
    repeat_after_days: int = Field(ge=1)
    repeat_sources: SourceIds
    # A rise between consecutive whole-blood results of more than this (in either metal) is
    # flagged: the service's own figure, set by its clinical lead.
    rise_above_ug_per_l: float = Field(gt=0)
    rise_sources: SourceIds


class ImagingRules(Strict):
    # An isolated fluid collection (not very large) in a hip without symptoms is watched by
    # scanning again after this many days, with a clinic review.
    rescan_collection_after_days: int = Field(ge=30)
    rescan_sources: SourceIds


class SurveillanceFile(Strict):
    """surveillance.yaml."""

    version: str = Field(pattern=r"^\d{4}\.\d+$")
    alert_sources: SourceIds  # the alert the table follows
    checked_by_clinical_lead: Checked | None
    # Every hip until the table is checked, and any hip no row matches once it is.
    default: ScheduleRule
    rules: tuple[ScheduleRule, ...]
    blood_metals: BloodMetalRules
    imaging: ImagingRules
    # Lost to follow-up: no check this many days after one fell due.
    lost_after_days: int = Field(ge=30)
    lost_sources: SourceIds
    # Shown on the worklist this many days before the due day (invitations go out then).
    invite_before_days: int = Field(ge=0, le=180)
    invite_sources: SourceIds
    # The procedure a hip enrolled by hand is recorded under, by implant class.
    recorded_as: dict[ImplantClass, Code]

    @model_validator(mode="after")
    def _distinct(self) -> "SurveillanceFile":
        codes = [self.default.code, *(r.code for r in self.rules)]
        if len(codes) != len(set(codes)):
            raise ValueError("a surveillance rule code appears twice")
        if self.default.when != When():
            raise ValueError("default: applies to every hip, so it has no 'when'")
        if not self.default.blood_metals:
            raise ValueError("default: the conservative default takes blood metal levels")
        return self

    def unknown_procedures(self, declared: set[str]) -> list[str]:
        """A problem for each procedure ``recorded_as`` names that is not declared."""
        return [
            f"surveillance.yaml: recorded_as: {kind}: unknown procedure {code}"
            for kind, code in self.recorded_as.items()
            if code not in declared
        ]

    @property
    def checked(self) -> bool:
        return self.checked_by_clinical_lead is not None
