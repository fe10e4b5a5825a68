"""Glue between Coxa's errors and Django's pages (forms: ``core/forms.py``)."""

import functools
from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse

from coxa.core import audit
from coxa.core.errors import Forbidden, NotFound
from coxa.core.pagination import MAX_PAGE

View = TypeVar("View", bound=Callable[..., HttpResponse])


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
            raise Http404(error.message) from error

    return login_required(wrapped)  # type: ignore[return-value]


def record_refusal(actor: Any, error: Forbidden, *, path: str, via: audit.Via) -> None:
    """Audit a refused attempt by a signed-in caller: who, what, where, and why."""
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
