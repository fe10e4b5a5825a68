"""CDS Hooks 2.0 endpoints: discovery at /cds-services, services at /cds-services/{id}.

Callers authenticate with a Coxa API token (Authorization: Bearer). Errors are JSON with a
4xx status; 412 when the prefetch the service needs is missing (it fetches nothing itself).
"""

import functools
import json
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET

from coxa.accounts.access import admit, guards_itself, public
from coxa.accounts.permissions import Op
from coxa.accounts.services import user_for_token
from coxa.catalogue.loader import get_catalogue
from coxa.cds import services
from coxa.cds.domain.cards import card, unsided_card
from coxa.cds.domain.fhir import MissingPrefetchError, Prefetched, documents, read_prefetch
from coxa.core import audit, clock
from coxa.core.errors import CoxaError, Forbidden
from coxa.core.text import unstorable
from coxa.core.web import record_refusal
from coxa.decisions.domain.document import facts_of, parse_document
from coxa.decisions.domain.engine import evaluate
from coxa.decisions.domain.findings import Decision

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
        "prefetch": {
            "patient": "Patient/{{context.patientId}}",
            "conditions": "Condition?patient={{context.patientId}}",
            "observations": "Observation?patient={{context.patientId}}",
            "medications": "MedicationStatement?patient={{context.patientId}}",
            "allergies": "AllergyIntolerance?patient={{context.patientId}}",
        },
    }
}


def _error(status: int, message: str) -> JsonResponse:
    return JsonResponse({"error": message}, status=status)


@public(Op.CDS_DISCOVERY)
@require_GET
def discovery(request: HttpRequest) -> JsonResponse:
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


def _cards(found: Prefetched) -> list[dict[str, Any]]:
    cards = []
    for document in documents(found):
        notes = [
            f"medicine not coded (no WHO ATC code or dm+d id Coxa lists): {name}"
            for name in found.unclassified_medicines
        ]
        document["observations"] = dict(document["observations"])
        decision = _decide(document, notes)
        cards.append(card(document["hip"]["side"], decision, notes, get_catalogue()))
    if found.unsided:
        cards.append(unsided_card(found.unsided))
    return cards


def _caller(request: HttpRequest) -> Any:
    """The token's user if the table admits them to the service, else the error to answer."""
    header = request.headers.get("Authorization", "")
    user = user_for_token(header.removeprefix("Bearer ").strip()) if header else None
    if user is None:
        return _error(401, "send Authorization: Bearer <Coxa API token>")
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


def _post_only(view: Callable[..., JsonResponse]) -> Callable[..., JsonResponse]:
    """Django's require_POST, answered in JSON as the rest of the service is."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> JsonResponse:
        if request.method != "POST":
            answer = _error(405, "call a CDS service with POST")
            answer["Allow"] = "POST"
            return answer
        return view(request, *args, **kwargs)

    return wrapped


@guards_itself(Op.CDS_SERVICE)
@csrf_exempt
@_post_only
def service(request: HttpRequest, service_id: str) -> JsonResponse:
    user = _caller(request)
    if isinstance(user, JsonResponse):
        return user
    if service_id not in SERVICES:
        return _error(404, f"no CDS service {service_id!r}")
    body = _body(request)
    if isinstance(body, JsonResponse):
        return body
    problem = _check_request(body)
    if problem:
        return _error(400, problem)
    try:
        found = read_prefetch(body.get("prefetch"), today=clock.today())
    except MissingPrefetchError as error:
        return _error(412, f"{error}; Coxa does not query FHIR servers itself")
    cards = _cards(found)
    services.record_patient_view(actor=user, hook_instance=body["hookInstance"], cards=len(cards))
    return JsonResponse({"cards": cards})
