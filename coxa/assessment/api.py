"""API for pre-assessment.

Entries and corrections, readiness, the operation date, the worklist, and decisions stored
on an episode.
"""

import uuid
from typing import Any, cast

from django.http import HttpRequest
from ninja import Router, Status
from pydantic import BaseModel, create_model

from coxa.accounts.api import actor
from coxa.accounts.api_access import allow
from coxa.accounts.permissions import Op
from coxa.assessment import selectors
from coxa.assessment.domain.base import Entry
from coxa.assessment.domain.entries import SCHEMAS, Kind
from coxa.assessment.schemas import (
    AcknowledgeIn,
    EntryOut,
    OperationDateIn,
    ReadinessOut,
    StoredDecisionOut,
    WorklistOut,
    WorklistRowOut,
)
from coxa.assessment.services import decisions, entries
from coxa.assessment.services import readiness as readiness_service
from coxa.assessment.worklist import WorklistQuery, flags_of, list_pre_assessment_worklist
from coxa.core import clock
from coxa.core.audit import Via
from coxa.core.idempotency import idempotent
from coxa.core.inputs import Reason
from coxa.core.pagination import page_request
from coxa.pathways.models import Episode
from coxa.pathways.selectors import access_episode

router = Router(tags=["pre-assessment"])

PATHS = {
    Kind.OBSERVATION: "observations",
    Kind.MEDICATION: "medications",
    Kind.ALLERGY: "allergies",
    Kind.REVIEW: "reviews",
    Kind.SMOKING: "smoking",
    Kind.HISTORY: "history",
    Kind.EXAMINATION: "examinations",
    Kind.IMAGING: "imaging",
    Kind.ASA: "asa",
    Kind.ANAESTHETIC: "anaesthetic",
    Kind.ACTION: "actions",
    Kind.MEDICINE_PLAN: "medicine-plans",
    Kind.VTE: "vte-assessments",
}


def _episode(request: HttpRequest, episode_id: uuid.UUID) -> Episode:
    return access_episode(actor=actor(request), episode_id=episode_id, via=Via.API)


def _named(kind: Kind) -> str:
    """The kind of entry in words, for the operation's summary."""
    return {Kind.ASA: "ASA grade", Kind.VTE: "VTE risk assessment"}.get(
        kind, kind.value.replace("-", " ")
    )


def _add_entry_endpoints(kind: Kind, schema: type[Entry]) -> None:
    path = PATHS[kind]
    correction = create_model(f"{schema.__name__}Correction", __base__=schema, reason=(Reason, ...))

    @idempotent
    def record(
        request: HttpRequest,
        episode_id: uuid.UUID,
        payload: schema,  # type: ignore[valid-type]
    ) -> Status[EntryOut]:
        user = actor(request)
        episode = access_episode(actor=user, episode_id=episode_id, via=Via.API)
        stored = entries.record_entry(
            kind=kind, episode=episode, payload=payload, by=user, via=Via.API
        )
        return Status(201, EntryOut.of(kind.value, stored))

    @idempotent
    def correct(
        request: HttpRequest,
        episode_id: uuid.UUID,
        entry_id: uuid.UUID,
        payload: correction,  # type: ignore[valid-type]
    ) -> Status[EntryOut]:
        user = actor(request)
        episode = access_episode(actor=user, episode_id=episode_id, via=Via.API)
        checked = cast(BaseModel, payload)
        data = checked.model_dump(by_alias=True, exclude={"reason"})
        stored = entries.record_entry(
            kind=kind,
            episode=episode,
            payload=data,
            by=user,
            via=Via.API,
            corrects=str(entry_id),
            reason=str(getattr(checked, "reason", "")),
        )
        return Status(201, EntryOut.of(kind.value, stored))

    record.__doc__ = f"Record a {kind.value} entry for the episode (dated, attributed, audited)."
    correct.__doc__ = (
        f"Correct a {kind.value} entry: a new entry supersedes it, with the "
        "reason; the old one is kept."
    )
    op = Op.API_MEDICINE_PLAN_RECORD if kind is Kind.MEDICINE_PLAN else Op.API_ENTRY_RECORD
    router.post(
        f"/episodes/{{episode_id}}/{path}",
        response={201: EntryOut},
        operation_id=f"record_{kind.value.replace('-', '_')}",
        summary=f"Record an entry: {_named(kind)}",
        auth=allow(op),
    )(record)
    router.post(
        f"/episodes/{{episode_id}}/{path}/{{entry_id}}/corrections",
        response={201: EntryOut},
        operation_id=f"correct_{kind.value.replace('-', '_')}",
        summary=f"Correct an entry: {_named(kind)}",
        auth=allow(op),
    )(correct)


for _kind, _schema in SCHEMAS.items():
    _add_entry_endpoints(_kind, _schema)


@router.get(
    "/episodes/{episode_id}/entries", response=list[EntryOut], auth=allow(Op.API_ENTRIES_READ)
)
def list_entries(
    request: HttpRequest, episode_id: uuid.UUID, current_only: bool = False
) -> list[EntryOut]:
    """Every entry for the episode (the patient's, for patient-level kinds), newest first."""
    episode = _episode(request, episode_id)
    return [
        EntryOut.of(kind.value, e)
        for kind in Kind
        for e in selectors.entries(kind, episode, current_only=current_only)
    ]


@router.get(
    "/episodes/{episode_id}/readiness", response=ReadinessOut, auth=allow(Op.API_READINESS_READ)
)
def readiness(request: HttpRequest, episode_id: uuid.UUID) -> ReadinessOut:
    """Each catalogue requirement's status (met, missing, expired, abnormal) and action.

    Also the medication stop and restart dates from the planned operation date.
    """
    episode = _episode(request, episode_id)
    return ReadinessOut.of(readiness_service.evaluate_episode(episode).panel)


@router.post(
    "/episodes/{episode_id}/candidacy/acknowledgements",
    response={201: ReadinessOut},
    operation_id="acknowledge_cautions",
    auth=allow(Op.API_ACKNOWLEDGE),
)
def acknowledge_cautions(
    request: HttpRequest, episode_id: uuid.UUID, payload: AcknowledgeIn
) -> Status[ReadinessOut]:
    """A surgeon acknowledges the hip's candidacy cautions, with the reason.

    Only then can a hip whose candidacy is "caution" become ready; a caution that appears
    later needs a new acknowledgement.
    """
    user = actor(request)
    episode = access_episode(actor=user, episode_id=episode_id, via=Via.API)
    readiness_service.acknowledge_cautions(
        episode=episode, reason=payload.reason, by=user, via=Via.API
    )
    return Status(201, ReadinessOut.of(readiness_service.evaluate_episode(episode).panel))


@router.put(
    "/episodes/{episode_id}/operation-date",
    response=ReadinessOut,
    auth=allow(Op.API_OPERATION_DATE),
)
def set_operation_date(
    request: HttpRequest, episode_id: uuid.UUID, payload: OperationDateIn
) -> ReadinessOut:
    """Set, move (with a reason) or clear the planned operation date; stops follow it."""
    user = actor(request)
    episode = access_episode(actor=user, episode_id=episode_id, via=Via.API)
    episode = readiness_service.plan_operation(
        episode=episode,
        operation_on=payload.operation_on,
        by=user,
        via=Via.API,
        reason=payload.reason,
    )
    return ReadinessOut.of(readiness_service.evaluate_episode(episode).panel)


@router.get(
    "/worklists/pre-assessment", response=WorklistOut, auth=allow(Op.API_PRE_ASSESSMENT_WORKLIST)
)
def pre_assessment_worklist(
    request: HttpRequest,
    flag: str = "",
    procedure: str = "",
    state: str = "",
    sort: str = "operation",
    page: int | None = None,
    page_size: int | None = None,
) -> dict[str, Any]:
    """Episodes needing the pre-assessment team.

    Missing or expiring results, abnormal ones without an action, medication stops due in 14
    days, optimising too long; filter with ``flag``.
    """
    request_page = page_request(page, page_size)
    listed = list_pre_assessment_worklist(
        actor=actor(request),
        query=WorklistQuery(flag, procedure, state, sort or "operation"),
        page=request_page,
        via=Via.API,
    )
    shown = listed.rows
    today = clock.today()
    states = {
        e.pk: getattr(getattr(e, "readiness", None), "readiness", "not-assessed") for e in shown
    }
    return {
        "count": listed.count,
        "count_capped": listed.capped,
        "page": request_page.number,
        "page_size": request_page.size,
        "items": [
            WorklistRowOut(
                episode_id=e.public_id,
                patient_id=e.patient.public_id,
                patient=e.patient.display_name,
                side=e.side,
                procedure=e.procedure,
                state=e.state,
                operation_on=e.operation_on,
                readiness=states[e.pk],
                flags=flags_of(e, today),
            )
            for e in shown
        ],
    }


@router.post(
    "/episodes/{episode_id}/decisions", response={201: StoredDecisionOut}, auth=allow(Op.API_DECIDE)
)
def decide_episode(request: HttpRequest, episode_id: uuid.UUID) -> Status[StoredDecisionOut]:
    """Evaluate the episode's procedure on the facts Coxa holds, and store the decision."""
    user = actor(request)
    episode = access_episode(actor=user, episode_id=episode_id, via=Via.API)
    stored = decisions.decide_for_episode(episode=episode, by=user, via=Via.API)
    return Status(201, StoredDecisionOut.of(stored))


@router.get(
    "/episodes/{episode_id}/decisions",
    response=list[StoredDecisionOut],
    auth=allow(Op.API_DECISIONS_READ),
)
def episode_decisions(request: HttpRequest, episode_id: uuid.UUID) -> list[StoredDecisionOut]:
    """The episode's stored decisions, newest first."""
    episode = _episode(request, episode_id)
    return [StoredDecisionOut.of(d) for d in selectors.decisions_of(episode)]
