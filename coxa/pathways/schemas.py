"""HTTP boundary types for episodes."""

import datetime as dt
import uuid
from typing import Annotated

from ninja import Schema
from pydantic import ConfigDict, Field

from coxa.catalogue.registry import get_procedure
from coxa.core.inputs import STORABLE, Day, Reason
from coxa.core.models import AuditEvent
from coxa.pathways.domain import allowed_targets
from coxa.pathways.models import Episode, EpisodeTransition


class EpisodeIn(Schema):
    model_config = ConfigDict(extra="forbid")
    side: Annotated[str, Field(max_length=16), STORABLE]
    procedure: Annotated[str, Field(max_length=40), STORABLE]
    referred_on: Day | None = None  # not in the future, not before 1950 or birth


class TransitionIn(Schema):
    model_config = ConfigDict(extra="forbid")
    to: Annotated[str, Field(max_length=32), STORABLE]
    reason: Reason = ""


class EpisodeOut(Schema):
    id: uuid.UUID
    patient_id: uuid.UUID
    side: str
    procedure: str
    procedure_title: str
    state: str
    state_label: str
    referred_on: dt.date
    state_changed_at: dt.datetime
    catalogue_version: str
    converted_from: uuid.UUID | None
    converted_to: uuid.UUID | None
    allowed_transitions: list[str]

    @classmethod
    def of(cls, episode: Episode) -> "EpisodeOut":
        procedure = get_procedure(episode.procedure)
        can_convert = bool(procedure and procedure.converts_to)
        converted_to = getattr(episode, "converted_to", None)
        return cls(
            id=episode.public_id,
            patient_id=episode.patient.public_id,
            side=episode.side,
            procedure=episode.procedure,
            procedure_title=episode.procedure_title,
            state=episode.state,
            state_label=episode.state_label,
            referred_on=episode.referred_on,
            state_changed_at=episode.state_changed_at,
            catalogue_version=episode.catalogue_version,
            converted_from=episode.converted_from.public_id if episode.converted_from else None,
            converted_to=converted_to.public_id if converted_to else None,
            allowed_transitions=[
                s.value
                for s in allowed_targets(
                    episode.state_enum,
                    can_convert=can_convert,
                    followed_for_life=bool(procedure and procedure.surveillance),
                )
            ],
        )


class EpisodePageOut(Schema):
    count: int  # counted up to 1,001; see count_capped
    count_capped: bool
    page: int
    page_size: int
    has_next: bool
    items: list[EpisodeOut]


class TransitionOut(Schema):
    from_state: str
    to_state: str
    at: dt.datetime
    by: str
    reason: str
    is_backward: bool

    @classmethod
    def of(cls, transition: EpisodeTransition) -> "TransitionOut":
        return cls(
            from_state=transition.from_state,
            to_state=transition.to_state,
            at=transition.at,
            by=transition.by.username if transition.by else "coxa",
            reason=transition.reason,
            is_backward=transition.is_backward,
        )


class MoveOut(Schema):
    episode: EpisodeOut
    replacement: EpisodeOut | None


class TimelineEntryOut(Schema):
    at: dt.datetime
    action: str
    summary: str
    reason: str
    by: str
    role: str

    @classmethod
    def of(cls, event: AuditEvent) -> "TimelineEntryOut":
        return cls(
            at=event.at,
            action=event.action,
            summary=event.summary,
            reason=event.reason,
            by=event.actor_username,
            role=event.actor_role,
        )
