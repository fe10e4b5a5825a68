"""The JSON API under /api/v1/: mounts each app's router and shapes every error.

Every error is ``{"code", "message", "field"}``, plus ``errors`` when more than one field is
at fault: 4xx when Coxa refuses a request (429 while sign-in is locked out, 413 for a body
over the limit), 500 for an unexpected failure. A refused request changes no record; its
audit (who was refused, what was shown) is kept.
"""

from django.http import Http404, HttpRequest, HttpResponse
from ninja.errors import AuthenticationError, HttpError, ValidationError

from coxa.accounts.api import router as auth_router
from coxa.accounts.api_access import unbound
from coxa.accounts.models import User
from coxa.assessment.api import router as assessment_router
from coxa.config.errors import problem, unexpected
from coxa.config.openapi import CoxaAPI, Swagger
from coxa.core.audit import Via
from coxa.core.errors import (
    CoxaError,
    ErrorCode,
    Forbidden,
    Hidden,
    Problem,
    validation_problems,
)
from coxa.core.web import error_response, record_refusal
from coxa.decisions.api import router as decisions_router
from coxa.outcomes.api import router as outcomes_router
from coxa.pathways.api import router as episodes_router
from coxa.patients.api import router as patients_router
from coxa.surgery.api import router as surgery_router
from coxa.surveillance.api import router as surveillance_router

FORBIDDEN = 403

api = CoxaAPI(
    title="Coxa API",
    version="1",
    description=(
        "Coxa's JSON API. Authenticate with a bearer token from POST /api/v1/auth/token, "
        "or with a signed-in browser session. Identifiers are UUIDs. Errors are "
        '`{"code", "message", "field"}`: 4xx when Coxa refuses a request (among them 429 '
        "with `Retry-After` while sign-in is locked out after repeated failures, and 413 for "
        "a body over the size limit), 500 for an unexpected failure (logged; no detail is "
        "sent). `code` is one of `ErrorCode` (each with its meaning in docs/api/errors.md); "
        "every operation lists the 4xx it can give. A record a caller may not learn of (a "
        "patient asking for another patient's) is answered 404, as one that does not exist. "
        "Operations that create a record "
        "(patients, episodes, clinic entries and corrections) take an `Idempotency-Key` "
        "header: the same key with the same request gets the first answer again, with a "
        "different request a 409; keys last 24 hours."
    ),
    auth=[unbound],  # fail closed: every route names its row with auth=allow(Op.X)
    docs=Swagger(),
    urls_namespace="api",
)
api.add_router("/auth", auth_router)
api.add_router("", patients_router)
api.add_router("", episodes_router)
api.add_router("", decisions_router)
api.add_router("", assessment_router)
api.add_router("", surgery_router)
api.add_router("", outcomes_router)
api.add_router("", surveillance_router)


NINJA_LOCATIONS = ("body", "query", "path", "header", "payload")  # ninja's, not a field's


@api.exception_handler(CoxaError)
def coxa_error(request: HttpRequest, exc: CoxaError) -> HttpResponse:
    caller = getattr(request, "auth", None)
    if isinstance(exc, Forbidden | Hidden) and isinstance(caller, User):
        record_refusal(caller, exc, path=request.path, via=Via.API)
    return error_response(exc.status, exc.problems)


@api.exception_handler(ValidationError)
def validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    problems = validation_problems(exc.errors, skip=NINJA_LOCATIONS)
    return error_response(400, problems or [Problem(ErrorCode.INVALID_VALUE, "invalid request")])


@api.exception_handler(AuthenticationError)
def authentication_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return problem(401)


@api.exception_handler(HttpError)
def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    if exc.status_code == FORBIDDEN:  # ninja's CSRF check on a signed-in session
        refused = Forbidden(ErrorCode.FORBIDDEN, str(exc))
        if isinstance(request.user, User):
            record_refusal(request.user, refused, path=request.path, via=Via.API)
        return error_response(FORBIDDEN, refused.problems)
    return problem(exc.status_code, Problem(ErrorCode.BAD_REQUEST, str(exc)))


@api.exception_handler(Http404)
def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return problem(404)


@api.exception_handler(Exception)
def server_error(request: HttpRequest, exc: Exception) -> HttpResponse:
    """Anything else: logged with the request's path, answered 500 in this shape, no trace."""
    return unexpected(request, exc)


urlpatterns = api.urls[0]  # mounted under /api/v1/ by the URL map, on first use (config/urls.py)
