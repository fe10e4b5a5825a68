"""HTTP boundary types for surgery."""

import datetime as dt
import uuid
from typing import Annotated

from ninja import Schema
from pydantic import Field

from coxa.core.inputs import STORABLE, Day, Reason
from coxa.core.text import NOTE_MAX, REASON_MAX
from coxa.surgery.domain.notes import OperationNoteIn
from coxa.surgery.domain.plan import Plan
from coxa.surgery.domain.prophylaxis import ProphylaxisIn
from coxa.surgery.models import Consent, Discharge, OperationNote, PhysioReview

Username = Annotated[str, Field(min_length=1, max_length=150), STORABLE]
Fingerprint = Annotated[str, Field(min_length=64, max_length=64), STORABLE]
# A day after the operation (a phase's end, an appointment), within two years of it; the
# protocol's own ranges are checked when the plan is laid out.
PlanDay = Annotated[int, Field(ge=0, le=730)]
PlanKey = Annotated[str, Field(max_length=60), STORABLE]


class ScheduleIn(Schema):
    operation_date: Day  # from today to a year ahead
    surgeon: Username  # the surgeon's username
    theatre_list: Annotated[str, Field(max_length=100), STORABLE] = ""
    start_time: dt.time | None = None  # the planned start on the list ("08:30"), optional
    reason: Reason = ""  # needed to move a booked date
    # What was agreed with the patient when a medicine's stop date has already passed.
    late_stops_reason: Reason = ""


class LateStopOut(Schema):
    medication: str
    stop_on: dt.date


class MovedOut(Schema):
    what: str
    before: dt.date | None
    after: dt.date | None


class ScheduleOut(Schema):
    episode_id: uuid.UUID
    state: str
    operation_date: dt.date
    surgeon: str
    theatre_list: str
    start_time: dt.time | None
    moved: list[MovedOut]
    late_stops: list[LateStopOut]  # stop dates already past when booked (acknowledged)


class NoteIn(OperationNoteIn):
    surgeon: Username | None = None  # the operating surgeon's username; the writer by default


class SignIn(Schema):
    # The fingerprint of the draft being signed (``draft`` in the note): signing refuses if
    # the stored draft is not the one the signer saw.
    draft: Fingerprint
    # Core decompression: days on crutches, required, within the range (longer with a reason).
    offload_days: int | None = Field(default=None, ge=1, le=365)
    offload_reason: Reason = ""


class ConfirmOverrideIn(Schema):
    draft: Fingerprint  # the draft being confirmed


class AddendumIn(Schema):
    text: Annotated[str, Field(min_length=1, max_length=NOTE_MAX), STORABLE]


class ImplantOut(Schema):
    component: str
    manufacturer: str
    product: str
    size_mm: float | None
    lot: str
    udi: str
    size_reason_code: str
    size_reason: str


class AddendumOut(Schema):
    text: str
    by: str
    at: dt.datetime


class NoteOut(Schema):
    id: uuid.UUID
    operated_on: dt.date
    started_at: dt.time
    ended_at: dt.time
    side: str
    procedure: str
    surgeon: str
    assistants: list[str]
    anaesthetic: str
    approach: str
    approach_reason: str
    implants: list[ImplantOut]
    drill_passes: int | None
    graft_used: bool | None
    graft_product: str
    findings: str
    events: str
    date_change_reason: str
    vte_prophylaxis: ProphylaxisIn | None  # as prescribed (choice, regimen, dose, duration)
    draft: str  # the draft's fingerprint: sign with it
    overrides_confirmed_by: list[str]  # second clinicians who confirmed this draft's sizes
    # The consents that recorded the confirmed restricted sizes as discussed with the patient.
    overrides_consents: list[uuid.UUID]
    signed: bool
    signed_at: dt.datetime | None
    signed_by: str | None
    addenda: list[AddendumOut]

    @staticmethod
    def of(note: OperationNote) -> "NoteOut":
        return NoteOut(
            id=note.public_id,
            operated_on=note.operated_on,
            started_at=note.started_at,
            ended_at=note.ended_at,
            side=note.side,
            procedure=note.procedure,
            surgeon=note.surgeon.username,
            assistants=list(note.assistants),
            anaesthetic=note.anaesthetic,
            approach=note.approach,
            approach_reason=note.approach_reason,
            implants=[ImplantOut.model_validate(i) for i in note.implants.all()],
            drill_passes=note.drill_passes,
            graft_used=note.graft_used,
            graft_product=note.graft_product,
            findings=note.findings,
            events=note.events,
            date_change_reason=note.date_change_reason,
            vte_prophylaxis=ProphylaxisIn.model_validate(note.vte_prophylaxis)
            if note.vte_prophylaxis
            else None,
            draft=note.draft_hash,
            overrides_confirmed_by=[
                c.by.username for c in note.confirmations.all() if c.draft_hash == note.draft_hash
            ],
            overrides_consents=sorted(
                {
                    c.consent.public_id
                    for c in note.confirmations.all()
                    if c.draft_hash == note.draft_hash and c.consent is not None
                }
            ),
            signed=note.is_signed,
            signed_at=note.signed_at,
            signed_by=note.signed_by.username if note.signed_by else None,
            addenda=[
                AddendumOut(text=a.text, by=a.by.username, at=a.at) for a in note.addenda.all()
            ],
        )


class DischargeOut(Schema):
    id: uuid.UUID
    out_of_bed_at: dt.datetime
    discharged_on: dt.date
    same_day: bool
    destination: str
    destination_reason: str
    criteria: dict[str, bool]
    unmet_reason: str

    @staticmethod
    def of(discharge: Discharge) -> "DischargeOut":
        return DischargeOut(
            id=discharge.public_id,
            out_of_bed_at=discharge.out_of_bed_at,
            discharged_on=discharge.discharged_on,
            same_day=discharge.same_day,
            destination=discharge.destination,
            destination_reason=discharge.destination_reason,
            criteria=discharge.criteria,
            unmet_reason=discharge.unmet_reason,
        )


class PhaseOut(Schema):
    code: str
    title: str
    starts_on: dt.date
    ends_on: dt.date  # only a placeholder while ``settled`` is false
    settled: bool  # false until the surgeon chooses the end (in the range) at signing
    earliest_end: dt.date
    latest_end: dt.date
    weight_bearing: str
    walking_aid: str


class AppointmentOut(Schema):
    key: str
    kind: str
    title: str
    due_on: dt.date  # a working day when the plan keeps to working days
    day: int  # the plan's day count after the operation
    # When the day count fell on a weekend or a closed day: the day it would have been, and
    # why it moved ("day 14 fell on Sunday 27 December; moved to the next working day").
    moved_from: dt.date | None = None
    moved_because: str = ""


class PlanOut(Schema):
    operation_date: dt.date
    final: bool  # made from a signed note; otherwise projected from the booked date
    phases: list[PhaseOut]
    appointments: list[AppointmentOut]
    pain_relief: str
    exercise: str

    @staticmethod
    def of(plan: Plan, *, final: bool) -> "PlanOut":
        return PlanOut(
            operation_date=plan.operation_on,
            final=final,
            phases=[
                PhaseOut(
                    code=p.code,
                    title=p.title,
                    starts_on=p.starts_on,
                    ends_on=p.ends_on,
                    settled=p.settled,
                    earliest_end=p.earliest_end,
                    latest_end=p.latest_end,
                    weight_bearing=p.weight_bearing,
                    walking_aid=p.walking_aid,
                )
                for p in plan.phases
            ],
            appointments=[
                AppointmentOut(
                    key=a.key,
                    kind=a.kind,
                    title=a.title,
                    due_on=a.due_on,
                    day=a.day,
                    moved_from=a.moved.fell_on if a.moved else None,
                    moved_because=a.moved_because,
                )
                for a in plan.appointments
            ],
            pain_relief=plan.pain_relief,
            exercise=plan.exercise,
        )


class PlanAdjustIn(Schema):
    # phase code -> the day after the operation it now ends
    phases: Annotated[dict[PlanKey, PlanDay], Field(max_length=20)] = {}
    # appointment key -> the day after the operation it now falls on
    appointments: Annotated[dict[PlanKey, PlanDay], Field(max_length=50)] = {}
    reason: Reason


class ReviewOut(Schema):
    id: uuid.UUID
    reviewed_on: dt.date
    walking_aid: str
    weight_bearing: str
    flexion_deg: float | None
    abduction_deg: float | None
    internal_rotation_deg: float | None
    external_rotation_deg: float | None
    pain: int | None
    exercises_progressed: str
    progressed_to: str
    notes: str
    plan_conflict: str  # set when the weight bearing goes beyond the plan's for that day

    @staticmethod
    def of(review: PhysioReview) -> "ReviewOut":
        return ReviewOut(
            id=review.public_id,
            reviewed_on=review.reviewed_on,
            walking_aid=review.walking_aid,
            weight_bearing=review.weight_bearing,
            flexion_deg=review.flexion_deg,
            abduction_deg=review.abduction_deg,
            internal_rotation_deg=review.internal_rotation_deg,
            external_rotation_deg=review.external_rotation_deg,
            pain=review.pain,
            exercises_progressed=review.exercises_progressed,
            progressed_to=review.progressed_to,
            notes=review.notes,
            plan_conflict=review.plan_conflict,
        )


class ConsentRiskOut(Schema):
    code: str
    title: str
    frequency: str  # as published, or "not known"
    discussed: str  # "always" (a material risk) or "restricted-head-size"


class ConsentAlternativeOut(Schema):
    code: str
    title: str


class ConsentOut(Schema):
    id: uuid.UUID
    procedure: str
    side: str
    risks: list[ConsentRiskOut]  # as the catalogue worded them when recorded
    alternatives: list[ConsentAlternativeOut]
    information_version: str
    taken_by: str
    taken_at: dt.datetime
    note: str
    catalogue_version: str
    recorded_at: dt.datetime
    current: bool  # the consent that stands: neither superseded nor withdrawn
    supersedes: uuid.UUID | None
    superseded_at: dt.datetime | None
    withdrawn_at: dt.datetime | None
    withdrawn_by: str | None
    withdrawal_reason: str

    @staticmethod
    def of(consent: Consent) -> "ConsentOut":
        return ConsentOut(
            id=consent.public_id,
            procedure=consent.procedure,
            side=consent.side,
            risks=[ConsentRiskOut.model_validate(r) for r in consent.risks],
            alternatives=[ConsentAlternativeOut.model_validate(a) for a in consent.alternatives],
            information_version=consent.information_version,
            taken_by=consent.taken_by.username,
            taken_at=consent.taken_at,
            note=consent.note,
            catalogue_version=consent.catalogue_version,
            recorded_at=consent.recorded_at,
            current=consent.is_current,
            supersedes=consent.supersedes.public_id if consent.supersedes else None,
            superseded_at=consent.superseded_at,
            withdrawn_at=consent.withdrawn_at,
            withdrawn_by=consent.withdrawn_by.username if consent.withdrawn_by else None,
            withdrawal_reason=consent.withdrawal_reason,
        )


class WithdrawConsentIn(Schema):
    consent: uuid.UUID  # the current consent being withdrawn
    reason: Annotated[str, Field(min_length=1, max_length=REASON_MAX), STORABLE]
