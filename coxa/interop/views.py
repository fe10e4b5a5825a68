"""The FHIR R4 API at /fhir/: the CapabilityStatement, and read and search of each resource.

JSON only. Callers send ``Authorization: Bearer <token>``: a Coxa API token, read by the same
permission table as the JSON API (a patient reads only their own records). Every error is an
OperationOutcome with its status (``core.web.operation_outcome``).
"""

import functools
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, JsonResponse

import coxa
from coxa.accounts.access import admit, public, reads_with_a_token
from coxa.accounts.models import User
from coxa.accounts.permissions import Op
from coxa.accounts.services import user_for_token
from coxa.core import audit, clock
from coxa.core.errors import CoxaError, Forbidden, Hidden
from coxa.core.web import FHIR_JSON, operation_outcome, outcome_body, record_refusal
from coxa.interop import selectors
from coxa.interop.documents.resources import resource_id, shape
from coxa.interop.domain.bundle import searchset
from coxa.interop.domain.capability import BY_TYPE, capability_statement
from coxa.interop.domain.search import parse_search


def _answer(body: dict[str, Any]) -> JsonResponse:
    return JsonResponse(body, content_type=FHIR_JSON)


def _base(request: HttpRequest) -> str:
    return request.build_absolute_uri("/fhir/")


def _get_only(view: Callable[..., JsonResponse]) -> Callable[..., JsonResponse]:
    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> JsonResponse:
        if request.method not in ("GET", "HEAD"):
            return operation_outcome(
                405, "Coxa's FHIR API is read-only: use GET", headers={"Allow": "GET"}
            )
        return view(request, *args, **kwargs)

    return wrapped


def _caller(request: HttpRequest, op: Op) -> User | JsonResponse:
    """The token's user if the table admits them to ``op``, else the OperationOutcome."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    user = user_for_token(token.strip()) if scheme.lower() == "bearer" else None
    if user is None:
        return operation_outcome(
            401, "send Authorization: Bearer <token>", headers={"WWW-Authenticate": "Bearer"}
        )
    try:
        admit(op, user)
    except Forbidden as error:
        record_refusal(user, error, path=request.path, via=audit.Via.API)
        return operation_outcome(403, error.message)
    return user


def _refused(request: HttpRequest, user: User, error: CoxaError) -> JsonResponse:
    if isinstance(error, Forbidden | Hidden):
        record_refusal(user, error, path=request.path, via=audit.Via.API)
    return operation_outcome(error.status, error.message, expression=error.field)


def _unknown_type(type_: str) -> JsonResponse:
    served = ", ".join(BY_TYPE)
    return operation_outcome(
        404, f"Coxa's FHIR API has no {type_!r} resources (it serves {served})"
    )


@public(Op.FHIR_METADATA)
@_get_only
def metadata(request: HttpRequest) -> JsonResponse:
    body = capability_statement(
        base=_base(request), release=coxa.__version__, date=clock.today().isoformat()
    )
    return _answer(body)


@reads_with_a_token(Op.FHIR_READ)
@_get_only
def read(request: HttpRequest, resource_type: str, resource_id: str) -> JsonResponse:
    user = _caller(request, Op.FHIR_READ)
    if isinstance(user, JsonResponse):
        return user
    if resource_type not in BY_TYPE:
        return _unknown_type(resource_type)
    try:
        row = selectors.read(actor=user, type_=resource_type, id_=resource_id)
    except CoxaError as error:
        return _refused(request, user, error)
    return _answer(shape(resource_type, [row])[0])


@reads_with_a_token(Op.FHIR_READ)
@_get_only
def read_patient(request: HttpRequest, patient_id: Any) -> JsonResponse:
    return read(request, "Patient", str(patient_id))


@reads_with_a_token(Op.FHIR_READ)
@_get_only
def read_episode(request: HttpRequest, episode_id: Any) -> JsonResponse:
    return read(request, "EpisodeOfCare", str(episode_id))


def _strict(request: HttpRequest) -> bool:
    prefer = request.headers.get("Prefer", "").replace(" ", "").lower()
    return "handling=strict" in prefer.split(",")


@reads_with_a_token(Op.FHIR_SEARCH)
@_get_only
def search(request: HttpRequest, resource_type: str) -> JsonResponse:
    user = _caller(request, Op.FHIR_SEARCH)
    if isinstance(user, JsonResponse):
        return user
    if resource_type not in BY_TYPE:
        return _unknown_type(resource_type)
    try:
        query = parse_search(resource_type, dict(request.GET.lists()), strict=_strict(request))
        found = selectors.search(
            actor=user, query=query, shown=lambda row: resource_id(resource_type, row)
        )
    except CoxaError as error:
        return _refused(request, user, error)
    warning = None
    if query.ignored:
        names = ", ".join(sorted(query.ignored))
        warning = outcome_body(200, f"not searched by, so ignored: {names}", severity="warning")
    bundle = searchset(
        base=_base(request),
        search=query,
        resources=shape(resource_type, found.rows),
        has_next=found.has_next,
        total=found.total,
        warning=warning,
    )
    return _answer(bundle)
