"""CDS Hooks 2.0: discovery, services at /cds-services/{id}, feedback at {id}/feedback.

Callers authenticate with a Coxa API token (Authorization: Bearer). Errors are FHIR
OperationOutcomes with a 4xx status (``core.web.operation_outcome``); 412 when the patient
or their conditions are neither in the prefetch nor fetched from the request's fhirServer
(``fetch.py``: only servers on COXA_CDS_FHIR_SERVERS). CORS: ``config.middleware.CrossOrigin``.
"""

import functools
import json
import uuid
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, JsonResponse
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt

from coxa.accounts.access import admit, guards_itself, public
from coxa.accounts.domain import Capability, Role, can
from coxa.accounts.permissions import Op, admits
from coxa.accounts.services import smart
from coxa.catalogue.loader import get_catalogue
from coxa.cds import services
from coxa.cds.domain.cards import card, unsided_card
from coxa.cds.domain.feedback import parse_feedback
from coxa.cds.domain.fhir import (
    MissingPrefetchError,
    Prefetched,
    documents,
    read_prefetch,
    resources,
)
from coxa.cds.domain.links import Identity, episode_link, identity_of
from coxa.cds.domain.prefetch import TEMPLATES, gather, lacking
from coxa.cds.fetch import fetch_missing
from coxa.core import audit, clock
from coxa.core.errors import CoxaError, Forbidden
from coxa.core.text import unstorable
from coxa.core.web import operation_outcome, record_refusal
from coxa.decisions.domain.document import facts_of, parse_document
from coxa.decisions.domain.engine import evaluate
from coxa.decisions.domain.findings import Decision
from coxa.pathways.selectors import episodes_of
from coxa.patients.selectors import match_by_nhs_number

SERVICE_ID = "coxa-hip-decisions"
SERVICES = {
    SERVICE_ID: {
        "hook": "patient-view",
        "id": SERVICE_ID,
        "title": "Hip preservation decision support",
        "description": (
            "For each hip with osteoarthritis or avascular necrosis: whether resurfacing (BHR) "
            "or core decompression suits it, whether the patient is ready for surgery, and "
            "why, with sources. Missing facts give 'needs more information', never a pass."
        ),
        "prefetch": TEMPLATES,
    }
}

_error = operation_outcome  # every error the service answers: a FHIR OperationOutcome


@public(Op.CDS_DISCOVERY)
def discovery(request: HttpRequest) -> JsonResponse:
    if request.method != "GET":
        return _not_allowed("GET", "read the CDS services with GET")
    return JsonResponse({"services": list(SERVICES.values())})


def _check_request(body: Any) -> str | None:
    if not isinstance(body, dict):
        return "the request body must be a JSON object"
    if body.get("hook") != "patient-view":
        return "hook must be 'patient-view' for this service"
    if not isinstance(body.get("hookInstance"), str) or not body["hookInstance"]:
        return "hookInstance is required"
    if unstorable(body["hookInstance"]):
        return f"hookInstance contains {unstorable(body['hookInstance'])}"
    context = body.get("context")
    if not isinstance(context, dict) or not isinstance(context.get("patientId"), str):
        return "context.patientId is required"
    return None


def _decide(document: dict[str, Any], notes: list[str]) -> Decision:
    """Evaluate one hip; measurements Coxa cannot read are dropped, with a note."""
    catalogue = get_catalogue()
    codes = tuple(catalogue.procedures)
    try:
        facts = facts_of(
            parse_document(document),
            procedure_codes=codes,
            medicine_classes=catalogue.medicine_classes(),
        )
    except CoxaError as error:
        for problem in error.problems:
            notes.append(f"not used: {problem.message}")
            field = (problem.field or "").split(".")
            if len(field) > 1 and field[0] == "observations":
                document["observations"].pop(field[1], None)
        facts = facts_of(
            parse_document(document),
            procedure_codes=codes,
            medicine_classes=catalogue.medicine_classes(),
        )
    return evaluate(facts, catalogue)


def _cards(found: Prefetched, said: tuple[str, ...]) -> list[tuple[str | None, dict[str, Any]]]:
    """Each card with the side of the hip it is about (None: the card about unsided ones)."""
    cards: list[tuple[str | None, dict[str, Any]]] = []
    for document in documents(found):
        notes = [
            f"medicine not coded (no WHO ATC code or dm+d id Coxa lists): {name}"
            for name in found.unclassified_medicines
        ]
        notes += said
        document["observations"] = dict(document["observations"])
        decision = _decide(document, notes)
        side = document["hip"]["side"]
        cards.append((side, card(side, decision, notes, get_catalogue())))
    if found.unsided:
        cards.append((None, unsided_card(found.unsided)))
    return cards


def _caller(request: HttpRequest) -> Any:
    """The caller if the table admits them to the service, else the error to answer.

    Either an EHR's JWT, signed by a key of a connected system whose ``iss`` Coxa trusts and
    made for this service's URL (CDS Hooks 2.0, "Trusting CDS Clients"; ADR 0033), or a
    Coxa API token (for testing). An unknown issuer, a bad signature, a wrong ``aud``, an
    expired JWT or a reused ``jti`` is 401, and recorded.
    """
    user = smart.cds_caller(request)
    if user is None:
        return _error(
            401,
            "send Authorization: Bearer <a JWT signed by a trusted CDS client, or a Coxa token>",
        )
    try:
        admit(Op.CDS_SERVICE, user)
    except Forbidden as error:
        record_refusal(user, error, path=request.path, via=audit.Via.API)
        return _error(403, error.message)
    return user


def _body(request: HttpRequest) -> Any:
    """The request's JSON, or the error to answer: too large, not UTF-8, not JSON, too deep."""
    try:
        raw = request.body
    except RequestDataTooBig:
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        return _error(413, f"the request body is larger than {limit:,} bytes")
    try:
        return json.loads(raw.decode("utf-8") if raw else "null")
    except UnicodeDecodeError:
        return _error(400, "the request body is not UTF-8 text")
    except (ValueError, RecursionError):  # not JSON, a number too long, nested too deep
        return _error(400, "the request body is not JSON Coxa can read")


def _not_allowed(method: str, message: str) -> JsonResponse:
    answer = _error(405, message)
    answer["Allow"] = f"{method}, OPTIONS"  # OPTIONS: CORS preflights (config.middleware)
    return answer


def _post_only(view: Callable[..., JsonResponse]) -> Callable[..., JsonResponse]:
    """Django's require_POST, answered as an OperationOutcome as the rest of the service is."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> JsonResponse:
        if request.method != "POST":
            return _not_allowed("POST", "call a CDS service, or send it feedback, with POST")
        return view(request, *args, **kwargs)

    return wrapped


def _request(request: HttpRequest, service_id: str) -> Any:
    """The caller and the request's JSON, or the error to answer (401, 403, 404, 413, 400)."""
    user = _caller(request)
    if isinstance(user, JsonResponse):
        return user
    if service_id not in SERVICES:
        return _error(404, f"no CDS service {service_id!r}")
    body = _body(request)
    return body if isinstance(body, JsonResponse) else (user, body)


def _prefetched(body: dict[str, Any]) -> tuple[dict[str, Any], str, dict[str, Any]]:
    """The prefetch with what Coxa fetched added; why nothing was fetched; what to audit."""
    sent = body.get("prefetch")
    given: dict[str, Any] = sent if isinstance(sent, dict) else {}
    missing = lacking(given)
    if not missing:
        return given, "", {}
    fetched = fetch_missing(body, missing)
    used = {"fetched": sorted(fetched.found), "fetch_failed": fetched.failed}
    return given | fetched.found, fetched.refused, used if fetched.found or fetched.failed else {}


def _may_link(user: Any) -> bool:
    """Whether the caller's cards may link to the hip's episode page.

    A person whose role may open that page; or an EHR (a connected system) that may read
    patients, whose clinician opens the link with their own sign-in.
    """
    return admits(Op.PAGE_EPISODE, user.role) or (
        user.role == Role.SYSTEM and can(user.role, Capability.VIEW_PATIENTS)
    )


def _linked(
    request: HttpRequest,
    user: Any,
    identity: Identity | None,
    cards: list[tuple[str | None, dict[str, Any]]],
) -> tuple[uuid.UUID | None, list[str]]:
    """Link each hip's card to its episode in Coxa, for a caller who may open that page.

    Nobody else's answer depends on whether Coxa knows the patient: it is not even asked.
    """
    sided = [(side, shown) for side, shown in cards if side is not None]
    if not sided or identity is None or not _may_link(user):
        return None, []
    found = match_by_nhs_number(
        actor=user, nhs_number=identity.nhs_number, date_of_birth=identity.born, via=audit.Via.API
    )
    if found is None:
        return None, []
    latest: dict[str, Any] = {}
    for episode in episodes_of(found):  # open first, then the newest
        latest.setdefault(episode.side, episode)
    linked = []
    for side, shown in sided:
        if side in latest:
            page = reverse("pathways:episode", args=[latest[side].public_id])
            shown["links"] = [episode_link(side, request.build_absolute_uri(page))]
            linked.append(str(latest[side].public_id))
    return (found.public_id if linked else None), linked


def _unfetched(refused: str, used: dict[str, Any]) -> str:
    """Why a search the service needs is still missing, for its 412."""
    if refused:
        return f"Coxa fetched nothing: {refused}"
    if used.get("fetch_failed"):
        return "fetching it from the fhirServer failed (" + "; ".join(used["fetch_failed"]) + ")"
    return "the EHR sent no data for it"


@guards_itself(Op.CDS_SERVICE)
@csrf_exempt
@_post_only
def service(request: HttpRequest, service_id: str) -> JsonResponse:
    asked = _request(request, service_id)
    if isinstance(asked, JsonResponse):
        return asked
    user, body = asked
    problem = _check_request(body)
    if problem:
        return _error(400, problem)
    prefetch, refused, used = _prefetched(body)
    gathered = gather(prefetch)
    try:
        found = read_prefetch(gathered.prefetch, today=clock.today())
    except MissingPrefetchError as error:
        return _error(412, f"{error}; {_unfetched(refused, used)}")
    cards = _cards(found, gathered.notes)
    patients = resources(gathered.prefetch.get("patient"), "Patient") or []
    identity = identity_of(next(iter(patients), None), patient_id=body["context"]["patientId"])
    patient_id, linked = _linked(request, user, identity, cards)
    shown = [c for _, c in cards]
    services.record_patient_view(
        actor=user,
        service=service_id,
        hook_instance=body["hookInstance"],
        cards=shown,
        patient_id=patient_id,
        details=used | ({"linked": linked} if linked else {}),
    )
    return JsonResponse({"cards": shown})


@guards_itself(Op.CDS_FEEDBACK)
@csrf_exempt
@_post_only
def feedback(request: HttpRequest, service_id: str) -> JsonResponse:
    """Feedback on cards this service returned to the caller (CDS Hooks 2.0 "Feedback")."""
    asked = _request(request, service_id)
    if isinstance(asked, JsonResponse):
        return asked
    user, body = asked
    try:
        admit(Op.CDS_FEEDBACK, user)
        items = parse_feedback(body, now=clock.now())
        services.record_feedback(actor=user, service=service_id, feedback=items)
    except Forbidden as error:
        record_refusal(user, error, path=request.path, via=audit.Via.API)
        return _error(403, error.message)
    except CoxaError as error:  # every problem (each names its field); the first leads
        said = "; ".join(problem.message for problem in error.problems)
        return _error(error.status, said, expression=error.field)
    return JsonResponse({}, status=200)
