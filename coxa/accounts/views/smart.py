"""SMART Backend Services: the token endpoint and the SMART configuration (ADR 0033).

``POST /oauth/token`` takes a form (application/x-www-form-urlencoded) and answers OAuth 2.0's
JSON: the access token, or ``{"error", "error_description"}`` with 400 or 401. Each refusal
counts as a failed sign-in from that address (django-axes, audited); after
``COXA_LOGIN_FAILURE_LIMIT`` the address is refused for the cool-off (429, Retry-After), as
the sign-in form and the invitation links are. ``GET /.well-known/smart-configuration`` (and
under the FHIR base, ``/fhir/.well-known/smart-configuration``) says how to ask.
"""

from collections.abc import Mapping
from typing import Any

from django.http import HttpRequest, JsonResponse
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET

from coxa.accounts.access import public
from coxa.accounts.permissions import Op
from coxa.accounts.services import signin, smart

FORM = "application/x-www-form-urlencoded"
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}  # RFC 6749 section 5.1


def _answer(body: Mapping[str, Any], status: int = 200, **headers: str) -> JsonResponse:
    return JsonResponse(body, status=status, headers=NO_STORE | headers)


def _locked(request: HttpRequest) -> JsonResponse:
    seconds = signin.seconds_locked(request, smart.PROBE)
    minutes = max(1, -(-seconds // 60))
    body = {
        "error": "invalid_client",
        "error_description": f"too many refused requests from this address: try again in "
        f"{minutes} minute{'s' if minutes > 1 else ''}",
    }
    return _answer(body, 429, **{"Retry-After": str(seconds)})


@public(Op.SMART_TOKEN)
@never_cache
@csrf_exempt  # a system's form, signed by its key; no session, no cookie
def token(request: HttpRequest) -> JsonResponse:
    """Exchange a signed client assertion for an access token (client credentials)."""
    if request.method != "POST":
        refused = {"error": "invalid_request", "error_description": "POST the form"}
        return _answer(refused, 405, Allow="POST")
    if signin.is_locked_out(request, smart.PROBE):
        request.axes_locked_out = True  # type: ignore[attr-defined] # as axes' backend does
        signin.count_failure(request, smart.PROBE, "locked out")  # audited as auth.locked-out
        request.axes_locked_out = False  # type: ignore[attr-defined] # answered here
        return _locked(request)
    try:
        if request.content_type != FORM:
            raise smart.Refused("invalid_request", f"send the request as {FORM}")
        endpoint = request.build_absolute_uri(reverse("oauth-token"))
        issued = smart.issue_token(request.POST, token_endpoint=endpoint)
    except smart.Refused as refused:
        if signin.count_failure(request, smart.PROBE, f"SMART token refused: {refused.reason}"):
            return _locked(request)
        return _answer(refused.body(), refused.status)
    return _answer(issued.body())


@public(Op.SMART_CONFIGURATION)
@require_GET
def configuration(request: HttpRequest) -> JsonResponse:
    """How a connected system asks for a token: the endpoint, the keys, the scopes."""
    endpoint = request.build_absolute_uri(reverse("oauth-token"))
    return JsonResponse(smart.configuration(token_endpoint=endpoint))
