"""API for episodes of care: open one per hip, list, read, and move between states."""

import uuid

from django.http import HttpRequest
from ninja import Router, Status

from coxa.accounts.api import actor
from coxa.accounts.api_access import allow
from coxa.accounts.permissions import Op
from coxa.core.audit import Via
from coxa.core.idempotency import idempotent
from coxa.core.pagination import page_request
from coxa.pathways import selectors, services
from coxa.pathways.schemas import (
    EpisodeIn,
    EpisodeOut,
    EpisodePageOut,
    MoveOut,
    TimelineEntryOut,
    TransitionIn,
    TransitionOut,
)
from coxa.patients.selectors import access_patient

router = Router(tags=["episodes"])


@router.post(
    "/patients/{patient_id}/episodes", response={201: EpisodeOut}, auth=allow(Op.API_EPISODE_CREATE)
)
@idempotent
def create_episode(
    request: HttpRequest, patient_id: uuid.UUID, payload: EpisodeIn
) -> Status[EpisodeOut]:
    """Open an episode for one hip (left or right) with the planned procedure's code."""
    user = actor(request)
    patient = access_patient(actor=user, patient_id=patient_id, via=Via.API)
    episode = services.open_episode(
        patient=patient,
        side=payload.side,
        procedure=payload.procedure,
        referred_on=payload.referred_on,
        by=user,
        via=Via.API,
    )
    return Status(201, EpisodeOut.of(episode))


@router.get(
    "/patients/{patient_id}/episodes",
    response=list[EpisodeOut],
    auth=allow(Op.API_PATIENT_EPISODES),
)
def patient_episodes(request: HttpRequest, patient_id: uuid.UUID) -> list[EpisodeOut]:
    """A patient's episodes, open ones first."""
    patient = access_patient(actor=actor(request), patient_id=patient_id, via=Via.API)
    return [EpisodeOut.of(e) for e in selectors.episodes_of(patient)]


@router.get(
    "/patients/{patient_id}/timeline",
    response=list[TimelineEntryOut],
    auth=allow(Op.API_PATIENT_TIMELINE),
)
def patient_timeline(request: HttpRequest, patient_id: uuid.UUID) -> list[TimelineEntryOut]:
    """Everything recorded about a patient, newest first."""
    patient = access_patient(actor=actor(request), patient_id=patient_id, via=Via.API)
    return [TimelineEntryOut.of(e) for e in selectors.timeline_of(patient)]


@router.get("/episodes", response=EpisodePageOut, auth=allow(Op.API_EPISODE_LIST))
def list_episodes(
    request: HttpRequest,
    state: str = "",
    procedure: str = "",
    side: str = "",
    page: int | None = None,
    page_size: int | None = None,
) -> EpisodePageOut:
    """Episodes, most recently changed first, filtered by state, procedure and side."""
    user = actor(request)
    found = selectors.list_episodes(
        actor=user,
        filters=selectors.EpisodeFilters(state=state, procedure=procedure, side=side),
        page=page_request(page, page_size),
        via=Via.API,
    )
    return EpisodePageOut(
        count=found.count,
        count_capped=found.capped,
        page=found.page.number,
        page_size=found.page.size,
        has_next=found.has_next,
        items=[EpisodeOut.of(e) for e in found.episodes],
    )


@router.get("/episodes/{episode_id}", response=EpisodeOut, auth=allow(Op.API_EPISODE_READ))
def get_episode(request: HttpRequest, episode_id: uuid.UUID) -> EpisodeOut:
    """One episode with the states it may move to next."""
    user = actor(request)
    episode = selectors.access_episode(actor=user, episode_id=episode_id, via=Via.API)
    return EpisodeOut.of(episode)


@router.get(
    "/episodes/{episode_id}/transitions",
    response=list[TransitionOut],
    auth=allow(Op.API_TRANSITIONS_READ),
)
def episode_transitions(request: HttpRequest, episode_id: uuid.UUID) -> list[TransitionOut]:
    """The episode's history of states: who moved it, when and why."""
    episode = selectors.access_episode(actor=actor(request), episode_id=episode_id, via=Via.API)
    return [TransitionOut.of(t) for t in selectors.transitions_of(episode)]


@router.post(
    "/episodes/{episode_id}/transitions", response=MoveOut, auth=allow(Op.API_EPISODE_MOVE)
)
def move_episode(request: HttpRequest, episode_id: uuid.UUID, payload: TransitionIn) -> MoveOut:
    """Move an episode to another state; going back and withdrawing need a reason.

    Converted and died are not moves by hand (409 `own-step`): record them with
    `POST /episodes/{id}/conversion` and `POST /patients/{id}/death`.
    """
    user = actor(request)
    episode = selectors.access_episode(actor=user, episode_id=episode_id, via=Via.API)
    moved = services.move_episode(
        episode=episode, to=payload.to, reason=payload.reason, by=user, via=Via.API
    )
    return MoveOut(
        episode=EpisodeOut.of(moved.episode),
        replacement=EpisodeOut.of(moved.replacement) if moved.replacement else None,
    )
