"""The FHIR R4 API at /fhir/: the CapabilityStatement, and read and search of each resource.

JSON only. Callers send ``Authorization: Bearer <token>``: a Coxa API token, read by the same
permission table as the JSON API (a patient reads only their own records). Every error is an
OperationOutcome with its status (``core.web.operation_outcome``).
"""

from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import reverse

import coxa
from coxa.accounts.access import public, reads_with_a_token
from coxa.accounts.domain import Interaction
from coxa.accounts.permissions import Op
from coxa.core import clock
from coxa.core.errors import CoxaError
from coxa.core.web import operation_outcome, outcome_body
from coxa.interop import selectors
from coxa.interop.documents.resources import resource_id, shape
from coxa.interop.domain.bundle import searchset
from coxa.interop.domain.capability import BY_TYPE, capability_statement
from coxa.interop.domain.search import parse_search
from coxa.interop.views.answers import (
    answer,
    base_url,
    caller,
    get_only,
    out_of_scope,
    refused,
)


def _unknown_type(type_: str) -> HttpResponse:
    served = ", ".join(BY_TYPE)
    return operation_outcome(
        404, f"Coxa's FHIR API has no {type_!r} resources (it serves {served})"
    )


@public(Op.FHIR_METADATA)
@get_only
def metadata(request: HttpRequest) -> HttpResponse:
    body = capability_statement(
        base=base_url(request),
        release=coxa.__version__,
        date=clock.today().isoformat(),
        token_url=request.build_absolute_uri(reverse("oauth-token")),
    )
    return answer(body)


@reads_with_a_token(Op.FHIR_READ)
@get_only
def read(request: HttpRequest, resource_type: str, resource_id: str) -> HttpResponse:
    who = caller(request, Op.FHIR_READ)
    if isinstance(who, JsonResponse):
        return who
    if resource_type not in BY_TYPE:
        return _unknown_type(resource_type)
    beyond = out_of_scope(request, who, [resource_type], Interaction.READ)
    if beyond is not None:
        return beyond
    try:
        row = selectors.read(actor=who.user, type_=resource_type, id_=resource_id)
    except CoxaError as error:
        return refused(request, who.user, error)
    return answer(shape(resource_type, [row])[0])


@reads_with_a_token(Op.FHIR_READ)
@get_only
def read_patient(request: HttpRequest, patient_id: Any) -> HttpResponse:
    return read(request, "Patient", str(patient_id))


@reads_with_a_token(Op.FHIR_READ)
@get_only
def read_episode(request: HttpRequest, episode_id: Any) -> HttpResponse:
    return read(request, "EpisodeOfCare", str(episode_id))


def _strict(request: HttpRequest) -> bool:
    prefer = request.headers.get("Prefer", "").replace(" ", "").lower()
    return "handling=strict" in prefer.split(",")


@reads_with_a_token(Op.FHIR_SEARCH)
@get_only
def search(request: HttpRequest, resource_type: str) -> HttpResponse:
    who = caller(request, Op.FHIR_SEARCH)
    if isinstance(who, JsonResponse):
        return who
    if resource_type not in BY_TYPE:
        return _unknown_type(resource_type)
    beyond = out_of_scope(request, who, [resource_type], Interaction.SEARCH)
    if beyond is not None:
        return beyond
    try:
        query = parse_search(resource_type, dict(request.GET.lists()), strict=_strict(request))
        found = selectors.search(
            actor=who.user, query=query, shown=lambda row: resource_id(resource_type, row)
        )
    except CoxaError as error:
        return refused(request, who.user, error)
    warning = None
    if query.ignored:
        names = ", ".join(sorted(query.ignored))
        warning = outcome_body(200, f"not searched by, so ignored: {names}", severity="warning")
    bundle = searchset(
        base=base_url(request),
        search=query,
        resources=shape(resource_type, found.rows),
        has_next=found.has_next,
        total=found.total,
        warning=warning,
    )
    return answer(bundle)
