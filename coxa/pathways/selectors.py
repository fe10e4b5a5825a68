"""Reads of episodes. Every fetch checks the actor's role and leaves an audit record."""

import hashlib
import hmac
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Q, QuerySet

from coxa.accounts.domain import Capability, Role, can
from coxa.accounts.models import User
from coxa.catalogue.loader import get_catalogue
from coxa.catalogue.registry import get_procedure, procedure_codes
from coxa.core import audit
from coxa.core.errors import ErrorCode, Forbidden, Hidden, InvalidInput, NotFound
from coxa.core.models import AuditEvent
from coxa.core.pagination import PageRequest
from coxa.core.worklists import page_of
from coxa.pathways.domain import EpisodeState, Side, is_open
from coxa.pathways.models import Episode, EpisodeTransition
from coxa.patients.models import Patient

TIMELINE_LENGTH = 100


def pseudonym(public_id: uuid.UUID, *, prefix: str = "P", namespace: bytes = b"") -> str:
    """A stable keyed pseudonym for analysts; without the key it cannot be reversed.

    Patients are ``P-...``; other things (hips: ``H-...``) use their own namespace, so one
    record's pseudonym never matches another kind's.
    """
    digest = hmac.new(
        settings.PSEUDONYM_KEY.encode("utf-8"), namespace + public_id.bytes, hashlib.sha256
    ).hexdigest()
    return f"{prefix}-{digest[:12].upper()}"


def _scoped(actor: User) -> QuerySet[Episode]:
    # The reverse link is prefetched, not joined: with most episodes never converted, SQLite's
    # statistics rate its index as useless and a join would scan the table.
    episodes = Episode.objects.select_related("patient", "converted_from").prefetch_related(
        "converted_to"
    )
    if actor.role == Role.PATIENT:
        return episodes.filter(patient__user=actor)
    if not can(actor.role, Capability.VIEW_PATIENTS):
        # Analysts see pseudonymised aggregates (analytics), never one patient's episodes.
        raise Forbidden(ErrorCode.FORBIDDEN, "this role may not see episodes")
    return episodes


@dataclass(frozen=True)
class EpisodeFilters:
    state: str = ""
    procedure: str = ""
    side: str = ""

    def check(self) -> None:
        for field, value, allowed, code in (
            ("state", self.state, [s.value for s in EpisodeState], ErrorCode.UNKNOWN_STATE),
            ("procedure", self.procedure, list(procedure_codes()), ErrorCode.UNKNOWN_PROCEDURE),
            ("side", self.side, [s.value for s in Side], ErrorCode.UNKNOWN_SIDE),
        ):
            if value and value not in allowed:
                raise InvalidInput(code, f"{field} must be one of: {', '.join(allowed)}", field)


@dataclass(frozen=True)
class EpisodePage:
    episodes: list[Episode]
    count: int  # counted up to COUNT_CAP + 1 (core.worklists): see capped
    page: PageRequest
    has_next: bool
    capped: bool  # more than COUNT_CAP: the count stopped there


def list_episodes(
    *, actor: User, filters: EpisodeFilters, page: PageRequest, via: audit.Via
) -> EpisodePage:
    """Episodes the actor may see, newest change first, filtered by state, procedure, side."""
    filters.check()
    episodes = _scoped(actor)
    condition = Q()
    if filters.state:
        condition &= Q(state=filters.state)
    if filters.procedure:
        condition &= Q(procedure=filters.procedure)
    if filters.side:
        condition &= Q(side=filters.side)
    matching = episodes.filter(condition).order_by("-state_changed_at", "-id")
    listed = page_of(matching, page, lambda e: e, by_version=True)
    found = listed.rows
    count = f"{listed.cap:,} or more" if listed.capped else str(listed.count)
    audit.record(
        actor=actor,
        action="episode.list",
        object_type="episode",
        summary=f"Listed episodes ({count} found)",
        via=via,
        details={
            "filters": {k: v for k, v in vars(filters).items() if v},
            "shown": [str(e.public_id) for e in found],
        },
    )
    return EpisodePage(
        episodes=found,
        count=listed.count,
        page=page,
        has_next=listed.has_next,
        capped=listed.capped,
    )


def access_episode(*, actor: User, episode_id: uuid.UUID, via: audit.Via) -> Episode:
    """Fetch one episode for someone allowed to see it, and audit the read."""
    episodes = _scoped(actor)
    try:
        episode = episodes.get(public_id=episode_id)
    except Episode.DoesNotExist:
        if actor.role == Role.PATIENT:
            raise Hidden(ErrorCode.NOT_FOUND, "no episode with this id") from None
        raise NotFound(ErrorCode.NOT_FOUND, "no episode with this id") from None
    audit.record(
        actor=actor,
        action="episode.view",
        object_type="episode",
        object_id=episode.public_id,
        patient_id=episode.patient.public_id,
        via=via,
    )
    return episode


def followed_for_life(episode: Episode) -> bool:
    """Whether the hip's implant is followed for life (metal-on-metal surveillance, issue 15).

    A hip whose procedure the catalogue follows for life (``surveillance``), or one opened in
    follow-up under the procedure a hip enrolled by hand is recorded as. Pathways reads only
    the catalogue here: surveillance sits above it (time flows downward). The episode page and
    the workspace's steps both ask this one function.
    """
    procedure = get_procedure(episode.procedure)
    if procedure is not None and procedure.surveillance is not None:
        return True
    recorded_as = get_catalogue().surveillance.recorded_as.values()
    return episode.procedure in recorded_as and episode.state == EpisodeState.FOLLOW_UP


def episodes_of(patient: Patient) -> list[Episode]:
    """A patient's episodes: open ones first, then the most recently referred."""
    episodes = (
        Episode.objects.filter(patient=patient)
        .select_related("converted_from")
        .prefetch_related("converted_to")
    )
    newest_first = list(episodes.order_by("-referred_on", "-id"))
    return sorted(newest_first, key=lambda e: not is_open(e.state_enum))


def transitions_of(episode: Episode) -> list[EpisodeTransition]:
    return list(episode.transitions.select_related("by").order_by("at", "id"))


def timeline_of(patient: Patient, *, limit: int = TIMELINE_LENGTH) -> list[AuditEvent]:
    """Everything recorded about a patient, newest first (changes, not reads)."""
    reads = Q()
    for suffix in audit.READ_SUFFIXES:
        reads |= Q(action__endswith=suffix)
    return list(
        AuditEvent.objects.filter(patient_id=patient.public_id)
        .exclude(reads)
        .order_by("-at", "-id")[:limit]
    )
