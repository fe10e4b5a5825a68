"""What a follow-up clinic review records (reviews.yaml): coded answers and X-ray findings.

The X-ray findings differ by procedure.

A finding is recorded in a coded way or not at all: every finding may be "not assessed",
and "not assessed" is never read as normal. What differs by procedure (core decompression:
progression and collapse of the head; resurfacing: component position, neck narrowing,
radiolucency; hip replacement: loosening and osteolysis) is data here, never code.
"""

from typing import Literal

from pydantic import Field, model_validator

from coxa.catalogue.schema_base import Code, SourceIds, Strict

# The code every finding accepts, and which never means normal.
NOT_ASSESSED = "not-assessed"


class Choice(Strict):
    code: Code
    text: str = Field(min_length=1)  # plain English, shown on the page
    concern: bool = False  # a finding's answer that is a concern (flagged on the page)


class Choices(Strict):
    """A coded list of answers, with the sources behind the list."""

    options: tuple[Choice, ...] = Field(min_length=2)
    sources: SourceIds

    @model_validator(mode="after")
    def _distinct(self) -> "Choices":
        codes = [c.code for c in self.options]
        if len(codes) != len(set(codes)):
            raise ValueError("an option appears twice")
        if NOT_ASSESSED in codes:
            raise ValueError(f"{NOT_ASSESSED} is every finding's own answer, not an option")
        return self

    def text_of(self, code: str) -> str | None:
        return next((c.text for c in self.options if c.code == code), None)


class Span(Strict):
    """A plausible range: a value outside it is a typing error, not a finding."""

    low: float
    high: float
    sources: SourceIds

    @model_validator(mode="after")
    def _ordered(self) -> "Span":
        if self.low >= self.high:
            raise ValueError("low must be below high")
        return self


class Angle(Span):
    code: Literal["flexion", "abduction", "internal_rotation", "external_rotation"]
    title: str


class Measure(Span):
    """How much of a finding that is present, where it was measured."""

    title: str
    unit: Literal["mm", "%"]


class Finding(Strict):
    """One X-ray finding a procedure's reviews record.

    - ``presence``: none or present (with ``measure`` where measured, ``where`` in words);
    - ``choice``: one of ``options``;
    - ``stage``: a stage of the staging systems Coxa reads for avascular necrosis.
    Every kind also takes ``not-assessed``.
    """

    code: Code
    title: str
    kind: Literal["presence", "choice", "stage"]
    options: Choices | None = None
    measure: Measure | None = None
    where: bool = False  # presence: where it is, in words (a zone, a side)
    # presence: this finding is collapse of the head, so "none" disagrees with a stage that
    # means collapse (recorded in the same review)
    collapse: bool = False
    sources: SourceIds

    @model_validator(mode="after")
    def _agrees(self) -> "Finding":
        if (self.kind == "choice") != (self.options is not None):
            raise ValueError(f"{self.code}: options belong to a choice, and a choice needs them")
        if self.kind != "presence" and (self.measure is not None or self.where or self.collapse):
            raise ValueError(f"{self.code}: only a presence has a measure, a where or collapse")
        return self


class Plan(Strict):
    """What happens after the review."""

    code: Code
    text: str
    next_review: bool = False  # the review names the day of the next one
    ends_review: bool = False  # discharge from clinic review: refused for a hip followed for life
    needs_words: bool = False  # a referral says to whom and why
    sources: SourceIds


class ReviewsFile(Strict):
    """reviews.yaml."""

    pain: Span
    movement: tuple[Angle, ...] = Field(min_length=1)
    walking_aids: Choices
    walking_distances: Choices
    work: Choices
    sport: Choices
    plans: tuple[Plan, ...] = Field(min_length=1)
    findings: dict[Code, tuple[Finding, ...]]  # by procedure code

    @model_validator(mode="after")
    def _distinct(self) -> "ReviewsFile":
        angles = [a.code for a in self.movement]
        if len(angles) != len(set(angles)):
            raise ValueError("movement: an angle appears twice")
        plans = [p.code for p in self.plans]
        if len(plans) != len(set(plans)):
            raise ValueError("plans: a plan appears twice")
        for procedure, findings in self.findings.items():
            codes = [f.code for f in findings]
            if len(codes) != len(set(codes)):
                raise ValueError(f"findings: {procedure}: a finding appears twice")
        return self

    def plan(self, code: str) -> Plan | None:
        return next((p for p in self.plans if p.code == code), None)

    def findings_for(self, procedure: str) -> tuple[Finding, ...]:
        return self.findings.get(procedure, ())

    def unknown_procedures(self, declared: set[str]) -> list[str]:
        """A problem for each procedure with findings that the catalogue does not declare."""
        return [
            f"reviews.yaml: findings: unknown procedure {code}"
            for code in self.findings
            if code not in declared
        ]
