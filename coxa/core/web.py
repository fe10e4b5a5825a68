"""Glue between Coxa's errors and the web: who a request is for, and how its errors look.

``answered_as`` is the one test of whether a request is for the JSON API (answered in
Coxa's error shape by ``error_response``), the FHIR API or the CDS Hooks service (a FHIR
OperationOutcome, ``operation_outcome``), or a page (an HTML template). ``@page`` turns
Forbidden and NotFound into 403 and 404 pages; page forms show problems beside their
fields (``core/forms.py``).
"""

import functools
from collections.abc import Callable, Mapping, Sequence
from enum import StrEnum
from typing import Any, TypeVar
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse

from coxa.core import audit
from coxa.core.errors import CoxaError, Forbidden, Hidden, NotFound, Problem
from coxa.core.pagination import MAX_PAGE

View = TypeVar("View", bound=Callable[..., HttpResponse])

API_PREFIX = "/api/v1/"  # config/urls.py mounts the API here
CDS_PREFIX = "/cds-services"  # and the CDS Hooks service here
FHIR_PREFIX = "/fhir/"  # and the FHIR R4 API (coxa/interop)


class Audience(StrEnum):
    """Who a request's answer is for, and so the shape of its errors."""

    API = "api"  # JSON: {"code", "message", "field"[, "errors"]}
    CDS = "cds"  # CDS Hooks: an OperationOutcome, as the FHIR API
    FHIR = "fhir"  # the FHIR API: an OperationOutcome
    PAGE = "page"  # HTML: the page, or 400.html, 403.html, 404.html, 413.html


def answered_as(request: HttpRequest) -> Audience:
    """The one test of who a request is for (by its path, as the URL map mounts them)."""
    path = request.path_info
    if path.startswith(API_PREFIX):
        return Audience.API
    if path == CDS_PREFIX or path.startswith(CDS_PREFIX + "/"):
        return Audience.CDS
    if path.startswith(FHIR_PREFIX):
        return Audience.FHIR
    return Audience.PAGE


def is_api(request: HttpRequest) -> bool:
    return answered_as(request) is Audience.API


def error_body(problems: Sequence[Problem]) -> dict[str, Any]:
    """An error in the API's one shape: the first problem, and ``errors`` when there are more."""
    body: dict[str, Any] = problems[0].as_dict()
    if len(problems) > 1:
        body["errors"] = [p.as_dict() for p in problems]
    return body


def error_response(
    status: int, problems: Sequence[Problem], headers: Mapping[str, str] | None = None
) -> JsonResponse:
    """The one way an API error leaves Coxa: ``error_body`` with its status (and headers)."""
    return JsonResponse(error_body(problems), status=status, headers=headers)


# FHIR's issue type for each status (https://hl7.org/fhir/R4/valueset-issue-type.html).
ISSUE_TYPE = {
    400: "invalid",
    401: "login",
    403: "forbidden",
    404: "not-found",
    405: "not-supported",
    406: "not-supported",
    409: "conflict",
    410: "deleted",
    412: "incomplete",
    413: "too-costly",
    415: "not-supported",
    422: "processing",
    429: "throttled",
}
FHIR_JSON = "application/fhir+json"


def outcome_body(
    status: int, diagnostics: str, *, expression: str | None = None, severity: str = "error"
) -> dict[str, Any]:
    """A FHIR OperationOutcome: one issue of the status's type, its reason in words."""
    issue: dict[str, Any] = {
        "severity": severity,
        "code": ISSUE_TYPE.get(status, "exception"),
        "diagnostics": diagnostics,
    }
    if expression:
        issue["expression"] = [expression]
    return {"resourceType": "OperationOutcome", "issue": [issue]}


def operation_outcome(
    status: int,
    diagnostics: str,
    *,
    expression: str | None = None,
    headers: Mapping[str, str] | None = None,
) -> JsonResponse:
    """The one way a FHIR or CDS Hooks error leaves Coxa: an OperationOutcome with its status."""
    return JsonResponse(
        outcome_body(status, diagnostics, expression=expression),
        status=status,
        headers=headers,
        content_type=FHIR_JSON,
    )


def page(view: View) -> View:
    """Require a signed-in user; turn Forbidden/NotFound into Django's 403/404 pages."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except Forbidden as error:
            record_refusal(request.user, error, path=request.path, via=audit.Via.WEB)
            raise PermissionDenied(error.message) from error
        except NotFound as error:
            if isinstance(error, Hidden):
                record_refusal(request.user, error, path=request.path, via=audit.Via.WEB)
            raise Http404(error.message) from error

    return login_required(wrapped)  # type: ignore[return-value]


def record_refusal(actor: Any, error: CoxaError, *, path: str, via: audit.Via) -> None:
    """Audit a refused attempt by a signed-in caller: who, what, where, and why.

    For a Forbidden (403) and a Hidden (404: a record the caller may not learn exists).
    """
    audit.record(
        actor=actor,
        action="access.refused",
        object_type="request",
        object_id=path[:64],
        summary=f"Refused: {error.message}",
        via=via,
        details={"path": path[:500], "code": error.code},
    )


def query_without_page(request: HttpRequest) -> str:
    """The current query string minus ``page``, for building pager links."""
    return urlencode([(k, v) for k, v in request.GET.items() if k != "page"])


def page_number(request: HttpRequest) -> int:
    """The ``page`` asked for, within 1..MAX_PAGE; anything else is the first page."""
    raw = request.GET.get("page", "1")
    number = int(raw) if raw.isdecimal() and len(raw) <= len(str(MAX_PAGE)) else 1
    return min(max(1, number), MAX_PAGE)
