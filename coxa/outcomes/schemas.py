"""API shapes for outcomes: the questionnaires (instruments) as the catalogue describes them."""

import datetime as dt
import uuid
from typing import Annotated, Any

from ninja import Schema
from pydantic import ConfigDict, StringConstraints

from coxa.catalogue.loader import get_catalogue
from coxa.catalogue.schema_reviews import NOT_ASSESSED
from coxa.core.inputs import Note, Reason
from coxa.outcomes.domain.complications import Grade, Outcome
from coxa.outcomes.models import Complication, FollowUpProgramme
from coxa.outcomes.selectors import Answered, ShownReview

# A code in a request (a point, a type, a grade, a reason): bounded, so a 5,000-character
# value is refused by its length before any rule reads it.
Code = Annotated[str, StringConstraints(max_length=40)]


class OptionOut(Schema):
    value: int
    label: str | None  # None: the wording is licensed and loaded by the service


class ItemOut(Schema):
    code: str
    text: str | None
    options: list[OptionOut]


class ScoringOut(Schema):
    method: str  # sum | lookup | value-set
    low: float
    high: float
    higher_is_better: bool
    items_scored: list[str]
    missing_allowed: int
    table: list[float]  # lookup: the score for each raw sum from 0


class ImportantChangeOut(Schema):
    points: float | None
    percent: float | None
    sources: list[str]


class InstrumentOut(Schema):
    code: str
    title: str
    licensed: bool
    recall: str
    items: list[ItemOut]
    scoring: ScoringOut
    important_change: ImportantChangeOut | None
    sources: list[str]


class ResponseIn(Schema):
    """A completed questionnaire: each item's answer value, and the day it was completed."""

    model_config = ConfigDict(extra="forbid")

    # Both are required; they are checked after the caller's access to the hip, so that a
    # patient sending another's hip anything learns nothing about it.
    answers: dict[str, Any] = {}  # item code -> answer value; checked against the instrument
    completed_on: dt.date | None = None
    # The schedule point it answers (baseline, 6-weeks, year-2...); when not given, the point
    # whose window holds completed_on. A point whose window does not hold it (or that the
    # schedule does not have) is refused by the service, after the caller's access.
    point: str | None = None  # checked after access (an own-access POST), bounded there


class ChangeOut(Schema):
    points: float  # later minus baseline
    better: bool | None  # None: no change
    important: bool | None  # reaches the instrument's minimal important change (None: none)


class FallOut(Schema):
    """A post-operative fall in score flagged for review, and the rule that flagged it."""

    rule: str  # post-operative-fall
    compared_with: str  # previous | best
    reference_on: dt.date
    reference_score: float
    drop: float  # points worse
    threshold: float  # the minimal important change it reached
    sources: list[str]  # the rule's (MHRA MDA/2017/018) and the threshold's


class ResponseOut(Schema):
    id: uuid.UUID
    instrument: str
    completed_on: dt.date
    point: str  # the schedule point it answers; "" when it is in no point's window
    answers: dict[str, int]
    raw: int | None
    score: float | None
    interval_score: float | None  # HOOS JR: the 0 to 100 score the table gives
    profile: str
    baseline: bool
    change_from_baseline: ChangeOut | None
    entered_by_patient: bool
    fall: FallOut | None  # None: no fall flagged (nor on a struck-out response)
    # Struck out as made in error (the wrong hip, a forwarded link): kept, marked, and left
    # out of the baseline, every change, the fall rule, the schedule and the analytics.
    struck_out: bool
    struck_out_at: dt.datetime | None
    struck_out_reason: str

    @classmethod
    def of(cls, answered: Answered) -> "ResponseOut":
        r = answered.response
        lookup = get_catalogue().instruments.get(r.instrument)
        interval = lookup is not None and lookup.scoring.method == "lookup"
        c = answered.change
        return cls(
            id=r.public_id,
            instrument=r.instrument,
            completed_on=r.completed_on,
            point=r.point,
            answers=r.answers,
            raw=r.raw,
            score=r.score,
            interval_score=r.score if interval else None,
            profile=r.profile,
            baseline=answered.baseline,
            change_from_baseline=None
            if c is None
            else ChangeOut(points=c.points, better=c.better, important=c.important),
            entered_by_patient=r.entered_by_patient,
            fall=None if not r.fall or r.struck_out else FallOut(**r.fall),
            struck_out=r.struck_out,
            struck_out_at=r.struck_out_at,
            struck_out_reason=r.struck_out_reason,
        )


class ReviewFindingOut(Schema):
    code: str
    title: str
    result: str  # none | present | an option's code | staged | not-assessed
    amount: float | None = None
    where: str = ""
    system: str = ""
    stage: str = ""
    words: str  # in plain English; "Not assessed" is never normal
    abnormal: bool | None  # None: not assessed (unknown, never read as normal)


class FollowUpReviewOut(Schema):
    id: uuid.UUID
    seen_on: dt.date
    point: str
    pain: int | None
    flexion: int | None
    abduction: int | None
    internal_rotation: int | None
    external_rotation: int | None
    walking_aid: str
    walking_distance: str
    work: str
    sport: str
    findings: list[ReviewFindingOut]
    plan: str
    plan_words: str
    next_review_on: dt.date | None
    plan_text: str  # the plan in words
    recorded_by: str
    recorded_at: dt.datetime
    catalogue_version: str
    struck_out: bool
    struck_out_at: dt.datetime | None
    strike_out_reason: str

    @staticmethod
    def of(shown: ShownReview) -> "FollowUpReviewOut":
        r = shown.review
        return FollowUpReviewOut(
            id=r.public_id,
            seen_on=r.seen_on,
            point=r.point,
            pain=r.pain,
            flexion=r.flexion,
            abduction=r.abduction,
            internal_rotation=r.internal_rotation,
            external_rotation=r.external_rotation,
            walking_aid=r.walking_aid,
            walking_distance=r.walking_distance,
            work=r.work,
            sport=r.sport,
            findings=[
                ReviewFindingOut(
                    code=f.code,
                    title=f.title,
                    words=f.words,
                    abnormal=None if f.stored.get("result") == NOT_ASSESSED else f.abnormal,
                    **f.stored,
                )
                for f in shown.findings
            ],
            plan=r.plan,
            plan_words=r.plan_words,
            next_review_on=r.next_review_on,
            plan_text=shown.plan,
            recorded_by=r.recorded_by.username,
            recorded_at=r.recorded_at,
            catalogue_version=r.catalogue_version,
            struck_out=r.struck_out,
            struck_out_at=r.struck_out_at,
            strike_out_reason=r.strike_out_reason,
        )


class StrikeOutIn(Schema):
    model_config = ConfigDict(extra="forbid")

    reason: Reason = ""


class ComplicationIn(Schema):
    """A complication of the hip's operation: its type, the day it was found, its grade."""

    model_config = ConfigDict(extra="forbid")

    type: Code  # a complication type code; an unknown one is refused, naming the known ones
    found_on: dt.date
    clavien_dindo: Code  # I, II, IIIa, IIIb, IVa, IVb or V
    disability: bool = False  # the suffix "d": still present when the patient left hospital
    treatment: Note = ""
    outcome: Code  # resolved, recovering, ongoing, resolved-with-lasting-effects, died, unknown
    description: Reason = ""  # what it was, in words (required for "other")


class ComplicationOut(Schema):
    id: uuid.UUID
    type: str
    type_title: str
    description: str
    found_on: dt.date
    clavien_dindo: str
    grade_definition: str
    disability: bool
    treatment: str
    outcome: str
    outcome_title: str
    recorded_at: dt.datetime
    catalogue_version: str
    struck_out: bool
    struck_out_reason: str

    @classmethod
    def of(cls, c: Complication) -> "ComplicationOut":
        kind = get_catalogue().complications.get(c.type)
        return cls(
            id=c.public_id,
            type=c.type,
            type_title=kind.title if kind is not None else c.type,
            description=c.description,
            found_on=c.found_on,
            clavien_dindo=c.clavien_dindo,
            grade_definition=Grade(c.clavien_dindo).definition,
            disability=c.disability,
            treatment=c.treatment,
            outcome=c.outcome,
            outcome_title=Outcome(c.outcome).label,
            recorded_at=c.recorded_at,
            catalogue_version=c.catalogue_version,
            struck_out=c.struck_out_at is not None,
            struck_out_reason=c.struck_out_reason,
        )


class DueOut(Schema):
    """The hip's next follow-up item: its point, what is still to do, its window and status."""

    point: str  # baseline, 6-weeks, 6-months, 1-year, year-2...
    title: str
    questionnaires: list[str]  # instrument codes still to answer
    clinic_review: bool  # a clinic review is still to be held
    due_on: dt.date
    window_opens_on: dt.date | None
    window_closes_on: dt.date | None  # None: the baseline, until there is an operation day
    status: str  # upcoming | due | overdue | missed | lost
    schedule: str  # the schedule behind the dates: "<procedure>@<version>"

    @classmethod
    def of(cls, programme: FollowUpProgramme, procedure: str, today: dt.date) -> "DueOut":
        status = programme.status_on(today)
        if programme.next_due_on is None:
            raise ValueError("the programme has nothing due")
        return cls(
            point=programme.next_point,
            title=programme.next_title,
            questionnaires=list(programme.next_questionnaires),
            clinic_review=programme.next_clinic_review,
            due_on=programme.next_due_on,
            window_opens_on=programme.window_opens_on,
            window_closes_on=programme.window_closes_on,
            status=status.value if status else "",
            schedule=f"{procedure}@{programme.schedule_version}",
        )


class QuestionnairesOut(Schema):
    due: list[DueOut]  # the next item of the hip's schedule (empty: nothing due)
    completed: list[ResponseOut]  # oldest first, each with its change from baseline


class FollowUpRowOut(Schema):
    episode_id: uuid.UUID
    patient_id: uuid.UUID
    patient: str
    side: str
    procedure: str
    point: str
    title: str
    questionnaires: list[str]
    clinic_review: bool
    due_on: dt.date | None  # None: the schedule has finished, but the hip was lost
    status: str  # due | overdue | lost; "" when listed only for a fall in score
    lost_on: dt.date | None
    fall_on: dt.date | None  # the latest fall in score flagged with no clinic review since
    last_contact_on: dt.date | None
    schedule: str


class FollowUpWorklistOut(Schema):
    count: int  # counted up to 1,001; see count_capped
    count_capped: bool
    page: int
    page_size: int
    items: list[FollowUpRowOut]


class ConversionIn(Schema):
    """A conversion or revision: the day, a coded reason, the new procedure (and a note).

    Checked after the caller's access to the hip; each problem names its field.
    """

    model_config = ConfigDict(extra="forbid")

    on: dt.date | None = None
    reason: Code = ""  # a code of the catalogue's conversion reasons ("other" needs a note)
    procedure: Code = ""  # a procedure this hip may become
    note: Reason = ""


class ConversionOut(Schema):
    closed_episode: uuid.UUID  # the index episode, now converted
    new_episode: uuid.UUID  # the linked episode opened on the same hip
    on: dt.date
    reason: str
    procedure: str


class DeathIn(Schema):
    """A patient's death: the date, and whether it was related to the hip (yes, no, unknown)."""

    model_config = ConfigDict(extra="forbid")

    on: dt.date | None = None
    related_to_hip: Code = ""  # required: never assumed


class DeathOut(Schema):
    patient: uuid.UUID
    on: dt.date
    related_to_hip: str
    closed_episodes: list[uuid.UUID]  # the episodes this death closed
