"""How every error leaves Coxa: JSON in the documented shape under /api/v1/, a page elsewhere.

The API's own errors are shaped by its exception handlers (``config/api.py``). Some answers
come from before or beside the API: Django's URL resolver (404 for an unknown path), ninja
(405 for a method a path does not take), Django's limit on the size of a request body, and
the last resort for an unexpected exception (500). ``ErrorShapes`` turns each into
``{"code", "message", "field"}`` on the API, and pages keep their plain HTML templates.

A body larger than ``settings.DATA_UPLOAD_MAX_MEMORY_SIZE`` is answered 413 before anything
reads it; so is a query string or a path holding a NUL character (400), which no database can
take (a refusal's audit record names the path).
"""

import logging
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import PermissionDenied, RequestDataTooBig, SuspiciousOperation
from django.http import HttpRequest, HttpResponseBase, JsonResponse
from django.shortcuts import render

from coxa.core.errors import ErrorCode, Problem
from coxa.core.web import Audience, answered_as, error_response, is_api, operation_outcome

logger = logging.getLogger("coxa.errors")

ERROR = 400  # the first status that is an error

# What each status means on the API, when nothing more specific was said.
MEANING = {
    400: Problem(ErrorCode.BAD_REQUEST, "the request could not be read"),
    401: Problem(ErrorCode.NOT_AUTHENTICATED, "sign in, or send Authorization: Bearer <token>"),
    403: Problem(ErrorCode.FORBIDDEN, "this request is not allowed"),
    404: Problem(ErrorCode.NOT_FOUND, "no such resource"),
    405: Problem(ErrorCode.METHOD_NOT_ALLOWED, "this path does not take that method"),
    413: Problem(ErrorCode.TOO_LARGE, "the request body is too large"),
    500: Problem(ErrorCode.SERVER_ERROR, "something went wrong on our side; it has been logged"),
}


def problem(status: int, found: Problem | None = None) -> JsonResponse:
    """An API error in the documented shape: ``found``, or what the status means."""
    return error_response(status, [found or MEANING[status]])


def too_large(request: HttpRequest) -> HttpResponseBase:
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    message = f"the request body is larger than {limit:,} bytes"
    audience = answered_as(request)
    if audience is Audience.API:
        return problem(413, Problem(ErrorCode.TOO_LARGE, message))
    if audience in (Audience.CDS, Audience.FHIR):  # CDS Hooks and FHIR: an OperationOutcome
        return operation_outcome(413, message)
    return render(request, "413.html", status=413)


def unexpected(request: HttpRequest, error: Exception) -> JsonResponse:
    """The API's last resort: logged with the path and its trace, answered without either."""
    if isinstance(error, PermissionDenied):
        return problem(403)
    if isinstance(error, RequestDataTooBig):
        return problem(413)
    logger.error("Unexpected error on %s %s", request.method, request.path, exc_info=error)
    return problem(500)


def _declared_too_large(request: HttpRequest) -> bool:
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return False
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    return length > limit


def _nul_in_query(request: HttpRequest) -> str | None:
    """The name of a query parameter holding a NUL character, if one does."""
    try:
        parameters = request.GET.lists()
    except SuspiciousOperation:  # too many fields: Django answers it on reading, as a 400
        return None
    for name, values in parameters:
        if "\x00" in name or any("\x00" in value for value in values):
            return name.replace("\x00", "")
    return None


def _nul_refused(request: HttpRequest, message: str, field: str | None) -> HttpResponseBase:
    """400 for a NUL in the query or the path, in the shape of its audience."""
    if is_api(request):
        return problem(400, Problem(ErrorCode.INVALID_TEXT, message, field))
    if answered_as(request) in (Audience.CDS, Audience.FHIR):  # an OperationOutcome
        return operation_outcome(400, message, expression=field)
    return render(request, "400.html", status=400)


def _reshaped(response: HttpResponseBase) -> JsonResponse:
    status = response.status_code
    meant = MEANING.get(status, MEANING[500 if status >= 500 else 400])  # noqa: PLR2004
    allowed = response.get("Allow")
    if allowed:
        meant = Problem(meant.code, f"{meant.message}; it takes {allowed}")
    shaped = problem(status, meant)
    if allowed:
        shaped["Allow"] = allowed
    return shaped


def _in_shape(request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
    """An error Django answered (an unknown path, a 500) in the shape of its audience."""
    if response.status_code < ERROR or "json" in response.get("Content-Type", ""):
        return response
    audience = answered_as(request)
    if audience is Audience.API:
        return _reshaped(response)
    if audience is Audience.FHIR:
        status = response.status_code
        meant = MEANING.get(status, MEANING[500 if status >= 500 else 400])  # noqa: PLR2004
        return operation_outcome(status, meant.message)
    return response


class ErrorShapes:
    """First in the middleware: refuse what is too large, and shape the API's errors."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if _declared_too_large(request):
            return too_large(request)
        if "\x00" in request.path:
            return _nul_refused(request, "the path contains a NUL character", None)
        nul = _nul_in_query(request)
        if nul is not None:
            message = f"the query parameter {nul!r} contains a NUL character"
            return _nul_refused(request, message, nul)
        return _in_shape(request, self.get_response(request))

    def process_exception(
        self, request: HttpRequest, exception: Exception
    ) -> HttpResponseBase | None:
        """A body found too large while a view reads it: 413 (Django's answer would be 400)."""
        if isinstance(exception, RequestDataTooBig):
            return too_large(request)
        return None
