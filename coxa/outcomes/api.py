"""API: the questionnaires Coxa scores, and how a hip's episode ends.

The questionnaires with their items, answers and scoring; a conversion or revision, and the
patient's death.
"""

import uuid
from typing import Any

from django.http import HttpRequest
from ninja import Router, Status

from coxa.accounts.access import allow
from coxa.accounts.api import actor
from coxa.accounts.domain import Capability, Role
from coxa.accounts.permissions import Op
from coxa.accounts.selectors import require
from coxa.catalogue.loader import get_catalogue
from coxa.catalogue.schema_instruments import Instrument
from coxa.core.audit import Via
from coxa.core.errors import ErrorCode, InvalidInput, NotFound
from coxa.core.idempotency import idempotent
from coxa.outcomes import selectors
from coxa.outcomes.schemas import (
    ConversionIn,
    ConversionOut,
    DeathIn,
    DeathOut,
    InstrumentOut,
    ResponseIn,
    ResponseOut,
)
from coxa.outcomes.services import endpoints, responses
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
    response=list[ResponseOut],
    auth=allow(Op.API_QUESTIONNAIRES_READ),
)
def list_questionnaires(request: HttpRequest, episode_id: uuid.UUID) -> list[ResponseOut]:
    """The hip's completed questionnaires, oldest first, each with its change from baseline.

    The baseline is the latest response before the operation (the first, while there is no
    operation day); a change says whether it reaches the instrument's minimal important
    change, where a source gives one.
    """
    return [ResponseOut.of(a) for a in selectors.responses_of(_episode(request, episode_id))]


@router.post(
    "/episodes/{episode_id}/questionnaires/{instrument}/responses",
    response={201: ResponseOut},
    auth=allow(Op.API_QUESTIONNAIRE_RECORD),
)
@idempotent
def record_questionnaire(
    request: HttpRequest, episode_id: uuid.UUID, instrument: str, payload: ResponseIn
) -> Status[ResponseOut]:
    """Record a completed questionnaire; each bad answer is refused on `answers.<item>`."""
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
    )
    answered = next(a for a in selectors.responses_of(episode) if a.response.pk == stored.pk)
    return Status(201, ResponseOut.of(answered))


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
    opens on the same hip. `reason` is one of the coded reasons (`collapse`,
    `progression-of-arthritis`, `aseptic-loosening`, `adverse-reaction-to-metal-debris`,
    `infection`, `fracture`, `pain`, `other` with a `note`).
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
