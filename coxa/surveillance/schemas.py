"""API shapes for metal-on-metal surveillance (issue 15).

The request bodies are the domain's inputs (``domain/inputs.py``); those whose class name
another app publishes already (``ImagingIn``, ``ReviewIn``, ``ImplantIn``, ``StrikeOutIn``)
are published here under their own names, so the OpenAPI names each schema once.
"""

import datetime as dt
import uuid
from typing import Any

from ninja import Schema
from pydantic import Field

from coxa.catalogue.loader import get_catalogue
from coxa.surveillance.domain.inputs import (
    EnrolIn,
    ImagingIn,
    ImplantIn,
    ReviewIn,
    StrikeOutIn,
)
from coxa.surveillance.domain.schedule import Next
from coxa.surveillance.models import (
    Enrolment,
    ImagingStudy,
    MetalIonResult,
    RecallContact,
    SurveillanceReview,
)
from coxa.surveillance.selectors import HipSurveillance


class SurveillanceImagingIn(ImagingIn):
    """A MARS MRI, ultrasound or X-ray: findings present, absent or not-assessed."""


class SurveillanceReviewIn(ReviewIn):
    """A surveillance review: each symptom asked ("yes", "no", "not-asked"), and the plan."""


class EnrolledImplantIn(ImplantIn):
    """A component of a hip enrolled by hand, with its product and lot where known."""


class SurveillanceEnrolIn(EnrolIn):
    """A hip operated before Coxa or elsewhere, enrolled by hand with what is known."""

    implants: list[EnrolledImplantIn] = Field(  # type: ignore[assignment]
        default_factory=list, max_length=6
    )


class SurveillanceStrikeOutIn(StrikeOutIn):
    """Why the record is struck out (required)."""


class LevelOut(Schema):
    value: float  # as the laboratory reported it
    unit: str  # ug/L, [ppb] or nmol/L
    ug_per_l: float  # converted to micrograms per litre


class MetalFlagOut(Schema):
    code: str  # above-concern | rising | repeat-bloods | imaging-recommended | not-whole-blood
    text: str
    rule_id: str
    rule_version: str  # the surveillance table's version
    sources: list[str]
    metal: str | None
    due_on: dt.date | None  # a repeat's day


def _level(value: float | None, unit: str, ug: float | None) -> LevelOut | None:
    return None if value is None or ug is None else LevelOut(value=value, unit=unit, ug_per_l=ug)


class StruckOutFields(Schema):
    struck_out: bool
    struck_out_at: dt.datetime | None
    struck_out_reason: str


def _struck(row: MetalIonResult | ImagingStudy | SurveillanceReview) -> dict[str, Any]:
    return {
        "struck_out": row.struck_out_at is not None,
        "struck_out_at": row.struck_out_at,
        "struck_out_reason": row.struck_out_reason,
    }


class MetalIonsOut(StruckOutFields):
    id: uuid.UUID
    sampled_on: dt.date
    matrix: str  # whole-blood | serum | plasma (only whole blood is compared)
    tube: str  # edta | trace-element | lithium-heparin | serum; "": not given
    laboratory: str
    cobalt: LevelOut | None  # None: not measured
    chromium: LevelOut | None
    flags: list[MetalFlagOut]  # each names its rule, the table's version and its sources
    recorded_at: dt.datetime

    @classmethod
    def of(cls, r: MetalIonResult) -> "MetalIonsOut":
        return cls(
            id=r.public_id,
            sampled_on=r.sampled_on,
            matrix=r.matrix,
            tube=r.tube,
            laboratory=r.laboratory,
            cobalt=_level(r.cobalt_value, r.cobalt_unit, r.cobalt_ug_per_l),
            chromium=_level(r.chromium_value, r.chromium_unit, r.chromium_ug_per_l),
            flags=[MetalFlagOut(**{k: v for k, v in f.items() if k != "facts"}) for f in r.flags],
            recorded_at=r.recorded_at,
            **_struck(r),
        )


class ImagingStudyOut(StruckOutFields):
    id: uuid.UUID
    performed_on: dt.date
    modality: str  # mars-mri | ultrasound | xray
    fluid_collection: str  # present | absent | not-assessed ("" on an X-ray)
    solid_mass: str
    muscle_involvement: str
    bone_involvement: str
    very_large: bool
    size_mm: float | None
    classification_system: str
    classification: str
    xray: dict[str, str]  # X-ray finding code -> present | absent | not-assessed
    report: str
    recorded_at: dt.datetime

    @classmethod
    def of(cls, s: ImagingStudy) -> "ImagingStudyOut":
        return cls(
            id=s.public_id,
            performed_on=s.performed_on,
            modality=s.modality,
            fluid_collection=s.fluid_collection,
            solid_mass=s.solid_mass,
            muscle_involvement=s.muscle_involvement,
            bone_involvement=s.bone_involvement,
            very_large=s.very_large,
            size_mm=s.size_mm,
            classification_system=s.classification_system,
            classification=s.classification,
            xray=s.xray,
            report=s.report,
            recorded_at=s.recorded_at,
            **_struck(s),
        )


class SurveillanceReviewOut(StruckOutFields):
    id: uuid.UUID
    reviewed_on: dt.date
    symptoms: dict[str, str]  # symptom code -> yes | no | not-asked
    score_fall_on: dt.date | None  # a fall in a hip score flagged since the last review
    recommendation: str  # routine | complete-check | repeat-bloods | image | refer-revision
    # The recommendation explained: its reasons (each with rule, version, sources and facts),
    # what the check was missing, and the schedule rule and table version it read.
    advice: dict[str, Any]
    plan: str  # "follow": the recommendation is the plan; otherwise the plan chosen
    plan_reason: str
    recorded_at: dt.datetime

    @classmethod
    def of(cls, r: SurveillanceReview) -> "SurveillanceReviewOut":
        return cls(
            id=r.public_id,
            reviewed_on=r.reviewed_on,
            symptoms=r.symptoms,
            score_fall_on=r.score_fall_on,
            recommendation=r.recommendation,
            advice=r.advice,
            plan=r.plan,
            plan_reason=r.plan_reason,
            recorded_at=r.recorded_at,
            **_struck(r),
        )


class EnrolledImplantOut(Schema):
    component: str
    manufacturer: str
    product: str
    lot: str  # "": not known


class EnrolmentOut(Schema):
    episode_id: uuid.UUID
    source: str  # operation-note | recorded-elsewhere
    implant: str  # resurfacing | mom-thr
    head_mm: float | None  # None: not known
    operated_on: dt.date | None
    operated_where: str
    enrolled_on: dt.date
    status: str  # active | ended
    ended_on: dt.date | None
    ended_reason: str  # revised | died; "" while active
    implants: list[EnrolledImplantOut]  # those recorded by hand (a note's are on the note)

    @classmethod
    def of(cls, e: Enrolment) -> "EnrolmentOut":
        return cls(
            episode_id=e.episode.public_id,
            source=e.source,
            implant=e.implant,
            head_mm=e.head_mm,
            operated_on=e.operated_on,
            operated_where=e.operated_where,
            enrolled_on=e.enrolled_on,
            status=e.status,
            ended_on=e.ended_on,
            ended_reason=e.ended_reason,
            implants=[
                EnrolledImplantOut(
                    component=i.component,
                    manufacturer=i.manufacturer,
                    product=i.product,
                    lot=i.lot,
                )
                for i in e.implants.all()
            ],
        )


class SurveillanceScheduleOut(Schema):
    """The rule behind the hip's next check: stored with the due date, never rewritten."""

    rule: str  # the rule's code
    title: str
    table_version: str
    checked_by_clinical_lead: bool  # False: every hip has the conservative default
    words: str  # why this rule (says so when the conservative default applies)
    interval_days: int
    blood_metals: bool
    imaging: bool
    next_due_on: dt.date | None  # None only once surveillance has ended
    next_kind: str  # review | repeat-bloods | imaging
    next_title: str
    routine_on: dt.date | None
    lost_on: dt.date | None  # lost to follow-up from this day if nothing is done

    @classmethod
    def of(cls, shown: HipSurveillance) -> "SurveillanceScheduleOut | None":
        """The stored rule behind the due date; for a hip not yet enrolled, today's rule."""
        e, rule, now = shown.enrolment, shown.chosen.rule, shown.active
        if e is None and not shown.enrollable:
            return None
        return cls(
            rule=e.rule_code if e else rule.code,
            title=_rule_title(e.rule_code, shown) if e else rule.title,
            table_version=e.rule_version if e else shown.chosen.version,
            checked_by_clinical_lead=e.rule_checked if e else shown.chosen.checked,
            words=shown.unchecked_words or shown.chosen.why,
            interval_days=e.interval_days if e else rule.interval_days,
            blood_metals=e.needs_bloods if e else rule.blood_metals,
            imaging=e.needs_imaging if e else rule.imaging,
            next_due_on=e.next_due_on if e and now else None,
            next_kind=e.next_kind if e and now else "",
            next_title=Next(e.next_kind).label if e and now and e.next_kind else "",
            routine_on=e.routine_on if e and now else None,
            lost_on=e.lost_on if e and now else None,
        )


def _rule_title(code: str, shown: HipSurveillance) -> str:
    if shown.chosen.rule.code == code:
        return shown.chosen.rule.title
    table = get_catalogue().surveillance
    rule = next((r for r in (table.default, *table.rules) if r.code == code), None)
    return rule.title if rule is not None else code


class OpenFlagOut(Schema):
    flagged_on: dt.date | None  # None: nothing awaits action
    flag_text: str
    repeat_due_on: dt.date | None  # a repeat of the bloods awaited


class SurveillanceOut(Schema):
    episode_id: uuid.UUID
    enrolled: bool
    enrollable: bool  # signed, not yet enrolled: POST .../surveillance-enrolment enrols it
    enrolment: EnrolmentOut | None
    schedule: SurveillanceScheduleOut | None
    results: list[MetalIonsOut]  # oldest first; struck-out ones marked (staff only)
    imaging: list[ImagingStudyOut]
    reviews: list[SurveillanceReviewOut]
    flags: OpenFlagOut | None
    # What a review today would say, explained (None: not enrolled, or ended).
    recommendation: dict[str, Any] | None
    ended_words: str  # how surveillance ended, in words ("" while active)
    new_episode_id: uuid.UUID | None  # after a revision: the hip's new episode

    @classmethod
    def of(cls, shown: HipSurveillance, *, patient: bool) -> "SurveillanceOut":
        """The hip's surveillance; a patient never sees an entry struck out."""
        e = shown.enrolment

        def kept(rows: tuple[Any, ...]) -> list[Any]:
            return [r for r in rows if not (patient and r.struck_out_at is not None)]

        return cls(
            episode_id=shown.episode.public_id,
            enrolled=e is not None,
            enrollable=shown.enrollable,
            enrolment=EnrolmentOut.of(e) if e is not None else None,
            schedule=SurveillanceScheduleOut.of(shown),
            results=[MetalIonsOut.of(r) for r in kept(shown.results)],
            imaging=[ImagingStudyOut.of(s) for s in kept(shown.studies)],
            reviews=[SurveillanceReviewOut.of(r) for r in kept(shown.reviews)],
            flags=None
            if e is None
            else OpenFlagOut(
                flagged_on=e.flagged_on, flag_text=e.flag_text, repeat_due_on=e.repeat_due_on
            ),
            recommendation=shown.advice_now.as_json() if shown.advice_now else None,
            ended_words=shown.ended_words,
            new_episode_id=shown.new_episode.public_id if shown.new_episode else None,
        )


class SurveillanceRowOut(Schema):
    episode_id: uuid.UUID
    patient_id: uuid.UUID
    patient: str
    side: str
    implant: str
    statuses: list[str]  # due | overdue | flagged | repeat | lost
    next_kind: str
    next_due_on: dt.date | None
    repeat_due_on: dt.date | None
    flagged_on: dt.date | None
    flag_text: str
    lost_on: dt.date | None
    last_review_on: dt.date | None
    last_result_on: dt.date | None
    schedule: str  # "<rule>@<table version>"


class SurveillanceWorklistOut(Schema):
    count: int  # counted up to 1,001; see count_capped
    count_capped: bool
    page: int
    page_size: int
    items: list[SurveillanceRowOut]


class RecallContactOut(Schema):
    episode_id: uuid.UUID
    product: str
    lot: str  # "": every lot of the product
    notice: str
    method: str  # phone | letter | email | in-person
    note: str
    contacted_on: dt.date
    by: str
    at: dt.datetime

    @classmethod
    def of(cls, c: RecallContact) -> "RecallContactOut":
        return cls(
            episode_id=c.episode.public_id,
            product=c.product,
            lot=c.lot,
            notice=c.notice,
            method=c.method,
            note=c.note,
            contacted_on=c.contacted_on,
            by=c.by.username,
            at=c.at,
        )


class RecallHipOut(Schema):
    episode_id: uuid.UUID
    patient_id: uuid.UUID
    patient: str
    date_of_birth: dt.date
    phone: str
    email: str
    address: str
    postcode: str
    side: str
    component: str
    product: str
    lot: str
    source: str  # operation-note | recorded-elsewhere
    operated_on: dt.date | None
    contacts: list[RecallContactOut]  # oldest first


class RecallOut(Schema):
    product: str
    lot: str
    items: list[RecallHipOut]
