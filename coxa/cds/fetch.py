"""Fetch from the EHR's FHIR server what its prefetch lacked (CDS Hooks 2.0, FHIR Resource Access).

A request naming a ``fhirServer`` and a ``fhirAuthorization`` (a bearer token the EHR issued
for this call) lets Coxa run the searches its prefetch did not satisfy, with the same bounded
templates (``domain/prefetch.py``). Only a server on ``COXA_CDS_FHIR_SERVERS`` is ever asked
(exact base URLs: Coxa never reaches an address a caller chose, SSRF); redirects are not
followed; each search has a short timeout, all of them one deadline, and an answer larger
than ``MAX_BYTES`` is dropped unread. A search that fails is left unsatisfied, as if the EHR
had not sent it, and the token is never logged nor kept.
"""

import json
import logging
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings

from coxa.cds.domain.prefetch import FHIR_ID, TEMPLATES, search_url

TIMEOUT_SECONDS = 3.0  # one search
DEADLINE_SECONDS = 6.0  # every search of one request together
MAX_BYTES = 4 * 1024 * 1024  # one search's answer
FHIR_JSON = "application/fhir+json"

_log = logging.getLogger(__name__)


@dataclass
class Fetched:
    """The searches fetched, by prefetch key, and why any were not (or none were tried)."""

    found: dict[str, Any] = field(default_factory=dict)
    failed: list[str] = field(default_factory=list)  # "conditions: HTTP 401"
    refused: str = ""  # why no search was tried at all


def allowed(server: str) -> str | None:
    """``server`` as listed in COXA_CDS_FHIR_SERVERS (without a final /), or None."""
    wanted = server.rstrip("/")
    return wanted if wanted in settings.CDS_FHIR_SERVERS else None


def _token(body: dict[str, Any]) -> str | None:
    access = body.get("fhirAuthorization")
    if not isinstance(access, dict) or str(access.get("token_type", "")).lower() != "bearer":
        return None
    token = access.get("access_token")
    if not isinstance(token, str) or not token or not all("!" <= c <= "~" for c in token):
        return None
    return token


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *_: Any, **__: Any) -> None:
        return None  # a 3xx is then answered as the error it is, never followed


_OPENER = urllib.request.build_opener(_NoRedirects)


def _get(url: str, token: str, timeout: float) -> Any:
    request = urllib.request.Request(  # noqa: S310 - only a listed http(s) server's URL
        url, headers={"Authorization": f"Bearer {token}", "Accept": FHIR_JSON}
    )
    with _OPENER.open(request, timeout=timeout) as answer:
        raw = answer.read(MAX_BYTES + 1)
    if len(raw) > MAX_BYTES:
        raise ValueError(f"the answer is larger than {MAX_BYTES:,} bytes")
    return json.loads(raw.decode("utf-8"))


def _problem(error: Exception) -> str:
    if isinstance(error, urllib.error.HTTPError):
        return f"HTTP {error.code}"
    if isinstance(error, TimeoutError | urllib.error.URLError) and "timed out" in str(error):
        return "no answer in time"
    if isinstance(error, ValueError | RecursionError):
        return str(error) if "larger than" in str(error) else "not FHIR JSON"
    return "not reachable"


def fetch_missing(body: dict[str, Any], keys: list[str]) -> Fetched:
    """Run the templates ``keys`` against the request's FHIR server, if Coxa may."""
    server, token = body.get("fhirServer"), _token(body)
    if not isinstance(server, str) or token is None:
        return Fetched(refused="the request names no fhirServer with a bearer fhirAuthorization")
    base = allowed(server)
    if base is None:
        return Fetched(refused=f"{server[:200]!r} is not a FHIR server Coxa may query")
    patient_id = str(body["context"]["patientId"])
    if not FHIR_ID.fullmatch(patient_id):
        return Fetched(refused="context.patientId is not a FHIR id")
    result = Fetched()
    deadline = time.monotonic() + DEADLINE_SECONDS
    for key in keys:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            result.failed.append(f"{key}: no time left")
            continue
        try:
            url = f"{base}/{search_url(TEMPLATES[key], patient_id)}"
            result.found[key] = _get(url, token, min(TIMEOUT_SECONDS, remaining))
        except (OSError, ValueError, RecursionError) as error:  # UnicodeDecodeError: a ValueError
            result.failed.append(f"{key}: {_problem(error)}")
            _log.warning("CDS fetch of %s from %s failed: %s", key, base, _problem(error))
    return result
