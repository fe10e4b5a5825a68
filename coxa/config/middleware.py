"""Middleware of the whole site: the request log, ``no-store`` caching, and CORS for CDS Hooks.

``RequestLog``: one log line a request (issue 18), and its time in ``/metrics`` (ADR 0031).
``NoStore``: ``Cache-Control: no-store`` on every answer that may identify someone (ADR 0012).
``CrossOrigin``: browser-based EHRs may call the CDS Hooks service from their own origin.

Identifiable answers are kept out of every cache: browsers' disk caches, shared proxies and
the back button alike. Everything is ``no-store`` except what is listed as public (the home
page, to someone not signed in), so a new page is covered without being listed. Static
files are answered by WhiteNoise before this middleware runs and keep their own caching.
"""

import logging
import re
import time
import uuid
from collections.abc import Callable

from django.core.signals import request_finished
from django.http import HttpRequest, HttpResponse, HttpResponseBase

from coxa.config.metrics import observe
from coxa.core.logfilters import REQUEST_ID
from coxa.core.web import Audience, answered_as

REQUEST_ID_HEADER = "X-Request-ID"
# An id a proxy in front already gave the request is kept when it is a plain token (so the
# proxy's log and Coxa's match); anything else is replaced, never written to a log as sent.
_PLAIN_ID = re.compile(r"[A-Za-z0-9._-]{8,64}")
_log = logging.getLogger("coxa.request")


class RequestLog:
    """One log line a request, and its id in the answer's ``X-Request-ID`` header.

    The line holds the time and level (the formatter's), the request id, the user's id and
    role, the method, the route template (``staff/patients/<uuid:patient_id>/``, never the
    path: no identifier, no token), the status and the duration in milliseconds. Never a
    name, an NHS number, a query string or a search term: none of them is in these fields.
    First in the middleware list, so the time and status are the whole answer's.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response
        # The id stays set until the answer is closed: Django writes its own line about a
        # refused request (django.request) after the middleware has returned.
        request_finished.connect(_forget_request, dispatch_uid="coxa-request-log")

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        sent = request.headers.get(REQUEST_ID_HEADER, "")
        request_id = sent if _PLAIN_ID.fullmatch(sent) else uuid.uuid4().hex
        REQUEST_ID.set(request_id)
        started = time.perf_counter()
        response = self.get_response(request)
        seconds = time.perf_counter() - started
        duration = round(seconds * 1000, 1)
        response[REQUEST_ID_HEADER] = request_id
        fields = _fields(request, response, request_id, duration)
        # The same route template in /metrics' histogram (config.metrics, ADR 0031).
        observe(request.method, str(fields["route"]), response.status_code, seconds)
        _log.info(
            "%s %s %s in %s ms",  # the same fields, readable on a developer's console
            fields["method"],
            fields["route"] or "(no route)",
            fields["status"],
            duration,
            extra=fields,
        )
        return response


def _forget_request(**_: object) -> None:
    """After the answer is closed, lines of this thread belong to no request."""
    REQUEST_ID.set("")


def _fields(
    request: HttpRequest, response: HttpResponseBase, request_id: str, duration: float
) -> dict[str, object]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        user = None
    match = getattr(request, "resolver_match", None)
    return {
        "request_id": request_id,
        "user_id": None if user is None else user.pk,
        "role": "" if user is None else getattr(user, "role", ""),
        "method": request.method,
        "route": match.route if match is not None else "",
        "status": response.status_code,
        "duration_ms": duration,
    }


# Paths whose answer is the same for everyone who is not signed in.
PUBLIC_PATHS = frozenset({"/"})


def cacheable(request: HttpRequest) -> bool:
    """True only for a public page asked for by someone not signed in."""
    if request.path_info not in PUBLIC_PATHS:
        return False
    user = getattr(request, "user", None)
    return not (user is not None and user.is_authenticated)


class NoStore:
    """``Cache-Control: no-store`` and ``Pragma: no-cache`` on every non-public answer."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        if not cacheable(request):
            response["Cache-Control"] = "no-store"
            response["Pragma"] = "no-cache"  # for HTTP/1.0 caches, which ignore Cache-Control
            del response["Expires"]
        return response


class CrossOrigin:
    """CORS on every answer under /cds-services, its preflights (OPTIONS) answered here.

    Any origin may call (``*``), because the service takes its caller's credentials in the
    Authorization header only, never a cookie: a page on another origin gets nothing through
    a visitor's browser that it could not get without one, and credentials are never allowed
    (no ``Access-Control-Allow-Credentials``). A list of origins would protect nothing more
    and need keeping in step with every EHR's web address. Before ``ErrorShapes``, so that a
    413 answered there carries the headers too (a browser hides an answer without them).
    """

    HEADERS = {
        "Access-Control-Allow-Origin": "*",
        "Access-Control-Allow-Headers": "Authorization, Content-Type",
        "Access-Control-Allow-Methods": "GET, POST, OPTIONS",
        "Access-Control-Expose-Headers": REQUEST_ID_HEADER,
        "Access-Control-Max-Age": "600",  # seconds a browser may keep a preflight's answer
    }

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if answered_as(request) is not Audience.CDS:
            return self.get_response(request)
        if request.method == "OPTIONS":  # a preflight carries no credentials: answer it here
            response: HttpResponseBase = HttpResponse(status=204)
            response["Allow"] = self.HEADERS["Access-Control-Allow-Methods"]
        else:
            response = self.get_response(request)
        for name, value in self.HEADERS.items():
            response[name] = value
        return response
