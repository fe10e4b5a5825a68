"""How every FHIR view answers: who is calling, in what shape, with which errors."""

import functools
from collections.abc import Callable, Sequence
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse

from coxa.accounts.access import admit
from coxa.accounts.domain import Interaction, allows
from coxa.accounts.models import User
from coxa.accounts.permissions import Op
from coxa.accounts.services import smart
from coxa.accounts.services.smart import Caller
from coxa.core import audit
from coxa.core.errors import CoxaError, ErrorCode, Forbidden, Hidden
from coxa.core.web import FHIR_JSON, operation_outcome, record_refusal


def answer(body: dict[str, Any]) -> JsonResponse:
    return JsonResponse(body, content_type=FHIR_JSON)


def base_url(request: HttpRequest) -> str:
    return request.build_absolute_uri("/fhir/")


def get_only(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Refuse any method but GET (HEAD too) with 405 and an OperationOutcome."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.method not in ("GET", "HEAD"):
            return operation_outcome(
                405, "Coxa's FHIR API is read-only: use GET", headers={"Allow": "GET"}
            )
        return view(request, *args, **kwargs)

    return wrapped


def caller(request: HttpRequest, op: Op) -> Caller | JsonResponse:
    """Who calls, if the table admits their role to ``op``; else the OperationOutcome.

    A person's Coxa token, or a connected system's SMART token with the scopes it was
    granted (``out_of_scope`` checks them for each resource type).
    """
    found = smart.caller_for(request.headers.get("Authorization", ""))
    if found is None:
        return operation_outcome(
            401, "send Authorization: Bearer <token>", headers={"WWW-Authenticate": "Bearer"}
        )
    try:
        admit(op, found.user)
    except Forbidden as error:
        record_refusal(found.user, error, path=request.path, via=audit.Via.API)
        return operation_outcome(403, error.message)
    return found


def out_of_scope(
    request: HttpRequest, who: Caller, types: Sequence[str], interaction: Interaction
) -> JsonResponse | None:
    """403 when a system's scopes do not reach every one of ``types``; None when they do."""
    if who.scopes is None:
        return None
    beyond = [t for t in types if not allows(who.scopes, t, interaction)]
    if not beyond:
        return None
    verb = "read" if interaction is Interaction.READ else "search"
    error = Forbidden(
        ErrorCode.FORBIDDEN, f"the token's scopes do not let it {verb} {', '.join(beyond)}"
    )
    record_refusal(who.user, error, path=request.path, via=audit.Via.API)
    return operation_outcome(403, error.message)


def refused(request: HttpRequest, user: User, error: CoxaError) -> JsonResponse:
    if isinstance(error, Forbidden | Hidden):
        record_refusal(user, error, path=request.path, via=audit.Via.API)
    return operation_outcome(error.status, error.message, expression=error.field)
