"""API for the operation and recovery.

Schedule, note, sign, addenda, discharge, the recovery plan (JSON and iCalendar), plan
adjustments and physiotherapy reviews.
"""

import uuid

from django.http import HttpRequest, HttpResponse
from ninja import Router, Status

from coxa.accounts.api import actor
from coxa.accounts.api_access import allow
from coxa.accounts.domain import Capability, Role
from coxa.accounts.permissions import Op
from coxa.accounts.selectors import require
from coxa.core.audit import Via
from coxa.core.errors import ErrorCode, NotFound
from coxa.core.idempotency import idempotent
from coxa.pathways.models import Episode
from coxa.pathways.selectors import access_episode
from coxa.surgery import selectors
from coxa.surgery.documents import calendar_response
from coxa.surgery.domain.consent import ConsentIn
from coxa.surgery.domain.notes import OperationNoteIn
from coxa.surgery.domain.recovery import DischargeIn, PhysioReviewIn
from coxa.surgery.models import PhysioReview
from coxa.surgery.schemas import (
    AddendumIn,
    ConfirmOverrideIn,
    ConsentOut,
    DischargeOut,
    LateStopOut,
    MovedOut,
    NoteIn,
    NoteOut,
    PlanAdjustIn,
    PlanOut,
    ReviewOut,
    ScheduleIn,
    ScheduleOut,
    SignIn,
    WithdrawConsentIn,
)
from coxa.surgery.selectors import Copy
from coxa.surgery.services import addenda, consent, notes, recovery
from coxa.surgery.services.schedule import schedule

router = Router(tags=["operation and recovery"])


def _episode(request: HttpRequest, episode_id: uuid.UUID, *, own: bool = False) -> Episode:
    """Clinical staff; with ``own``, also the patient whose hip it is (their plan)."""
    user = actor(request)
    if not (own and user.role == Role.PATIENT):
        require(user, Capability.VIEW_PATIENTS)
    return access_episode(actor=user, episode_id=episode_id, via=Via.API)


@router.post("/episodes/{episode_id}/schedule", response=ScheduleOut, auth=allow(Op.API_SCHEDULE))
def schedule_operation(
    request: HttpRequest, episode_id: uuid.UUID, payload: ScheduleIn
) -> ScheduleOut:
    """Book a ready hip (or re-date a booked one, with a reason); says which dates moved."""
    user = actor(request)
    episode = _episode(request, episode_id)
    done = schedule(
        episode=episode,
        operation_on=payload.operation_date,
        surgeon=selectors.surgeon_named(payload.surgeon),
        theatre_list=payload.theatre_list,
        by=user,
        via=Via.API,
        reason=payload.reason,
        late_stops_reason=payload.late_stops_reason,
        starts_at=payload.start_time,
    )
    return ScheduleOut(
        episode_id=done.episode.public_id,
        state=done.episode.state,
        operation_date=done.booking.operation_on,
        surgeon=done.booking.surgeon.username,
        theatre_list=done.booking.theatre_list,
        start_time=done.booking.starts_at,
        moved=[MovedOut(what=m.what, before=m.before, after=m.after) for m in done.moved],
        late_stops=[LateStopOut.model_validate(s) for s in done.booking.late_stops],
    )


@router.get(
    "/episodes/{episode_id}/consents", response=list[ConsentOut], auth=allow(Op.API_CONSENT_READ)
)
def list_consents(request: HttpRequest, episode_id: uuid.UUID) -> list[ConsentOut]:
    """Every consent of the hip, newest first; ``current`` marks the one that stands."""
    return [ConsentOut.of(c) for c in selectors.consents_of(_episode(request, episode_id))]


@router.post(
    "/episodes/{episode_id}/consents",
    response={201: ConsentOut},
    auth=allow(Op.API_CONSENT_RECORD),
)
@idempotent
def record_consent(
    request: HttpRequest, episode_id: uuid.UUID, payload: ConsentIn
) -> Status[ConsentOut]:
    """Record the consent the calling surgeon took; it supersedes the hip's current one.

    Every material risk of the procedure and every alternative that must be discussed must
    be listed, with the current patient information's version. ``Idempotency-Key`` makes
    a retry safe.
    """
    user = actor(request)
    episode = _episode(request, episode_id)
    done = consent.record_consent(episode=episode, entry=payload, by=user, via=Via.API)
    return Status(201, ConsentOut.of(done))


@router.post(
    "/episodes/{episode_id}/consents/withdrawal",
    response=ConsentOut,
    auth=allow(Op.API_CONSENT_WITHDRAW),
)
def withdraw_consent(
    request: HttpRequest, episode_id: uuid.UUID, payload: WithdrawConsentIn
) -> ConsentOut:
    """Record that the patient withdrew the named current consent; booking is refused then."""
    user = actor(request)
    episode = _episode(request, episode_id)
    done = consent.withdraw_consent(
        episode=episode,
        consent_id=payload.consent,
        reason=payload.reason,
        by=user,
        via=Via.API,
    )
    return ConsentOut.of(done)


def _note(episode: Episode) -> NoteOut:
    found = selectors.note_of(episode)
    if found is None:
        raise NotFound(ErrorCode.NO_NOTE, "this hip has no operation note yet")
    return NoteOut.of(found)


@router.get("/episodes/{episode_id}/operation", response=NoteOut, auth=allow(Op.API_NOTE_READ))
def read_note(request: HttpRequest, episode_id: uuid.UUID) -> NoteOut:
    return _note(_episode(request, episode_id))


@router.post(
    "/episodes/{episode_id}/operation", response={201: NoteOut}, auth=allow(Op.API_NOTE_WRITE)
)
def write_note(request: HttpRequest, episode_id: uuid.UUID, payload: NoteIn) -> Status[NoteOut]:
    """Write or rewrite the draft operation note; refused once signed."""
    user = actor(request)
    episode = _episode(request, episode_id)
    surgeon = selectors.surgeon_named(payload.surgeon) if payload.surgeon else user
    body = OperationNoteIn.model_validate(payload.model_dump(exclude={"surgeon"}))
    notes.write_note(episode=episode, note=body, surgeon=surgeon, by=user, via=Via.API)
    return Status(201, _note(episode))


@router.post(
    "/episodes/{episode_id}/operation/sign", response=NoteOut, auth=allow(Op.API_NOTE_WRITE)
)
def sign_note(request: HttpRequest, episode_id: uuid.UUID, payload: SignIn) -> NoteOut:
    """Sign the draft named by its fingerprint; the hip is operated and the plan is made.

    The note can no longer change. Refused if the stored draft differs, if the readiness
    gate fails for the operation day, or a restricted size lacks a second confirmation.
    """
    user = actor(request)
    episode = _episode(request, episode_id)
    notes.sign_note(
        episode=episode,
        by=user,
        via=Via.API,
        draft=payload.draft,
        offload_days=payload.offload_days,
        offload_reason=payload.offload_reason,
    )
    return _note(episode)


@router.post(
    "/episodes/{episode_id}/operation/override-confirmations",
    response={201: NoteOut},
    operation_id="confirm_implant_override",
    auth=allow(Op.API_CONFIRM),
)
def confirm_override(
    request: HttpRequest, episode_id: uuid.UUID, payload: ConfirmOverrideIn
) -> Status[NoteOut]:
    """A second clinician confirms the restricted implant sizes of the named draft."""
    user = actor(request)
    episode = _episode(request, episode_id)
    notes.confirm_override(episode=episode, draft=payload.draft, by=user, via=Via.API)
    return Status(201, _note(episode))


@router.post(
    "/episodes/{episode_id}/operation/addenda",
    response={201: NoteOut},
    auth=allow(Op.API_NOTE_WRITE),
)
def add_addendum(
    request: HttpRequest, episode_id: uuid.UUID, payload: AddendumIn
) -> Status[NoteOut]:
    user = actor(request)
    episode = _episode(request, episode_id)
    addenda.add_addendum(episode=episode, text=payload.text, by=user, via=Via.API)
    return Status(201, _note(episode))


@router.post(
    "/episodes/{episode_id}/discharge", response={201: DischargeOut}, auth=allow(Op.API_DISCHARGE)
)
def record_discharge(
    request: HttpRequest, episode_id: uuid.UUID, payload: DischargeIn
) -> Status[DischargeOut]:
    user = actor(request)
    episode = _episode(request, episode_id)
    done = recovery.record_discharge(episode=episode, entry=payload, by=user, via=Via.API)
    return Status(201, DischargeOut.of(done))


def _plan(episode: Episode) -> PlanOut:
    found = selectors.plan_of(episode)
    if found is None:
        raise NotFound(ErrorCode.NO_PLAN, "no operation date yet, so no recovery plan")
    return PlanOut.of(found[0], final=found[1])


@router.get("/episodes/{episode_id}/recovery-plan", response=PlanOut, auth=allow(Op.API_PLAN_READ))
def recovery_plan(request: HttpRequest, episode_id: uuid.UUID) -> PlanOut:
    """The plan: final once the note is signed, projected from the booked date before."""
    return _plan(_episode(request, episode_id, own=True))


@router.get(
    "/episodes/{episode_id}/recovery-plan.ics", response={200: None}, auth=allow(Op.API_PLAN_READ)
)
def recovery_plan_ics(request: HttpRequest, episode_id: uuid.UUID) -> HttpResponse:
    """Every date of the plan as an iCalendar file."""
    episode = _episode(request, episode_id, own=True)
    shown = selectors.access_plan(
        actor=actor(request), episode=episode, via=Via.API, copy=Copy.CALENDAR
    )
    return calendar_response(shown)


@router.post(
    "/episodes/{episode_id}/recovery-plan/adjustments", response=PlanOut, auth=allow(Op.API_ADJUST)
)
def adjust_plan(request: HttpRequest, episode_id: uuid.UUID, payload: PlanAdjustIn) -> PlanOut:
    """Move a phase's end or an appointment, with a reason; the patient's view follows."""
    user = actor(request)
    episode = _episode(request, episode_id)
    recovery.adjust_plan(
        episode=episode,
        phase_end_days=payload.phases,
        appointment_days=payload.appointments,
        reason=payload.reason,
        by=user,
        via=Via.API,
    )
    return _plan(episode)


@router.post(
    "/episodes/{episode_id}/physio-reviews",
    response={201: ReviewOut},
    auth=allow(Op.API_PHYSIO_RECORD),
)
def record_review(
    request: HttpRequest, episode_id: uuid.UUID, payload: PhysioReviewIn
) -> Status[ReviewOut]:
    user = actor(request)
    episode = _episode(request, episode_id)
    return Status(
        201,
        ReviewOut.of(recovery.record_review(episode=episode, entry=payload, by=user, via=Via.API)),
    )


@router.get(
    "/episodes/{episode_id}/physio-reviews",
    response=list[ReviewOut],
    auth=allow(Op.API_PHYSIO_READ),
)
def list_reviews(request: HttpRequest, episode_id: uuid.UUID) -> list[ReviewOut]:
    episode = _episode(request, episode_id)
    return [ReviewOut.of(r) for r in PhysioReview.objects.filter(episode=episode)]
