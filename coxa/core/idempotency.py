"""Creating once: a double-clicked form or a retried API request makes one record.

Pages: each create form carries a one-time key (``{% load submission %}``, then
``{% submission_key %}``), made when the form is drawn. ``submit_once`` claims the key in
the same transaction as the record it creates and remembers where that led; the same form
sent again (a double click, a re-post) gets that place instead of a second record.

API: a create operation wrapped in ``@idempotent`` honours an ``Idempotency-Key`` header.
The first request with a key does the work and its answer is kept; the same key with the
same request gets that answer again, and with a different request a 409.

Keys belong to the user who sent them and are forgotten after ``REMEMBERED``. Only work
that succeeded is remembered: a refused request leaves its key free to use again, and what
the refusal recorded (its audit: who was shown which possible duplicates, which record was
read) stands, as it would for the same request without a key. The
claim is an insert under a unique constraint, so two requests with one key at the same
moment queue on the database (PostgreSQL waits on the index entry; SQLite writes one
transaction at a time) and the second finds the first's result.
"""

import datetime as dt
import functools
import hashlib
import json
import re
import secrets
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass
from typing import Any, TypeVar

from django.db import IntegrityError, transaction
from django.http import HttpRequest
from pydantic import BaseModel

from coxa.core import audit, clock
from coxa.core.errors import Conflict, CoxaError, ErrorCode, InvalidInput
from coxa.core.models import IdempotencyKey

FIELD = "submission_key"  # the hidden field of a create form
HEADER = "Idempotency-Key"
REMEMBERED = dt.timedelta(hours=24)
_KEY = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")

View = TypeVar("View", bound=Callable[..., Any])


def new_key() -> str:
    """A fresh one-time key for a form."""
    return secrets.token_urlsafe(18)


def _claim(user: Any, scope: str, key: str, fingerprint: str = "") -> tuple[IdempotencyKey, bool]:
    """The key's record, and whether this request is the first to hold it.

    Call inside a transaction: the claim stands or falls with the work it guards.
    """
    try:
        with transaction.atomic():
            row = IdempotencyKey.objects.create(
                user_id=user.pk,
                scope=scope,
                key=key,
                fingerprint=fingerprint,
                created_at=clock.now(),
            )
    except IntegrityError:
        return IdempotencyKey.objects.get(user_id=user.pk, scope=scope, key=key), False
    return row, True


def _forget_old() -> None:
    """Drop keys older than ``REMEMBERED`` (in its own short transaction, before a claim)."""
    IdempotencyKey.objects.filter(created_at__lt=clock.now() - REMEMBERED).delete()


# ----------------------------------------------------------------------------- pages
@dataclass(frozen=True)
class Submitted:
    """Where a form's submission leads, and whether it had been sent before."""

    url: str
    again: bool = False


def submit_once(request: HttpRequest, purpose: str, create: Callable[[], str]) -> Submitted:
    """Run ``create`` (which returns the address of what it made) once per form key.

    A form sent without a key (a client that never drew the form) is simply run. Errors
    from ``create`` pass through and leave the key unused, so the corrected form can be
    sent again.
    """
    key = request.POST.get(FIELD, "")
    if not key:
        return Submitted(create())
    if not _KEY.match(key):
        raise InvalidInput(
            ErrorCode.INVALID_SUBMISSION_KEY,
            "this form's key is damaged: reload the page and try again",
        )
    _forget_old()
    with audit.atomic():  # the records of what ``create`` reads and writes come last
        row, first = _claim(request.user, f"page:{purpose}", key)
        if not first:
            return Submitted(row.url, again=True)
        row.url = create()
        row.save(update_fields=["url"])
    return Submitted(row.url)


# ----------------------------------------------------------------------------- the API
def _fingerprint(request: HttpRequest) -> str:
    """The request as sent: method, path and body (JSON compared by meaning, not spacing)."""
    body: bytes = request.body
    with suppress(ValueError):  # not JSON: compared as sent
        body = json.dumps(json.loads(body), sort_keys=True, separators=(",", ":")).encode()
    head = f"{request.method} {request.path}\n".encode()
    return hashlib.sha256(head + body).hexdigest()


def _as_json(value: Any) -> Any:
    from ninja.responses import NinjaJSONEncoder  # noqa: PLC0415 (ninja: the API's, see below)

    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    return json.loads(json.dumps(value, cls=NinjaJSONEncoder))


def replay_or_run(request: HttpRequest, run: Callable[[], Any]) -> Any:
    """Run an API create once per ``Idempotency-Key``; replay its answer to a repeat."""
    # django-ninja is imported by the API alone: the pages' submit_once loads without it.
    from ninja import Status  # noqa: PLC0415

    key = request.headers.get(HEADER, "")
    user = getattr(request, "auth", None)
    if not key or getattr(user, "pk", None) is None:
        return run()
    if not _KEY.match(key):
        raise InvalidInput(
            ErrorCode.INVALID_IDEMPOTENCY_KEY,
            "Idempotency-Key is 1 to 64 letters, digits or . _ : - (a UUID will do)",
            HEADER,
        )
    fingerprint = _fingerprint(request)
    _forget_old()
    refusal: CoxaError | None = None
    with audit.atomic():  # the records of what ``run`` reads and writes come last
        row, first = _claim(user, "api", key, fingerprint)
        if not first:
            if row.fingerprint != fingerprint:
                raise Conflict(
                    ErrorCode.IDEMPOTENCY_KEY_REUSED,
                    "this Idempotency-Key was sent with a different request: "
                    "use a new key for a new request",
                    HEADER,
                )
            return Status(row.status, row.response)
        try:
            answer = run()
        except CoxaError as error:
            if transaction.get_connection().needs_rollback:
                raise  # the work left the transaction unusable: nothing of it can be kept
            refusal = error
        else:
            status = answer.status_code if isinstance(answer, Status) else 200
            if status < 400:  # noqa: PLR2004 - HTTP's own boundary
                row.status = status
                row.response = _as_json(answer.value if isinstance(answer, Status) else answer)
                row.save(update_fields=["status", "response"])
                return answer
        # A refusal: its key is freed, and the rest of what it did (the audit of what it
        # showed or read) is kept, as without a key. Rolling it back would send names and
        # dates of birth in a 409 with no audit record of the showing.
        row.delete()
    if refusal is not None:
        raise refusal
    return answer


def idempotent(view: View) -> View:
    """Mark an API create operation as safe to retry with an ``Idempotency-Key`` header."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        return replay_or_run(request, lambda: view(request, *args, **kwargs))

    return wrapped  # type: ignore[return-value]
