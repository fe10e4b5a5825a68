"""API: the questionnaires Coxa scores, and how a hip's episode ends.

The questionnaires with their items, answers and scoring; a conversion or revision, and the
patient's death.
"""

import uuid
from typing import Any

from django.http import HttpRequest
from ninja import Router, Status

from coxa.accounts.api import actor
from coxa.accounts.api_access import allow
from coxa.accounts.domain import Capability, Role
from coxa.accounts.permissions import Op
from coxa.accounts.selectors import require
from coxa.catalogue.loader import get_catalogue
from coxa.catalogue.schema_instruments import Instrument
from coxa.core import clock
from coxa.core.audit import Via
from coxa.core.errors import ErrorCode, InvalidInput, NotFound
from coxa.core.idempotency import idempotent
from coxa.core.pagination import page_request
from coxa.outcomes import selectors
from coxa.outcomes.domain.reviews import FollowUpReviewIn
from coxa.outcomes.schemas import (
    ComplicationIn,
    ComplicationOut,
    ConversionIn,
    ConversionOut,
    DeathIn,
    DeathOut,
    DueOut,
    FollowUpReviewOut,
    FollowUpRowOut,
    FollowUpWorklistOut,
    InstrumentOut,
    QuestionnairesOut,
    ResponseIn,
    ResponseOut,
    StrikeOutIn,
)
from coxa.outcomes.services import complications, endpoints, responses, reviews
from coxa.outcomes.worklist import FollowUpQuery, list_follow_up_worklist
from coxa.pathways.models import Episode
from coxa.pathways.selectors import access_episode
from coxa.patients.selectors import access_patient

router = Router(tags=["outcomes"])


def _out(instrument: Instrument) -> dict[str, Any]:
    data = instrument.model_dump()
    data["scoring"]["items_scored"] = list(instrument.scored_items)
    return data


@router.get("/instruments", response=list[InstrumentOut], auth=allow(Op.API_INSTRUMENTS))
def list_instruments(request: HttpRequest) -> list[dict[str, Any]]:
    """Every questionnaire: items, answer values and scoring (licensed wording is not given)."""
    actor(request)
    return [_out(i) for i in get_catalogue().instruments.values()]


@router.get("/instruments/{code}", response=InstrumentOut, auth=allow(Op.API_INSTRUMENT))
def read_instrument(request: HttpRequest, code: str) -> dict[str, Any]:
    """One questionnaire by its code (`hoos-jr`, `ucla`, `pain-nrs`, `oxford-hip`, `eq-5d-5l`)."""
    actor(request)
    instrument = get_catalogue().instruments.get(code)
    if instrument is None:
        raise NotFound(ErrorCode.UNKNOWN_INSTRUMENT, f"no questionnaire {code!r}", "code")
    return _out(instrument)


def _episode(request: HttpRequest, episode_id: uuid.UUID) -> Episode:
    """Clinical staff, or the patient whose hip it is (narrowed to their own by the read)."""
    user = actor(request)
    if user.role != Role.PATIENT:
        require(user, Capability.VIEW_PATIENTS)
    return access_episode(actor=user, episode_id=episode_id, via=Via.API)


@router.get(
    "/episodes/{episode_id}/questionnaires",
    response=QuestionnairesOut,
    auth=allow(Op.API_QUESTIONNAIRES_READ),
)
def list_questionnaires(request: HttpRequest, episode_id: uuid.UUID) -> QuestionnairesOut:
    """What is due on the hip's follow-up schedule, and its completed questionnaires.

    `due` is the next item of the schedule (its point, the questionnaires still to answer,
    whether a clinic review is due, its window, its status and the schedule version behind
    it); empty when nothing is due. `completed` is oldest first, each with its change from
    baseline: the baseline is the latest response before the operation (the first, while
    there is no operation day); a change says whether it reaches the instrument's minimal
    important change, where a source gives one.
    """
    episode = _episode(request, episode_id)
    programme = selectors.programme_due(episode)
    today = clock.today()
    return QuestionnairesOut(
        due=[DueOut.of(programme, episode.procedure, today)] if programme else [],
        completed=[ResponseOut.of(a) for a in selectors.responses_of(episode)],
    )


@router.post(
    "/episodes/{episode_id}/questionnaires/{instrument}/responses",
    response={201: ResponseOut},
    auth=allow(Op.API_QUESTIONNAIRE_RECORD),
)
@idempotent
def record_questionnaire(
    request: HttpRequest, episode_id: uuid.UUID, instrument: str, payload: ResponseIn
) -> Status[ResponseOut]:
    """Record a completed questionnaire; each bad answer is refused on `answers.<item>`.

    `point` (optional) is the schedule point it answers; by default the point whose window
    holds `completed_on`. A point whose window does not hold the day is refused
    (`outside-window`); so is a `completed_on` after the hip's conversion (`after-conversion`:
    record it on the new episode) or after the patient's death (`after-death`).
    """
    user = actor(request)
    episode = _episode(request, episode_id)
    if payload.completed_on is None:
        raise InvalidInput(ErrorCode.REQUIRED, "give the day it was completed", "completed_on")
    stored = responses.record_response(
        episode=episode,
        instrument=instrument,
        answers=payload.answers,
        completed_on=payload.completed_on,
        by=user,
        via=Via.API,
        point=payload.point,
    )
    answered = next(a for a in selectors.responses_of(episode) if a.response.pk == stored.pk)
    return Status(201, ResponseOut.of(answered))


@router.post(
    "/episodes/{episode_id}/questionnaires/responses/{response_id}/strike-out",
    response=ResponseOut,
    auth=allow(Op.API_QUESTIONNAIRE_STRIKE),
)
def strike_out_questionnaire(
    request: HttpRequest, episode_id: uuid.UUID, response_id: uuid.UUID, payload: StrikeOutIn
) -> ResponseOut:
    """Strike out a response made in error (the wrong hip, a forwarded link), with `reason`.

    It stays, marked `struck_out`, and is left out of the baseline, every change from
    baseline, the fall rule, the follow-up schedule and the analytics. 409 `struck-out` when
    it is struck out already; 404 when the hip has no such response.
    """
    user = actor(request)
    episode = _staff_episode(request, episode_id)
    struck = responses.strike_out_response(
        episode=episode, response_id=response_id, reason=payload.reason, by=user, via=Via.API
    )
    answered = next(a for a in selectors.responses_of(episode) if a.response.pk == struck.pk)
    return ResponseOut.of(answered)


def _staff_episode(request: HttpRequest, episode_id: uuid.UUID) -> Episode:
    """Clinical staff only: a review names the patient's findings."""
    user = actor(request)
    require(user, Capability.VIEW_PATIENTS)
    return access_episode(actor=user, episode_id=episode_id, via=Via.API)


@router.get(
    "/episodes/{episode_id}/follow-up-reviews",
    response=list[FollowUpReviewOut],
    auth=allow(Op.API_REVIEWS_READ),
)
def list_follow_up_reviews(request: HttpRequest, episode_id: uuid.UUID) -> list[FollowUpReviewOut]:
    """The hip's follow-up clinic reviews, oldest first; struck-out ones are marked.

    Every X-ray finding of the procedure is listed, with `not-assessed` where it was not
    assessed (never to be read as normal), and its words.
    """
    episode = _staff_episode(request, episode_id)
    return [FollowUpReviewOut.of(s) for s in selectors.reviews_of(episode)]


@router.post(
    "/episodes/{episode_id}/follow-up-reviews",
    response={201: FollowUpReviewOut},
    auth=allow(Op.API_REVIEW_RECORD),
)
@idempotent
def record_follow_up_review(
    request: HttpRequest, episode_id: uuid.UUID, payload: FollowUpReviewIn
) -> Status[FollowUpReviewOut]:
    """Record a follow-up clinic review; each problem is refused on its field.

    Physiotherapists record function only (pain, movement, walking, work, sport): an X-ray
    finding or the plan from them is refused (403) on its field. A `seen_on` after the hip's
    conversion (`after-conversion`) or the patient's death (`after-death`) is refused.
    """
    user = actor(request)
    episode = _staff_episode(request, episode_id)
    stored = reviews.record_review(episode=episode, entry=payload, by=user, via=Via.API)
    return Status(201, FollowUpReviewOut.of(selectors.show_review(stored, episode.procedure)))


@router.post(
    "/episodes/{episode_id}/follow-up-reviews/{review_id}/strike-out",
    response=FollowUpReviewOut,
    auth=allow(Op.API_REVIEW_STRIKE),
)
def strike_out_review(
    request: HttpRequest, episode_id: uuid.UUID, review_id: uuid.UUID, payload: StrikeOutIn
) -> FollowUpReviewOut:
    """Strike out a review recorded in error, with the reason; it stays, marked."""
    user = actor(request)
    episode = _staff_episode(request, episode_id)
    struck = reviews.strike_out_review(
        episode=episode, review_id=review_id, reason=payload.reason, by=user, via=Via.API
    )
    return FollowUpReviewOut.of(selectors.show_review(struck, episode.procedure))


@router.get(
    "/episodes/{episode_id}/complications",
    response=list[ComplicationOut],
    auth=allow(Op.API_COMPLICATIONS_READ),
)
def list_complications(request: HttpRequest, episode_id: uuid.UUID) -> list[ComplicationOut]:
    """The hip's complications register, oldest first.

    Entries made in error are kept and marked ``struck_out``; every figure leaves them out. A
    patient reading their own hip never sees one: an entry struck out as "wrong patient" is
    another person's, and its reason may name them.
    """
    episode = _episode(request, episode_id)
    patient = actor(request).role == Role.PATIENT
    return [
        ComplicationOut.of(c)
        for c in selectors.complications_of(episode)
        if not (patient and c.struck_out_at is not None)
    ]


@router.post(
    "/episodes/{episode_id}/complications",
    response={201: ComplicationOut},
    auth=allow(Op.API_COMPLICATION_RECORD),
)
@idempotent
def record_complication(
    request: HttpRequest, episode_id: uuid.UUID, payload: ComplicationIn
) -> Status[ComplicationOut]:
    """Record a complication of the hip's operation.

    ``type``: a code from the catalogue's list (superficial-infection, deep-infection,
    dislocation, periprosthetic-fracture, femoral-neck-fracture, nerve-injury,
    metal-debris-reaction, significant-bleeding, deep-vein-thrombosis, pulmonary-embolism,
    anaesthetic-complication, failure-to-prevent-collapse, other with a ``description``).
    Refused, naming the field: a day before the operation (the operation day itself counts),
    in the future, after the hip's conversion (`after-conversion`) or after a recorded death;
    a type unknown or not for this operation; a grade that is not Clavien-Dindo's; grade V
    before the death is recorded. 409 when the hip has no signed operation note.
    """
    user = actor(request)
    stored = complications.record_complication(
        episode=_episode(request, episode_id),
        type=payload.type,
        found_on=payload.found_on,
        clavien_dindo=payload.clavien_dindo,
        disability=payload.disability,
        treatment=payload.treatment,
        outcome=payload.outcome,
        description=payload.description,
        by=user,
        via=Via.API,
    )
    return Status(201, ComplicationOut.of(stored))


@router.get("/follow-up", response=FollowUpWorklistOut, auth=allow(Op.API_FOLLOW_UP_WORKLIST))
def follow_up_worklist(
    request: HttpRequest,
    status: str = "",
    procedure: str = "",
    due: str = "",
    page: int | None = None,
    page_size: int | None = None,
) -> dict[str, Any]:
    """Hips with follow-up due, overdue, or lost to follow-up, or a fall in score, by due day.

    Filter with `status` (`due`, `overdue`, `lost`, `fall`: a fall in score flagged with no
    clinic review since), `procedure`, and `due` (`questionnaires` or `clinic-review`: what
    is due). Each row names the schedule version behind its dates, and `fall_on` the day of
    such a fall; a hip listed only for its fall has `status` "".
    """
    request_page = page_request(page, page_size)
    listed = list_follow_up_worklist(
        actor=actor(request),
        query=FollowUpQuery(status=status, procedure=procedure, due=due),
        page=request_page,
        via=Via.API,
    )
    return {
        "count": listed.count,
        "count_capped": listed.capped,
        "page": request_page.number,
        "page_size": request_page.size,
        "items": [
            FollowUpRowOut(
                episode_id=row.episode.public_id,
                patient_id=row.episode.patient.public_id,
                patient=row.episode.patient.display_name,
                side=row.episode.side,
                procedure=row.episode.procedure,
                point=row.programme.next_point,
                title=row.programme.next_title,
                questionnaires=list(row.programme.next_questionnaires),
                clinic_review=row.programme.next_clinic_review,
                due_on=row.programme.next_due_on,
                status=row.status.value if row.status else "",
                lost_on=row.programme.lost_on,
                fall_on=row.fall_on,
                last_contact_on=row.programme.last_contact_on,
                schedule=row.schedule,
            )
            for row in listed.rows
        ],
    }


@router.post(
    "/episodes/{episode_id}/conversion",
    response={201: ConversionOut},
    auth=allow(Op.API_CONVERSION),
)
@idempotent
def record_conversion(
    request: HttpRequest, episode_id: uuid.UUID, payload: ConversionIn
) -> Status[ConversionOut]:
    """Record a conversion or a revision of a hip.

    A conversion makes a core decompression or resurfacing a hip replacement; a revision is
    a further operation on a hip replacement (recorded as a hip replacement). The index
    episode closes as converted on `on` (its survival end point) and the linked new episode
    opens on the same hip. `reason` is one of the coded reasons that apply to the hip's
    procedure (`collapse` and `progression-of-arthritis` for core decompression;
    `aseptic-loosening`, `adverse-reaction-to-metal-debris` and `instability` for an implant;
    `infection`, `fracture`, `pain`, and `other` with a `note`, for any).
    """
    user = actor(request)
    episode = access_episode(actor=user, episode_id=episode_id, via=Via.API)
    done = endpoints.record_conversion(
        episode=episode,
        on=payload.on,
        reason=payload.reason,
        procedure=payload.procedure,
        note=payload.note,
        by=user,
        via=Via.API,
    )
    return Status(
        201,
        ConversionOut(
            closed_episode=done.closed_episode.public_id,
            new_episode=done.new_episode.public_id,
            on=done.conversion.on,
            reason=done.conversion.reason,
            procedure=done.conversion.procedure,
        ),
    )


@router.post("/patients/{patient_id}/death", response={201: DeathOut}, auth=allow(Op.API_DEATH))
@idempotent
def record_death(request: HttpRequest, patient_id: uuid.UUID, payload: DeathIn) -> Status[DeathOut]:
    """Record a patient's death; every open episode of theirs closes as died.

    `related_to_hip` is `yes`, `no` or `unknown`, and required; a second death record is
    refused (409).
    """
    user = actor(request)
    patient = access_patient(actor=user, patient_id=patient_id, via=Via.API)
    died = endpoints.record_death(
        patient=patient,
        on=payload.on,
        related_to_hip=payload.related_to_hip,
        by=user,
        via=Via.API,
    )
    return Status(
        201,
        DeathOut(
            patient=patient.public_id,
            on=died.death.on,
            related_to_hip=died.death.related_to_hip,
            closed_episodes=[e.public_id for e in died.closed_episodes],
        ),
    )
