"""A follow-up clinic review: what it records, checked against the catalogue. Pure.

What a review may record comes from the catalogue (``reviews.yaml``): the plausible range of
pain and of each angle, the coded answers (walking aids, distance, work, sport, plans) and
the X-ray findings of the hip's procedure. Every problem names its field; a value outside
its range is a typing error (``implausible-value``), a code the catalogue does not have is
``unknown-code``, and a finding the procedure's reviews do not record is refused.

A finding not given is stored as "not assessed", and "not assessed" is never read as normal
(hazard H66): :func:`finding_words` says so in words, and :func:`abnormal` counts only what
was seen.
"""

import datetime as dt
from collections.abc import Mapping
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from coxa.catalogue.schema_reviews import NOT_ASSESSED, Finding, ReviewsFile
from coxa.core.errors import ErrorCode, Problem
from coxa.core.inputs import STORABLE, Day, Measure, Note, Reason
from coxa.decisions.domain.staging import LABELS, StagingSystem, read_stage

# What a physiotherapist records; the rest (X-ray findings, the plan) is the surgeon's or
# the nurse's.
FUNCTION_FIELDS = (
    "pain",
    "flexion",
    "abduction",
    "internal_rotation",
    "external_rotation",
    "walking_aid",
    "walking_distance",
    "work",
    "sport",
)
CLINICIAN_FIELDS = ("findings", "plan", "plan_words", "next_review_on")
ANGLES = ("flexion", "abduction", "internal_rotation", "external_rotation")
# The answers of a presence finding.
NONE, PRESENT, STAGED = "none", "present", "staged"

ShortCode = Annotated[str, StringConstraints(max_length=40), STORABLE]


class FindingIn(BaseModel):
    """One X-ray finding as recorded.

    ``result``: ``none`` or ``present`` (a presence finding), one of the finding's options
    (a choice), ``staged`` with ``system`` and ``stage`` (a stage), or ``not-assessed``.
    """

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    result: ShortCode
    amount: Measure | None = None  # mm or %, where measured (presence)
    where: Reason = ""  # where it is, in words (presence)
    system: ShortCode = ""  # stage: arco-2019, ficat-arlet or steinberg
    stage: ShortCode = ""  # stage: as written, e.g. IIIA


class FollowUpReviewIn(BaseModel):
    """A clinic review of an operated hip. Give only what was assessed."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    seen_on: Day
    point: Annotated[
        str, StringConstraints(max_length=20, pattern=r"^([a-z0-9]+(-[a-z0-9]+)*)?$")
    ] = ""
    pain: int | None = None
    flexion: int | None = None
    abduction: int | None = None
    internal_rotation: int | None = None
    external_rotation: int | None = None
    walking_aid: ShortCode = ""
    walking_distance: ShortCode = ""
    work: ShortCode = ""
    sport: ShortCode = ""
    findings: dict[ShortCode, FindingIn] = Field(default_factory=dict)
    plan: ShortCode = ""
    plan_words: Note = ""
    next_review_on: Day | None = None

    def given(self, field: str) -> bool:
        value = getattr(self, field)
        return value not in (None, "", {})


def _range_problems(entry: FollowUpReviewIn, spec: ReviewsFile) -> list[Problem]:
    problems = []
    spans = {"pain": spec.pain} | {a.code: a for a in spec.movement}
    for field, span in spans.items():
        value = getattr(entry, field)
        if value is not None and not span.low <= value <= span.high:
            unit = "" if field == "pain" else " degrees"
            problems.append(
                Problem(
                    ErrorCode.IMPLAUSIBLE_VALUE,
                    f"{field.replace('_', ' ')} must be from {span.low:g} to {span.high:g}{unit}",
                    field,
                )
            )
    return problems


def _code_problems(entry: FollowUpReviewIn, spec: ReviewsFile) -> list[Problem]:
    lists = {
        "walking_aid": spec.walking_aids,
        "walking_distance": spec.walking_distances,
        "work": spec.work,
        "sport": spec.sport,
    }
    problems = [
        Problem(ErrorCode.UNKNOWN_CODE, f"{value!r} is not one of {codes}", field)
        for field, choices in lists.items()
        if (value := getattr(entry, field))
        and value not in (codes := [c.code for c in choices.options])
    ]
    if entry.plan and spec.plan(entry.plan) is None:
        codes = [p.code for p in spec.plans]
        problems.append(
            Problem(ErrorCode.UNKNOWN_CODE, f"{entry.plan!r} is not one of {codes}", "plan")
        )
    return problems


def _finding_problems(finding: Finding, given: FindingIn, field: str) -> list[Problem]:
    result = given.result
    if result == NOT_ASSESSED:
        extra = given.amount is not None or given.where or given.system or given.stage
        return (
            [Problem(ErrorCode.INVALID_VALUE, "a finding not assessed has no details", field)]
            if extra
            else []
        )
    if finding.kind == "stage":
        return _stage_problems(given, field)
    allowed = (
        [o.code for o in finding.options.options]
        if finding.options is not None
        else [NONE, PRESENT]
    )
    if result not in allowed:
        codes = [*allowed, NOT_ASSESSED]
        return [Problem(ErrorCode.UNKNOWN_CODE, f"{result!r} is not one of {codes}", field)]
    problems = []
    if given.system or given.stage:
        problems.append(Problem(ErrorCode.INVALID_VALUE, "only a stage has a system", field))
    if given.amount is not None:
        measure = finding.measure
        if measure is None or result != PRESENT:
            problems.append(
                Problem(ErrorCode.INVALID_VALUE, "no amount is recorded here", f"{field}.amount")
            )
        elif not measure.low <= given.amount <= measure.high:
            problems.append(
                Problem(
                    ErrorCode.IMPLAUSIBLE_VALUE,
                    f"{measure.title.lower()} must be from {measure.low:g} to "
                    f"{measure.high:g} {measure.unit}",
                    f"{field}.amount",
                )
            )
    if given.where and (not finding.where or result != PRESENT):
        problems.append(
            Problem(ErrorCode.INVALID_VALUE, "no place is recorded here", f"{field}.where")
        )
    return problems


def _stage_problems(given: FindingIn, field: str) -> list[Problem]:
    if given.result != STAGED:
        return [
            Problem(
                ErrorCode.UNKNOWN_CODE,
                f"{given.result!r} is not one of ['{STAGED}', '{NOT_ASSESSED}']",
                field,
            )
        ]
    if given.amount is not None or given.where:
        return [Problem(ErrorCode.INVALID_VALUE, "a stage has no amount or place", field)]
    if not given.system or not given.stage:
        return [Problem(ErrorCode.INCOMPLETE_STAGE, "give the system and the stage", field)]
    try:
        system = StagingSystem(given.system)
    except ValueError:
        codes = [s.value for s in StagingSystem]
        return [
            Problem(
                ErrorCode.UNKNOWN_CODE,
                f"{given.system!r} is not one of {codes}",
                f"{field}.system",
            )
        ]
    if read_stage(system, given.stage) is None:
        return [
            Problem(
                ErrorCode.UNKNOWN_STAGE,
                f"{LABELS[system]} has no stage {given.stage!r}",
                f"{field}.stage",
            )
        ]
    return []


def _collapse_problems(
    findings: tuple[Finding, ...], given: Mapping[str, FindingIn]
) -> list[Problem]:
    """A stage that means collapse, recorded with "no collapse" in the same review."""
    collapsed = any(
        f.kind == "stage"
        and (g := given.get(f.code)) is not None
        and g.result == STAGED
        and (stage := read_stage(StagingSystem(g.system), g.stage)) is not None
        and stage.collapsed
        for f in findings
    )
    return [
        Problem(
            ErrorCode.STAGE_COLLAPSE_CONFLICT,
            "the stage recorded means the head has collapsed",
            f"findings.{f.code}",
        )
        for f in findings
        if collapsed and f.collapse and (g := given.get(f.code)) is not None and g.result == NONE
    ]


def review_problems(
    entry: FollowUpReviewIn,
    spec: ReviewsFile,
    *,
    procedure: str,
    followed_for_life: bool,
    operated_on: dt.date | None,
    today: dt.date,
) -> list[Problem]:
    """Every problem of the review, each on its field (none: it may be stored)."""
    problems: list[Problem] = []
    if entry.seen_on > today:
        problems.append(
            Problem(
                ErrorCode.DATE_IN_FUTURE, "the day of the review cannot be in the future", "seen_on"
            )
        )
    if operated_on is not None and entry.seen_on < operated_on:
        problems.append(
            Problem(
                ErrorCode.BEFORE_OPERATION,
                f"the day of the review is before the operation ({operated_on:%-d %b %Y})",
                "seen_on",
            )
        )
    problems += _range_problems(entry, spec) + _code_problems(entry, spec)
    findings = spec.findings_for(procedure)
    by_code = {f.code: f for f in findings}
    for code, given in entry.findings.items():
        field = f"findings.{code}"
        finding = by_code.get(code)
        if finding is None:
            problems.append(
                Problem(
                    ErrorCode.FINDING_NOT_FOR_PROCEDURE,
                    f"{code!r} is not recorded after this operation; it records "
                    f"{list(by_code) or 'no X-ray findings'}",
                    field,
                )
            )
        else:
            problems += _finding_problems(finding, given, field)
    if not problems:
        problems += _collapse_problems(findings, entry.findings)
    return problems + _plan_problems(entry, spec, followed_for_life=followed_for_life)


def _plan_problems(
    entry: FollowUpReviewIn, spec: ReviewsFile, *, followed_for_life: bool
) -> list[Problem]:
    plan = spec.plan(entry.plan) if entry.plan else None
    problems = []
    if entry.next_review_on is not None and entry.next_review_on <= entry.seen_on:
        problems.append(
            Problem(
                ErrorCode.NEXT_REVIEW_NOT_AFTER,
                "the next review must be after this one",
                "next_review_on",
            )
        )
    if plan is None:
        if entry.plan_words or entry.next_review_on is not None:
            problems.append(Problem(ErrorCode.REQUIRED, "choose the plan", "plan"))
        return problems
    if plan.next_review and entry.next_review_on is None:
        problems.append(Problem(ErrorCode.REQUIRED, "give the next review's day", "next_review_on"))
    if not plan.next_review and entry.next_review_on is not None:
        problems.append(
            Problem(
                ErrorCode.INVALID_VALUE,
                f"{plan.text.lower()} sets no next review",
                "next_review_on",
            )
        )
    if plan.needs_words and not entry.plan_words:
        problems.append(
            Problem(ErrorCode.REASON_REQUIRED, "say to whom and why, in words", "plan_words")
        )
    if plan.ends_review and followed_for_life:
        problems.append(
            Problem(
                ErrorCode.FOLLOWED_FOR_LIFE,
                "this hip is followed for life (metal-on-metal surveillance): it is not "
                "discharged from review",
                "plan",
            )
        )
    return problems


def stored_findings(
    entry: FollowUpReviewIn, findings: tuple[Finding, ...]
) -> dict[str, dict[str, Any]]:
    """Every finding of the procedure, as stored: what was given, else "not assessed"."""
    stored: dict[str, dict[str, Any]] = {}
    for finding in findings:
        given = entry.findings.get(finding.code)
        if given is None or given.result == NOT_ASSESSED:
            stored[finding.code] = {"result": NOT_ASSESSED}
        else:
            stored[finding.code] = given.model_dump(exclude_defaults=True)
            if given.system:
                stage = read_stage(StagingSystem(given.system), given.stage)
                stored[finding.code]["stage"] = stage.stage if stage else given.stage
    return stored


def finding_words(finding: Finding, stored: Mapping[str, Any] | None) -> str:
    """A finding in plain words: what was seen, or that it was not assessed (never normal)."""
    result = (stored or {}).get("result", NOT_ASSESSED)
    if result == NOT_ASSESSED:
        return "Not assessed"
    if finding.kind == "stage":
        assert stored is not None  # noqa: S101 - a result other than not-assessed was stored
        return f"{LABELS[StagingSystem(stored['system'])]} {stored['stage']}"
    if finding.options is not None:
        return finding.options.text_of(result) or result
    if result == NONE:
        return "None seen"
    words = "Present"
    amount = (stored or {}).get("amount")
    if amount is not None and finding.measure is not None:
        words += f", {amount:g} {finding.measure.unit}"
    where = (stored or {}).get("where")
    return f"{words} ({where})" if where else words


def abnormal(finding: Finding, stored: Mapping[str, Any] | None) -> bool:
    """Whether a finding was seen and is a concern: present, a concern, or a collapsed stage.

    "Not assessed" is not abnormal, and it is not normal either: the page shows it as such.
    """
    result = (stored or {}).get("result", NOT_ASSESSED)
    if result in (NOT_ASSESSED, NONE):
        return False
    if finding.kind == "stage":
        assert stored is not None  # noqa: S101 - staged
        stage = read_stage(StagingSystem(stored["system"]), stored["stage"])
        return stage is not None and stage.collapsed
    if finding.options is not None:
        return any(o.code == result and o.concern for o in finding.options.options)
    return bool(result == PRESENT)
